"""Key rotation: everything sealed under a previous secret is re-sealed under the current one.

The operator makes a new secret (`safecommunity keys new`: the old one moves to
``secret.previous.key``, or is named in SAFECOMMUNITY_PREVIOUS_SECRET_KEYS), restarts the bot
so it reads with both keys, and runs `safecommunity keys rotate`: ID numbers and phones (and
their look-up hashes), visitors' phones, pictures and face templates are re-sealed in small
transactions, each row checked by the key version its ciphertext names, so a rotation that is
killed resumes where it stopped and reads keep working throughout. When nothing is left under
the old key, the old key's signing key (which can verify printed house cards but decrypt
nothing) is kept, sealed, in ``retired-signing.keys``, and the old secret is no longer needed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select

from core.crypto import Vault
from core.files import write_private
from core.models import Person, Visitor
from core.services.persons import ID_CONTEXT, PHONE_CONTEXT
from core.services.privacy.sealing import SealReport, pending, seal_stored_data
from core.services.uow import ServiceFactory
from core.settings import Settings

RETIRED_SIGNING_FILE = "retired-signing.keys"
RETIRED_CONTEXT = "vault.retired_signing"
VISITOR_PHONE_CONTEXT = "visitor.phone"
Tick = Callable[[str], None]


def open_vault(settings: Settings) -> Vault:
    """The vault of the settings' secret, previous secrets and retired signing keys."""
    secret, previous = settings.effective_secret(), settings.previous_secrets()
    path = settings.data_dir / RETIRED_SIGNING_FILE
    retired: list[bytes] = []
    if path.exists():
        opened = Vault(secret, previous=previous).decrypt_bytes(
            path.read_bytes(), context=RETIRED_CONTEXT
        )
        retired = [bytes.fromhex(line) for line in opened.decode().split()]
    return Vault(secret, previous=previous, retired_signing=retired)


@dataclass
class RotationReport:
    fields: int  # persons and visitors re-sealed
    sealed: SealReport
    finished: bool  # nothing is left under a previous key


async def fields_pending(services: ServiceFactory) -> int:
    """Persons and visitors with a field not sealed under the current key."""
    vault = services.context.vault
    count = 0
    async with services() as svc:
        for blobs in await svc.session.execute(
            select(Person.id_number_encrypted, Person.phone_encrypted)
        ):
            count += any(blob and not vault.is_current(blob) for blob in blobs)
        for (blob,) in await svc.session.execute(select(Visitor.phone_encrypted)):
            count += bool(blob and not vault.is_current(blob))
    return count


async def rotate(
    services: ServiceFactory, data_dir: Path, *, batch: int = 200, tick: Tick | None = None
) -> RotationReport:
    """Re-seal everything under the current key; resumable; safe while the bot runs."""
    fields = await _rotate_persons(services, batch, tick) + await _rotate_visitors(
        services, batch, tick
    )
    sealed = await seal_stored_data(services, tick=tick)
    finished = await fields_pending(services) == 0 and await pending(services) == (0, 0)
    if finished:
        retire_signing_keys(services.context.vault, data_dir)
    return RotationReport(fields, sealed, finished)


def retire_signing_keys(vault: Vault, data_dir: Path) -> None:
    """Keep the old signing keys (sealed under the current key) so house cards still verify."""
    keys = vault.old_signing_keys()
    path = data_dir / RETIRED_SIGNING_FILE
    if not keys:
        return
    text = "\n".join(key.hex() for key in keys).encode()
    write_private(path, vault.encrypt_bytes(text, context=RETIRED_CONTEXT))


def forget_previous_secret_file(settings: Settings) -> bool:
    """Remove ``secret.previous.key`` after a finished rotation; True when there was one."""
    with contextlib.suppress(FileNotFoundError):
        settings.previous_secret_file.unlink()
        return True
    return False


_Row = TypeVar("_Row", Person, Visitor)


async def _reseal_in_batches(
    services: ServiceFactory,
    model: type[_Row],
    reseal: Callable[[_Row], bool],
    batch: int,
    tick: Tick | None,
    label: str,
) -> int:
    """Walk `model`'s rows by id in small transactions (a killed rotation resumes); `reseal`
    re-seals one row's stale fields and says whether it changed any. How many changed."""
    done, after = 0, 0
    while True:
        async with services() as svc:
            rows = (
                await svc.session.scalars(
                    select(model).where(model.id > after).order_by(model.id).limit(batch)
                )
            ).all()
            if not rows:
                return done
            after = rows[-1].id
            for row in rows:
                if reseal(row):
                    done += 1
                    if tick is not None:
                        tick(label)


async def _rotate_persons(services: ServiceFactory, batch: int, tick: Tick | None) -> int:
    vault = services.context.vault

    def reseal(person: Person) -> bool:
        changed = False
        if person.id_number_encrypted and not vault.is_current(person.id_number_encrypted):
            value = vault.decrypt(person.id_number_encrypted, context=ID_CONTEXT)
            person.id_number_encrypted = vault.encrypt(value, context=ID_CONTEXT)
            person.id_number_hash = vault.lookup_hash(value, context=ID_CONTEXT)
            changed = True
        if person.phone_encrypted and not vault.is_current(person.phone_encrypted):
            value = vault.decrypt(person.phone_encrypted, context=PHONE_CONTEXT)
            person.phone_encrypted = vault.encrypt(value, context=PHONE_CONTEXT)
            changed = True
        return changed

    return await _reseal_in_batches(services, Person, reseal, batch, tick, "person")


async def _rotate_visitors(services: ServiceFactory, batch: int, tick: Tick | None) -> int:
    vault = services.context.vault

    def reseal(visitor: Visitor) -> bool:
        blob = visitor.phone_encrypted
        if not blob or vault.is_current(blob):
            return False
        value = vault.decrypt_bytes(blob, context=VISITOR_PHONE_CONTEXT)
        visitor.phone_encrypted = vault.encrypt_bytes(value, context=VISITOR_PHONE_CONTEXT)
        return True

    return await _reseal_in_batches(services, Visitor, reseal, batch, tick, "visitor")
