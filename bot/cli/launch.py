"""`safecommunity run | demo | bench recognition`: hand over to the other packages.

They are imported inside the commands so the rest of the CLI works without them.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from bot.cli.common import CliContext, CliError, finish


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        "run",
        help="run the bot and the camera/HTTP endpoints",
        description="Run the bot (webhook or polling, by the settings) until stopped.",
    ).set_defaults(handler=cmd_run)
    sub.add_parser(
        "demo",
        help="run the bot against the local sandbox with the demo data",
        description="Run the demo: the bot against the built-in sandbox Bot API, seeded data.",
    ).set_defaults(handler=cmd_demo)

    bench = sub.add_parser("bench", help="benchmarks", description="Benchmarks.")
    bsub = bench.add_subparsers(dest="bench_command", required=True, metavar="COMMAND")
    recognition = bsub.add_parser(
        "recognition",
        help="measure face and plate recognition on a data set",
        description="Measure face and plate recognition accuracy and speed.",
    )
    recognition.add_argument("--data", metavar="DIR", help="test data dir")
    recognition.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    recognition.add_argument("--quick", action="store_true", help="a small, fast subset")
    recognition.set_defaults(handler=cmd_bench_recognition)


def _entry(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise CliError(f"{module}.{name} is not available: {exc}") from None
    except AttributeError:
        raise CliError(f"{module}.{name} is not available yet") from None


def cmd_run(ctx: CliContext, args: argparse.Namespace) -> int:
    settings = ctx.settings
    return finish(_entry("bot.runtime", "run")(settings))


def cmd_demo(ctx: CliContext, args: argparse.Namespace) -> int:
    settings = ctx.settings
    return finish(_entry("bot.demo", "run_demo")(settings))


def bench_argv(args: argparse.Namespace) -> list[str]:
    argv: list[str] = []
    if args.data:
        argv += ["--data", args.data]
    if args.json:
        argv += ["--json", args.json]
    if args.quick:
        argv.append("--quick")
    return argv


def cmd_bench_recognition(ctx: CliContext, args: argparse.Namespace) -> int:
    return finish(_entry("recognition.bench.runner", "main")(bench_argv(args)))
