"""`safecommunity backup --out FILE` and `safecommunity restore FILE` (core/backup.py)."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.cli.common import CliContext, CliError, require_secret, run, warn
from core import backup
from core.bootstrap import open_storage
from core.crypto import key_version
from core.db import make_engine
from core.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    make = sub.add_parser(
        "backup",
        help="write an encrypted backup of the database and the pictures",
        description="Write one encrypted file with a consistent copy of the database (SQLite's "
        "online backup, or pg_dump) and the sealed pictures; the bot may keep running. It is "
        "encrypted with a key derived from the secret key, which it does not contain: keep "
        "the secret key apart, without it the backup cannot be restored.",
    )
    make.add_argument("--out", type=Path, required=True, metavar="FILE")
    make.set_defaults(handler=cmd_backup)
    restore = sub.add_parser(
        "restore",
        help="restore a backup into an empty data dir",
        description="Restore a backup into an empty data dir (only secret.key may be there: "
        "put the secret key in place first, or set SAFECOMMUNITY_SECRET_KEY). With "
        "PostgreSQL the database must exist and be empty.",
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.set_defaults(handler=cmd_restore)


def cmd_backup(ctx: CliContext, args: argparse.Namespace) -> int:
    settings = ctx.settings
    require_secret(settings)
    out: Path = args.out
    if out.exists():
        raise CliError(f"{out} exists: choose another --out")
    if out.resolve().is_relative_to(settings.data_dir.resolve()):
        raise CliError("write the backup outside the data dir")
    try:
        report = make_backup(settings, out)
    except backup.BackupError as exc:
        raise CliError(explain(exc)) from None
    print(
        f"wrote {out} ({report.bytes} bytes): the {report.database} database and "
        f"{report.pictures} pictures, encrypted; keep the secret key apart"
    )
    if report.missing:
        warn(f"warning: {len(report.missing)} pictures named in the database have no file")
    return 0


def explain(error: backup.BackupError) -> str:
    """One line for the operator."""
    params = error.params
    return {
        "not_a_backup": "this is not a SafeCommunity backup",
        "wrong_key": f"this backup was made with another secret key (version "
        f"{params.get('key')}): configure that key (SAFECOMMUNITY_SECRET_KEY or secret.key)",
        "truncated": "the backup is incomplete (cut short): use another copy",
        "damaged": "the backup is damaged (a part does not decrypt): use another copy",
        "missing_tool": f"{params.get('tool')} is not installed (apt install postgresql-client)",
        "tool_failed": f"{params.get('tool')} failed: {params.get('error')}",
    }.get(error.detail, f"backup: {error.detail} {params}")


def make_backup(settings: Settings, out: Path) -> backup.BackupReport:
    url = settings.effective_database_url
    kind = backup.database_kind(url)
    secret = settings.effective_secret()
    with backup.staging_dir(out.resolve().parent) as staging:
        folder = Path(staging)
        if kind == "sqlite":
            database = folder / backup.SQLITE_NAME
            source = Path(make_url(url).database or "")
            if not source.is_file():
                raise CliError(f"no database at {source}")
            backup.copy_sqlite(source, database)
            pictures = backup.picture_paths(database)
            revision = _sqlite_revision(database)
        else:
            database = folder / backup.PG_NAME
            pictures, revision = run(_dump_postgres(url, database))
        manifest: dict[str, Any] = {
            "format": backup.FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": kind,
            "revision": revision,
            "key": key_version(secret).hex(),
            "pictures": len(pictures),
        }
        return backup.write_backup(
            out,
            secret=secret,
            data_dir=settings.data_dir,
            manifest=manifest,
            database=database,
            database_name=database.name,
            pictures=pictures,
        )


def _sqlite_revision(database: Path) -> str:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        connection.close()
    return str(row[0]) if row else ""


async def _dump_postgres(url: str, target: Path) -> tuple[list[str], str]:
    """pg_dump under the snapshot in which the picture rows are read (one consistent view)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="REPEATABLE READ")
            async with connection.begin():
                snapshot = (await connection.execute(text("SELECT pg_export_snapshot()"))).scalar()
                rows = (await connection.execute(text("SELECT path FROM photos"))).scalars()
                paths = [str(path) for path in rows]
                revision = (
                    await connection.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar()
                await asyncio.to_thread(backup.dump_postgres, url, target, str(snapshot))
    finally:
        await engine.dispose()
    return backup.picture_paths(None, paths), str(revision or "")


def cmd_restore(ctx: CliContext, args: argparse.Namespace) -> int:
    settings = ctx.settings
    source: Path = args.file
    if not source.is_file():
        raise CliError(f"{source}: no such file")
    if not backup.is_empty_data_dir(settings.data_dir):
        raise CliError(
            f"{settings.data_dir} is not empty: restore into an empty data dir "
            "(only the secret key may be there)"
        )
    require_secret(settings)
    url = settings.effective_database_url
    kind = backup.database_kind(url)
    if kind == "postgresql" and run(_postgres_tables(url)):
        raise CliError("the PostgreSQL database is not empty: restore into an empty one")
    secrets = [settings.effective_secret(), *settings.previous_secrets()]
    try:
        manifest, pictures = _restore(settings, source, secrets, kind)
    except BaseException as exc:
        backup.clear_data_dir(settings.data_dir)
        if isinstance(exc, backup.BackupError):
            raise CliError(explain(exc)) from None
        raise
    print(
        f"restored the {manifest['database']} backup of {manifest['created_at']} "
        f"({pictures} pictures) into {settings.data_dir}"
    )
    return 0


def _restore(
    settings: Settings, source: Path, secrets: list[bytes], kind: str
) -> tuple[dict[str, Any], int]:
    url = settings.effective_database_url
    data_dir = settings.data_dir
    with backup.staging_dir(data_dir.resolve().parent) as staging:
        manifest, database = backup.unpack(source, secrets, data_dir, Path(staging))
        if manifest["database"] != kind:
            raise CliError(
                f"this is a {manifest['database']} backup; the configured database is {kind}"
            )
        if kind == "sqlite":
            target = Path(make_url(url).database or "")
            if target.exists():
                raise CliError(f"{target} exists")
            database.replace(target)
        else:
            backup.restore_postgres(url, database)
    run(_open_and_close(settings))  # migrations (an older backup), owner-only modes
    pictures = sum(1 for p in (data_dir / backup.PHOTOS).rglob("*") if p.is_file())
    return manifest, pictures


async def _open_and_close(settings: Settings) -> None:
    storage = await open_storage(settings)
    await storage.close()


async def _postgres_tables(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            count = await connection.scalar(
                text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                )
            )
    finally:
        await engine.dispose()
    return int(count or 0)
