"""`safecommunity run | demo | bench recognition | bench bot | bench alerts`: hand over to the
other packages.

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
    bot = bsub.add_parser(
        "bot",
        help="measure the bot's update rates and latencies on the local sandbox",
        description="Menu taps and visit steps per second against a bare PTB bot, /help's "
        "latency while a cadre uploads heavy photos, and where the time goes; over a "
        "temporary database (the configured one is never used).",
    )
    bot.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    bot.add_argument("--quick", action="store_true", help="tiny counts (a smoke run)")
    bot.add_argument("--taps", type=int, metavar="N", help="updates per timed window")
    bot.add_argument("--users", type=int, metavar="N", help="people tapping at once")
    bot.add_argument("--photos", type=int, metavar="N", help="heavy PNGs uploaded")
    bot.add_argument("--megapixels", type=float, metavar="MP", help="size of each PNG")
    bot.add_argument(
        "--no-sequential", action="store_true", help="skip PTB's one-at-a-time comparison"
    )
    bot.set_defaults(handler=cmd_bench_bot)
    alerts = bsub.add_parser(
        "alerts",
        help="measure camera event → guard group photo latency on the local sandbox",
        description="Camera events posted over HTTP at a steady rate through recognition and "
        "rules to the sandbox: p50/p95/p99 from acceptance to the guard's photo, sustained "
        "events/s, and 4x that rate (503s, bounded backlog, nothing accepted lost); over a "
        "temporary database (the configured one is never used).",
    )
    alerts.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    alerts.add_argument("--quick", action="store_true", help="tiny counts (a smoke run)")
    alerts.add_argument("--rate", type=float, metavar="N", help="events per second (steady)")
    alerts.add_argument("--seconds", type=float, metavar="S", help="length of each phase")
    alerts.add_argument(
        "--flood-limit", action="store_true", help="keep Telegram's 20 messages/min per group"
    )
    alerts.set_defaults(handler=cmd_bench_alerts)


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


def bot_bench_argv(args: argparse.Namespace) -> list[str]:
    argv: list[str] = []
    for name in ("json", "taps", "users", "photos", "megapixels"):
        value = getattr(args, name)
        if value is not None:
            argv += [f"--{name}", str(value)]
    argv += ["--quick"] if args.quick else []
    argv += ["--no-sequential"] if args.no_sequential else []
    return argv


def cmd_bench_bot(ctx: CliContext, args: argparse.Namespace) -> int:
    return finish(_entry("bot.bench.runner", "main")(bot_bench_argv(args)))


def alerts_bench_argv(args: argparse.Namespace) -> list[str]:
    argv: list[str] = []
    for name in ("json", "rate", "seconds"):
        value = getattr(args, name)
        if value is not None:
            argv += [f"--{name}", str(value)]
    argv += ["--flood-limit"] if args.flood_limit else []
    return argv + (["--quick"] if args.quick else [])


def cmd_bench_alerts(ctx: CliContext, args: argparse.Namespace) -> int:
    return finish(_entry("bot.bench.alerts", "main")(alerts_bench_argv(args)))
