"""`keys status`, `keys migrate-pictures` and `db upgrade` seal what was stored in clear."""

from __future__ import annotations

import asyncio
import hashlib
import stat
from pathlib import Path

from core.bootstrap import open_storage
from core.models import PhotoKind, StoredPhoto
from core.settings import Settings
from tests.core.pictures import GPS_SERIAL, picture


def _clear_picture(settings: Settings) -> Path:
    async def work() -> Path:
        storage = await open_storage(settings, migrate=False)
        data = picture("clear")
        digest = hashlib.sha256(data).hexdigest()
        path = settings.data_dir / "photos" / "2025" / "01" / f"{digest}.jpg"
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        path.chmod(0o644)
        try:
            async with storage.services() as svc:
                svc.session.add(
                    StoredPhoto(
                        kind=PhotoKind.CONTACT_CARD,
                        path=path.relative_to(settings.data_dir).as_posix(),
                        sha256=digest,
                    )
                )
        finally:
            await storage.close()
        return path

    return asyncio.run(work())


def test_migrate_pictures_seals_and_reports(cli, cli_settings: Settings) -> None:
    clear = _clear_picture(cli_settings)
    status = cli("keys", "status")
    assert status.code == 0, status.err
    assert "1 pictures, 0 face templates" in status.out
    result = cli("keys", "migrate-pictures")
    assert result.code == 0, result.err
    assert "sealed 1 pictures and 0 face templates" in result.out
    assert not clear.exists()
    sealed = [p for p in (cli_settings.data_dir / "photos").rglob("*.bin")]
    assert len(sealed) == 1
    assert GPS_SERIAL.encode() not in sealed[0].read_bytes()
    assert stat.S_IMODE(sealed[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((cli_settings.data_dir / "safecommunity.db").stat().st_mode) == 0o600
    assert "0 pictures, 0 face templates" in cli("keys", "status").out


def test_db_upgrade_seals_too(cli, cli_settings: Settings) -> None:
    clear = _clear_picture(cli_settings)
    result = cli("db", "upgrade")
    assert result.code == 0, result.err
    assert "pictures: sealed 1 pictures" in result.out
    assert not clear.exists()
