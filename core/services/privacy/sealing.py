"""Bring stored pictures and face templates under the vault's current key.

Run at every start, by `safecommunity db upgrade` and `safecommunity keys migrate-pictures`,
and by a key rotation: a clear picture from before encryption (`key_id` NULL) is stripped of
its metadata, sealed, written under its keyed name and its rows pointed at it; a picture
sealed under a previous key is re-sealed the same way; face templates likewise. One picture
(or one batch of templates) per transaction, and a file is removed only after the rows that
pointed at it moved on: killed at any moment, the next run carries on where this one stopped
and no row is ever left pointing at a file that is not there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import ColumnElement, func, or_, select

from core.errors import InvalidInput
from core.files import write_private
from core.images import strip_metadata
from core.models import FaceTemplate, StoredPhoto
from core.services.photos import EXTENSIONS, FILE_CONTEXT, STORE_DIR, sealed_name
from core.services.uow import ServiceFactory

log = logging.getLogger(__name__)
Tick = Callable[[str], None]


@dataclass
class SealReport:
    pictures: int = 0  # files converted or re-sealed
    templates: int = 0
    missing: int = 0  # rows whose file is not there (left as they are)
    clear_removed: int = 0  # clear files from before encryption that no row refers to

    @property
    def changed(self) -> int:
        return self.pictures + self.templates + self.clear_removed


async def seal_stored_data(
    services: ServiceFactory, *, batch: int = 100, tick: Tick | None = None
) -> SealReport:
    """Seal every picture and template not under the current key; what was done."""
    report = SealReport()
    await seal_pictures(services, report, tick=tick)
    await seal_templates(services, report, batch=batch, tick=tick)
    report.clear_removed = await asyncio.to_thread(
        _remove_clear_leftovers, services.context.data_dir, await _referenced(services)
    )
    return report


async def pending(services: ServiceFactory) -> tuple[int, int]:
    """(pictures, templates) not under the current key."""
    key_id = services.context.vault.key_id
    async with services() as svc:
        pictures = await svc.session.scalar(
            select(func.count(func.distinct(StoredPhoto.path))).where(_stale(StoredPhoto, key_id))
        )
        templates = await svc.session.scalar(
            select(func.count()).select_from(FaceTemplate).where(_stale(FaceTemplate, key_id))
        )
    return int(pictures or 0), int(templates or 0)


def _stale(model: type[StoredPhoto] | type[FaceTemplate], key_id: str) -> ColumnElement[bool]:
    return or_(model.key_id.is_(None), model.key_id != key_id)


async def seal_pictures(
    services: ServiceFactory, report: SealReport, *, tick: Tick | None = None
) -> None:
    vault = services.context.vault
    data_dir = services.context.data_dir
    after = 0
    while True:
        async with services() as svc:
            first = await svc.session.scalar(
                select(StoredPhoto)
                .where(_stale(StoredPhoto, vault.key_id), StoredPhoto.id > after)
                .order_by(StoredPhoto.id)
                .limit(1)
            )
            if first is None:
                return
            after = first.id
            old_relative, old_key = first.path, first.key_id
            rows = (
                await svc.session.scalars(
                    select(StoredPhoto).where(StoredPhoto.path == old_relative)
                )
            ).all()
            old_path = data_dir / old_relative
            try:
                stored = await asyncio.to_thread(old_path.read_bytes)
            except FileNotFoundError:
                report.missing += 1
                continue
            if old_key is None:
                try:
                    clean = strip_metadata(stored, first.content_type)
                except InvalidInput:  # sealed as it is: better than left in clear
                    clean = stored
            else:
                clean = vault.decrypt_bytes(stored, context=FILE_CONTEXT)
            relative = sealed_name(vault, clean)
            path = data_dir / relative
            if not path.exists():
                sealed = vault.encrypt_bytes(clean, context=FILE_CONTEXT)
                await asyncio.to_thread(write_private, path, sealed)
                svc.on_rollback(partial(path.unlink, missing_ok=True))
            for row in rows:
                row.path, row.sha256 = relative, Path(relative).stem
                row.key_id, row.size = vault.key_id, len(clean)
        # Committed: no row points at the old file any more.
        if old_path != path:
            old_path.unlink(missing_ok=True)
        report.pictures += 1
        if tick is not None:
            tick("picture")


async def seal_templates(
    services: ServiceFactory, report: SealReport, *, batch: int, tick: Tick | None = None
) -> None:
    key_id = services.context.vault.key_id
    while True:
        async with services() as svc:
            rows = (
                await svc.session.scalars(
                    select(FaceTemplate)
                    .where(_stale(FaceTemplate, key_id))
                    .order_by(FaceTemplate.id)
                    .limit(batch)
                )
            ).all()
            if not rows:
                return
            persons = svc.persons
            for row in rows:
                row.vector, row.key_id = persons.seal_template(
                    persons.open_template(row.vector, row.key_id)
                )
        report.templates += len(rows)
        if tick is not None:
            for _ in rows:
                tick("template")


async def _referenced(services: ServiceFactory) -> set[str]:
    async with services() as svc:
        return set(await svc.session.scalars(select(StoredPhoto.path)))


def _remove_clear_leftovers(data_dir: Path, referenced: set[str]) -> int:
    """Clear pictures (named by extension, as before encryption) that no row refers to.

    Left by a conversion killed between its commit and the removal; a new upload is always
    written as `.bin`, so no upload in progress can be among them.
    """
    suffixes = {f".{ext}" for ext in EXTENSIONS.values()} | {".jpeg"}
    removed = 0
    for folder, _dirs, names in os.walk(data_dir / STORE_DIR):
        for name in names:
            path = Path(folder) / name
            relative = path.relative_to(data_dir).as_posix()
            if path.suffix.lower() in suffixes and relative not in referenced:
                if path.is_symlink():
                    continue
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
    return removed
