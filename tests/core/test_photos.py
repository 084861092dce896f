"""The photo store: orphan files (a kill between the file and its row) are swept at start."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from core.bootstrap import Storage
from core.models import PhotoKind
from core.roles import Actor
from tests.core.pictures import JPEG, picture

HOUR = 3600.0


def aged(path: Path, seconds: float, data: bytes = JPEG) -> Path:
    """Write `path` (unless it exists) and date it `seconds` ago."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    then = time.time() - seconds
    os.utime(path, (then, then), follow_symlinks=False)
    return path


async def test_sweep_removes_old_files_no_row_refers_to(
    storage: Storage, admin: Actor, tmp_path: Path
) -> None:
    async with storage.services() as svc:
        data_dir = svc.context.data_dir
        kept = await svc.photos.store(admin, PhotoKind.CONTACT_CARD, picture("kept"))
    referenced = aged(data_dir / kept.path, 2 * HOUR)
    store = data_dir / "photos"
    orphan = aged(store / "2025" / "01" / "orphan.jpg", 2 * HOUR)
    half_written = aged(store / "2025" / "01" / "other.jpg.part", 2 * HOUR)
    uploading = aged(store / "2025" / "02" / "young.jpg", 60)  # its row may not be committed
    outside = aged(tmp_path / "elsewhere" / "precious.jpg", 2 * HOUR)
    link = store / "2025" / "01" / "link.jpg"
    link.symlink_to(outside)
    aged(link, 2 * HOUR)
    (store / "linked").symlink_to(outside.parent, target_is_directory=True)
    beside = aged(data_dir / "not-a-photo.jpg", 2 * HOUR)

    async with storage.services() as svc:
        assert await svc.photos.sweep_orphans() == 2
    assert not orphan.exists()
    assert not half_written.exists()
    for path in (referenced, uploading, outside, beside):
        assert path.is_file(), path
    assert link.is_symlink()
    assert (store / "linked" / "precious.jpg").is_file()

    async with storage.services() as svc:  # nothing left to do; the row still reads
        assert await svc.photos.sweep_orphans() == 0
        _row, data = await svc.photos.read(admin, kept.id)
    assert data[:2] == b"\xff\xd8"
    assert data == await _stored_form(storage, picture("kept"))


async def test_sweep_of_a_store_that_does_not_exist_yet(storage: Storage) -> None:
    async with storage.services() as svc:
        assert not (svc.context.data_dir / "photos").exists()
        assert await svc.photos.sweep_orphans(min_age=timedelta(0)) == 0


async def _stored_form(storage: Storage, data: bytes) -> bytes:
    from core.images import strip_metadata

    return strip_metadata(data, "image/jpeg")
