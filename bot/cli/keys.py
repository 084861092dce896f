"""`safecommunity keys …`: seal pictures and templates still in clear; rotate the secret key."""

from __future__ import annotations

import argparse

from bot.cli.common import CliContext, open_services, run
from bot.cli.progress import Progress
from core.bootstrap import secure_files
from core.services.privacy import SealReport, pending, seal_stored_data


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser(
        "keys",
        help="encryption keys and sealed pictures",
        description="Seal stored pictures and face templates; rotate the secret key.",
    )
    ksub = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    ksub.add_parser(
        "status",
        help="show the key version and what is not sealed under it",
        description="Show the current key version and how many pictures and face templates "
        "are still in clear or under a previous key.",
    ).set_defaults(handler=cmd_status)
    ksub.add_parser(
        "migrate-pictures",
        help="seal pictures and face templates still in clear",
        description="Strip the metadata of pictures stored in clear, encrypt them under "
        "keyed names, encrypt raw face templates and make the data dir owner-only. Safe to "
        "interrupt and run again; the bot also does this at every start.",
    ).set_defaults(handler=cmd_migrate_pictures)


def cmd_status(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[str, bool, tuple[int, int]]:
        async with open_services(ctx) as services:
            vault = services.context.vault
            return vault.key_id, vault.rotating, await pending(services)

    key_id, rotating, (pictures, templates) = run(work())
    print(f"key version: {key_id}" + (" (previous key configured: rotating)" if rotating else ""))
    print(f"not sealed under it: {pictures} pictures, {templates} face templates")
    return 0


def cmd_migrate_pictures(ctx: CliContext, args: argparse.Namespace) -> int:
    report = seal_with_progress(ctx, "sealing")
    print(describe_seal(report))
    return 0


def seal_with_progress(ctx: CliContext, label: str) -> SealReport:
    async def work() -> SealReport:
        async with open_services(ctx) as services:
            pictures, templates = await pending(services)
            with Progress(label, pictures + templates) as bar:
                report = await seal_stored_data(services, tick=bar.advance)
        secure_files(ctx.settings)
        return report

    return run(work())


def describe_seal(report: SealReport) -> str:
    text = (
        f"sealed {report.pictures} pictures and {report.templates} face templates; "
        f"removed {report.clear_removed} clear files"
    )
    if report.missing:
        text += f"; {report.missing} pictures have no file (left as they are)"
    return text
