"""Upgrade from empty, downgrade to empty, upgrade again — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from core.db import downgrade, upgrade
from core.models import Base


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


def _cycle(url: str) -> None:
    expected = set(Base.metadata.tables)
    upgrade(url)
    assert asyncio.run(_tables(url)) == expected
    downgrade(url)
    assert asyncio.run(_tables(url)) == set()
    upgrade(url)
    assert asyncio.run(_tables(url)) == expected


def test_sqlite_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    _cycle(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_postgres_upgrade_downgrade_upgrade(postgres_url: str) -> None:
    downgrade(postgres_url)  # the session database starts migrated
    try:
        _cycle(postgres_url)
    finally:
        upgrade(postgres_url)
