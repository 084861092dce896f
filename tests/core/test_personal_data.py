"""ID numbers and phones are encrypted at rest, masked when shown, and every access audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.bootstrap import Storage, open_storage
from core.crypto import Vault
from core.errors import PermissionDenied
from core.models import AuditEntry, Person, Role
from core.roles import Actor
from core.settings import Settings

PEOPLE = [
    ("张三", "11010519491231002X", "13812345678"),
    ("李四", "440524198001010013", "13900001111"),
    ("王五", "33010619900101123X", "15000002222"),
]


async def _add_people(storage: Storage, admin: Actor) -> list[int]:
    async with storage.services() as svc:
        return [
            (await svc.persons.add(admin, name=n, id_number=i, phone=p, flow="test")).id
            for n, i, p in PEOPLE
        ]


async def test_sqlite_file_holds_no_id_number_or_phone_in_clear(
    settings: Settings, admin: Actor
) -> None:
    storage = await open_storage(settings, migrate=False)
    try:
        await _add_people(storage, admin)
    finally:
        await storage.close()
    database = settings.data_dir / "safecommunity.db"
    raw = b"".join(p.read_bytes() for p in database.parent.glob("safecommunity.db*"))
    assert len(raw) > 0
    for _, id_number, phone in PEOPLE:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert id_number.encode(encoding) not in raw
            assert phone.encode(encoding) not in raw
        assert id_number[-4:].encode() in raw  # the masked form is stored for display


async def test_masked_views_and_full_number_only_for_police_and_admin(
    storage: Storage, admin: Actor
) -> None:
    ids = await _add_people(storage, admin)
    cadre = Actor(role=Role.CADRE, member_id=None, label="cadre")
    police = Actor(role=Role.POLICE, member_id=None, label="police")
    async with storage.services() as svc:
        view = await svc.persons.get(cadre, ids[0], flow="visit")
        assert view.id_number_masked == "1101**********002X"
        assert view.phone_masked == "138****5678"
        with pytest.raises(PermissionDenied):
            await svc.persons.reveal_id_number(cadre, ids[0])
        assert await svc.persons.reveal_id_number(police, ids[0], flow="check") == PEOPLE[0][1]
        found = await svc.persons.find_by_id_number(cadre, PEOPLE[1][1].lower())
        assert found is not None
        assert found.id == ids[1]


async def test_every_read_and_change_is_audited(storage: Storage, admin: Actor) -> None:
    ids = await _add_people(storage, admin)
    cadre = Actor(role=Role.CADRE, member_id=None, label="cadre-7")
    async with storage.services() as svc:
        await svc.persons.get(cadre, ids[0], flow="visit")
        await svc.persons.update(cadre, ids[0], phone="13700000000", flow="visit")
        await svc.persons.reveal_id_number(admin, ids[0], flow="check")
    async with storage.services() as svc:
        rows = (
            await svc.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.subject_type == "person", AuditEntry.subject_id == str(ids[0]))
                .order_by(AuditEntry.id)
            )
        ).all()
    actions = [(r.action, r.actor_label, r.flow) for r in rows]
    assert actions == [
        ("create", "test", "test"),
        ("read", "cadre-7", "visit"),
        ("update", "cadre-7", "visit"),
        ("reveal_id_number", "test", "check"),
    ]
    assert rows[2].details == {"fields": ["phone"]}


async def test_ciphertext_is_bound_to_its_field(storage: Storage, admin: Actor) -> None:
    ids = await _add_people(storage, admin)
    async with storage.services() as svc:
        person = await svc.session.get(Person, ids[0])
        vault: Vault = svc.context.vault
        assert person is not None
        assert person.id_number_encrypted is not None
        assert vault.decrypt(person.id_number_encrypted, context="person.id_number")
        with pytest.raises(Exception):  # noqa: B017,PT011 - AES-GCM tag mismatch
            vault.decrypt(person.id_number_encrypted, context="person.phone")


def test_vault_rejects_a_short_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        Vault(b"short")
