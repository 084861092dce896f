"""`keys status`, `keys migrate-pictures` and `db upgrade` seal what was stored in clear."""

from __future__ import annotations

import asyncio
import hashlib
import stat
from pathlib import Path

from core.bootstrap import open_storage
from core.models import PhotoKind, StoredPhoto
from core.roles import Actor
from core.settings import Settings
from tests.core.pictures import GPS_SERIAL, picture

ID_NUMBER = "11010519491231002X"


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


def test_new_key_then_rotate_with_the_generated_secret(cli, data_dir: Path) -> None:
    assert cli("init").code == 0
    settings = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]

    async def seed() -> int:
        storage = await open_storage(settings, migrate=False)
        try:
            async with storage.services() as svc:
                admin = Actor.system("test")
                person = await svc.persons.add(admin, name="张三", id_number=ID_NUMBER)
                await svc.photos.store(
                    admin, PhotoKind.ID_FRONT, picture("id"), person_id=person.id
                )
                return person.id
        finally:
            await storage.close()

    async def reveal(person_id: int) -> str:
        fresh = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
        storage = await open_storage(fresh, migrate=False)
        try:
            async with storage.services() as svc:
                return await svc.persons.reveal_id_number(Actor.system("t"), person_id)
        finally:
            await storage.close()

    person_id = asyncio.run(seed())
    old_secret = (data_dir / "secret.key").read_text()
    assert cli("keys", "rotate").code == 1  # nothing to rotate to yet
    created = cli("keys", "new")
    assert created.code == 0, created.err
    assert (data_dir / "secret.previous.key").read_text() == old_secret
    assert (data_dir / "secret.key").read_text() != old_secret
    assert cli("keys", "new").code == 1  # one rotation at a time
    assert "1 persons, 1 pictures" in cli("keys", "status").out
    assert asyncio.run(reveal(person_id)) == ID_NUMBER  # reads with both keys meanwhile

    rotated = cli("keys", "rotate")
    assert rotated.code == 0, rotated.err
    assert "re-encrypted 1 persons, 1 pictures and 0 face templates" in rotated.out
    assert "secret.previous.key removed" in rotated.out
    assert not (data_dir / "secret.previous.key").exists()
    assert "0 persons, 0 pictures, 0 face templates" in cli("keys", "status").out
    assert asyncio.run(reveal(person_id)) == ID_NUMBER


def test_new_key_with_the_secret_in_the_environment_prints_it(cli, ready: Path) -> None:
    result = cli("keys", "new")
    assert result.code == 0, result.err
    assert "SAFECOMMUNITY_SECRET_KEY=" in result.out
    assert "SAFECOMMUNITY_PREVIOUS_SECRET_KEYS=" in result.out
    assert not (ready / "secret.previous.key").exists()
