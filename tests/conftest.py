"""Shared fixtures: settings in a temporary data dir, storage on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core.bootstrap import Storage, open_storage
from core.db import upgrade
from core.roles import Actor
from core.settings import Settings

TEST_SECRET = "test-secret-key-0123456789abcdef"
PG_HOST, PG_PORT = "127.0.0.1", 5432
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_data() -> Path:
    """The shared real-image test data, or skip the test cleanly when it is absent."""
    path = Path(os.environ.get("SAFECOMMUNITY_TEST_DATA", SHARED_DATA))
    if not path.is_dir():
        pytest.skip(f"shared test data not found at {path}")
    return path


def postgres_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session; each test gets a copy (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, migrated once and dropped at the end."""
    if not postgres_reachable():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 but CI must test it")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    import asyncpg

    name = f"sc_test_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", database="test"
        )
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    url = f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"

    def create() -> None:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
        upgrade(url)

    # Requested from async fixtures too: run the blocking set-up outside their event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(create).result()
        yield url
        pool.submit(asyncio.run, admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')).result()


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "secret_key": TEST_SECRET}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path, sqlite_template: Path) -> Settings:
    """Settings over a private data dir whose SQLite database is already migrated."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "safecommunity.db")
    return make_settings(data_dir)


async def _truncate_all(storage: Storage) -> None:
    from sqlalchemy import text

    from core.models import Base

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with storage.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def storage(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> AsyncIterator[Storage]:
    """Storage on the SQLite file and, as a second run of the same test, on PostgreSQL."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        pg_settings = make_settings(settings.data_dir, database_url=url)
        opened = await open_storage(pg_settings, migrate=False)
        await _truncate_all(opened)
    else:
        opened = await open_storage(settings, migrate=False)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def sqlite_storage_only(settings: Settings) -> Settings:
    return settings


@pytest.fixture
def admin() -> Actor:
    return Actor.system("test")
