"""`backup` then `restore` into an empty data dir, on SQLite and on PostgreSQL; the file is
encrypted, refuses another key and a damaged copy, and restore refuses a data dir in use."""

from __future__ import annotations

import asyncio
import stat
import uuid
from pathlib import Path

import pytest

from core.bootstrap import open_storage
from core.db import upgrade
from core.models import PhotoKind
from core.roles import Actor
from core.settings import Settings
from tests.bot.cli.conftest import CLI_SECRET
from tests.conftest import PG_HOST, PG_PORT, postgres_reachable
from tests.core.pictures import picture

ID_NUMBER = "11010519491231002X"


def _seed(settings: Settings) -> tuple[int, int]:
    async def work() -> tuple[int, int]:
        storage = await open_storage(settings, migrate=False)
        admin = Actor.system("test")
        try:
            async with storage.services() as svc:
                person = await svc.persons.add(admin, name="张三", id_number=ID_NUMBER)
                photo = await svc.photos.store(
                    admin, PhotoKind.ID_FRONT, picture("id"), person_id=person.id
                )
                return person.id, photo.id
        finally:
            await storage.close()

    return asyncio.run(work())


def _check(settings: Settings, person_id: int, photo_id: int) -> None:
    async def work() -> None:
        storage = await open_storage(settings, migrate=False)
        admin = Actor.system("test")
        try:
            async with storage.services() as svc:
                assert await svc.persons.reveal_id_number(admin, person_id) == ID_NUMBER
                _, data = await svc.photos.read(admin, photo_id)
                assert data[:3] == b"\xff\xd8\xff"
        finally:
            await storage.close()

    asyncio.run(work())


def test_backup_and_restore_sqlite(cli, cli_settings: Settings, tmp_path, monkeypatch) -> None:
    person_id, photo_id = _seed(cli_settings)
    out = tmp_path / "backups" / "sc.backup"
    out.parent.mkdir()
    inside = cli("backup", "--out", str(cli_settings.data_dir / "x.backup"))
    assert inside.code == 1
    made = cli("backup", "--out", str(out))
    assert made.code == 0, made.err
    assert "1 pictures" in made.out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    blob = out.read_bytes()
    assert b"SQLite format" not in blob
    assert "张三".encode() not in blob
    assert list(out.parent.iterdir()) == [out]  # no staging left behind
    assert cli("backup", "--out", str(out)).code == 1  # never overwritten

    assert cli("restore", str(out)).code == 1  # the data dir in use is refused

    fresh = tmp_path / "restored"
    monkeypatch.setenv("SAFECOMMUNITY_DATA_DIR", str(fresh))
    monkeypatch.setenv("SAFECOMMUNITY_SECRET_KEY", "another-secret-0123456789abcdef")
    wrong = cli("restore", str(out))
    assert wrong.code == 1
    assert "made with another secret key" in wrong.err
    assert not fresh.exists() or not any(fresh.iterdir())

    monkeypatch.setenv("SAFECOMMUNITY_SECRET_KEY", CLI_SECRET)
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(blob[:-40])
    assert cli("restore", str(damaged)).code == 1
    assert not any(fresh.iterdir())  # what a failed restore wrote is gone

    restored = cli("restore", str(out))
    assert restored.code == 0, restored.err
    assert "(1 pictures)" in restored.out
    settings = Settings(_env_file=None, data_dir=fresh, secret_key=CLI_SECRET)  # type: ignore[call-arg]
    _check(settings, person_id, photo_id)
    assert stat.S_IMODE((fresh / "safecommunity.db").stat().st_mode) == 0o600
    assert cli("restore", str(out)).code == 1  # not empty any more


@pytest.mark.postgres
def test_backup_and_restore_postgres(cli, data_dir: Path, tmp_path, monkeypatch) -> None:
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    import asyncpg

    names = [f"sc_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", database="test"
        )
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    urls = [f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}" for name in names]
    for name in names:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        upgrade(urls[0])
        monkeypatch.setenv("SAFECOMMUNITY_SECRET_KEY", CLI_SECRET)
        monkeypatch.setenv("SAFECOMMUNITY_DATABASE_URL", urls[0])
        source = Settings(
            _env_file=None, data_dir=data_dir, secret_key=CLI_SECRET, database_url=urls[0]
        )  # type: ignore[call-arg]
        person_id, photo_id = _seed(source)
        out = tmp_path / "pg.backup"
        made = cli("backup", "--out", str(out))
        assert made.code == 0, made.err
        assert "postgresql database and 1 pictures" in made.out

        fresh = tmp_path / "restored"
        monkeypatch.setenv("SAFECOMMUNITY_DATA_DIR", str(fresh))
        assert cli("restore", str(out)).code == 1  # the source database is not empty
        monkeypatch.setenv("SAFECOMMUNITY_DATABASE_URL", urls[1])
        restored = cli("restore", str(out))
        assert restored.code == 0, restored.err
        target = Settings(
            _env_file=None, data_dir=fresh, secret_key=CLI_SECRET, database_url=urls[1]
        )  # type: ignore[call-arg]
        _check(target, person_id, photo_id)
    finally:
        for name in names:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
