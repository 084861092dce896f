"""`safecommunity init` and `safecommunity db …`: data dir, secret and migrations."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url

from bot.cli.common import CliContext, CliError, open_services, require_secret, run
from core.db import alembic_config, downgrade, make_engine, upgrade
from core.errors import ConfigurationError
from core.settings import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init",
        help="create the data dir and secret, apply migrations",
        description="Create the data dir, generate the secret key into it when "
        "SAFECOMMUNITY_SECRET_KEY is unset, and bring the database to the latest schema. "
        "Safe to run again.",
    )
    init.set_defaults(handler=cmd_init)

    db = sub.add_parser(
        "db", help="database migrations", description="Apply or revert schema migrations."
    )
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    dbsub.add_parser(
        "upgrade", help="migrate to the latest schema", description="Migrate to the latest schema."
    ).set_defaults(handler=cmd_upgrade)
    down = dbsub.add_parser(
        "downgrade",
        help="revert to a revision (operators only)",
        description="Revert the schema to REVISION ('base' drops every table and its data).",
    )
    down.add_argument("revision", metavar="REV", help="target revision id, -1, or base")
    down.set_defaults(handler=cmd_downgrade)
    dbsub.add_parser(
        "current",
        help="show the schema revision",
        description="Show the database's schema revision and the latest one.",
    ).set_defaults(handler=cmd_current)


def cmd_init(ctx: CliContext, args: argparse.Namespace) -> int:
    settings = ctx.settings
    data_dir = settings.data_dir
    existed = data_dir.is_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"data dir: {data_dir.resolve()} ({'exists' if existed else 'created'})")
    print(f"secret:   {_ensure_secret(settings)}")
    require_secret(settings)
    before, after = _migrate(settings.effective_database_url, "head", upgrade)
    print(f"database: {_shown(settings.effective_database_url)} {_change(before, after)}")
    rules, lists = run(_defaults(ctx))
    print(f"defaults: {rules} alert rules and {lists} watch lists added")
    print("next:     safecommunity member add --telegram-id ID --role admin --name NAME")
    return 0


def cmd_upgrade(ctx: CliContext, args: argparse.Namespace) -> int:
    url = ctx.settings.effective_database_url
    before, after = _migrate(url, "head", upgrade)
    print(f"database: {_shown(url)} {_change(before, after)}")
    _seal(ctx)
    return 0


def _seal(ctx: CliContext) -> None:
    """Seal pictures and templates stored in clear (needs the secret key, unlike migrations)."""
    from bot.cli.keys import describe_seal, seal_with_progress

    try:
        ctx.settings.effective_secret()
    except ConfigurationError:
        print("pictures: not sealed (no secret key yet; the bot seals them at start)")
        return
    print(f"pictures: {describe_seal(seal_with_progress(ctx, 'sealing'))}")


def cmd_downgrade(ctx: CliContext, args: argparse.Namespace) -> int:
    url = ctx.settings.effective_database_url
    before, after = _migrate(url, args.revision, downgrade)
    print(f"database: {_shown(url)} {_change(before, after)}")
    return 0


def cmd_current(ctx: CliContext, args: argparse.Namespace) -> int:
    url = ctx.settings.effective_database_url
    current = current_revision(url)
    head = head_revision(url)
    state = "up to date" if current == head else "run `safecommunity db upgrade`"
    print(f"database: {_shown(url)} at {current or 'none'} (latest {head}; {state})")
    return 0


async def _defaults(ctx: CliContext) -> tuple[int, int]:
    """The default alert rules and the built-in watch lists of a fresh install (idempotent):
    adding a watchlist entry is then enough to get alerts."""
    async with open_services(ctx) as services, services() as svc:
        rules = await svc.alerts.ensure_default_rules()
        lists = await svc.watchlists.ensure_builtin(ctx.actor)
    return rules, lists


def _ensure_secret(settings: Settings) -> str:
    if settings.secret_key:
        return "from SAFECOMMUNITY_SECRET_KEY (no file written)"
    if settings.secret_file.exists():
        return f"kept the existing {settings.secret_file.resolve()}"
    settings.ensure_secret()
    return f"generated {settings.secret_file.resolve()} (mode 600; back it up with the data)"


def _migrate(
    url: str, revision: str, step: Callable[[str, str], None]
) -> tuple[str | None, str | None]:
    """Run upgrade/downgrade (blocking, outside any event loop); revisions before and after."""
    before = current_revision(url)
    try:
        step(url, revision)
    except CommandError as exc:
        raise CliError(f"migrations: {exc}") from None
    return before, current_revision(url)


def current_revision(url: str) -> str | None:
    """The database's schema revision; None for a SQLite file that does not exist yet."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        if not path or not Path(path).exists():
            return None
    return run(_current_revision(url))


async def _current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def _change(before: str | None, after: str | None) -> str:
    if before == after:
        return f"already at {after or 'base'}"
    return f"migrated {before or 'base'} → {after or 'base'}"


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
