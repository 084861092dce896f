"""The `safecommunity` command: argparse wiring and one place that turns errors into one line.

Exit codes: 0 done, 1 failed (the reason on one stderr line), 2 bad usage or configuration
(the line names the SAFECOMMUNITY_ variable), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.cli import (
    audit,
    backup,
    cameras,
    cards,
    channels,
    database,
    export,
    groups,
    houses,
    keys,
    launch,
    members,
    person,
    retention,
    rules,
    seed,
    watchlists,
)
from bot.cli.common import CliContext, CliError
from core.errors import ConfigurationError, DomainError

TOPICS = (
    database,
    members,
    groups,
    houses,
    cards,
    cameras,
    channels,
    rules,
    watchlists,
    export,
    seed,
    person,
    audit,
    keys,
    retention,
    backup,
    launch,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safecommunity",
        description="SafeCommunity administration: set up, manage members, houses and "
        "cameras, run the bot. Settings come from SAFECOMMUNITY_* variables and ./.env.",
    )
    parser.add_argument(
        "--data-dir", type=Path, metavar="DIR", help="override SAFECOMMUNITY_DATA_DIR"
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of unexpected errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for topic in TOPICS:
        topic.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return 2
    overrides: dict[str, object] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = args.data_dir
    try:
        return int(args.handler(CliContext(overrides), args))
    except ConfigurationError as exc:
        return _fail(f"configuration error: {exc.variable}: {exc.message}", 2)
    except CliError as exc:
        return _fail(f"error: {exc}", exc.exit_code)
    except DomainError as exc:
        return _fail(f"error: {describe(exc)}", 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except OSError as exc:
        if args.debug:
            raise
        return _fail(f"error: {_os_error(exc)}", 1)
    except SQLAlchemyError as exc:
        if args.debug:
            raise
        reason = getattr(exc, "orig", None) or exc
        return _fail(f"database error: {_first_line(reason)}", 1)
    except Exception as exc:
        if args.debug:
            raise
        detail = _first_line(exc)
        return _fail(f"error: {type(exc).__name__}: {detail} (--debug shows the traceback)", 1)


def describe(exc: DomainError) -> str:
    """`not found: grid (code=G9)` from NotFound("grid", code="G9")."""
    text = exc.code.replace("_", " ")
    if exc.detail:
        text += f": {exc.detail}"
    if exc.params:
        text += " (" + ", ".join(f"{key}={value}" for key, value in exc.params.items()) + ")"
    return text


def _os_error(exc: OSError) -> str:
    if isinstance(exc, ConnectionError):
        return f"cannot connect: {_first_line(exc)}"
    if exc.filename:
        return f"{exc.filename}: {exc.strerror or type(exc).__name__}"
    return _first_line(exc)


def _first_line(exc: BaseException | object) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code
