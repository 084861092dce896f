"""`safecommunity keys …`: seal pictures and templates still in clear; rotate the secret key."""

from __future__ import annotations

import argparse
import secrets

from bot.cli.common import CliContext, CliError, open_services, run
from bot.cli.progress import Progress
from core.bootstrap import secure_files
from core.files import write_private
from core.services.privacy import (
    RotationReport,
    SealReport,
    fields_pending,
    pending,
    rotate,
    seal_stored_data,
)
from core.services.privacy.keys import forget_previous_secret_file


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
    ksub.add_parser(
        "new",
        help="make a new secret key (step 1 of a rotation)",
        description="Make a new secret key. With the generated secret.key, the old key moves "
        "to secret.previous.key and the new one takes its place; with "
        "SAFECOMMUNITY_SECRET_KEY, the new key is printed for you to set, with the old one in "
        "SAFECOMMUNITY_PREVIOUS_SECRET_KEYS. Then restart the bot (it reads with both keys) "
        "and run `safecommunity keys rotate`.",
    ).set_defaults(handler=cmd_new)
    ksub.add_parser(
        "rotate",
        help="re-encrypt everything under the new key (step 2)",
        description="Re-encrypt ID numbers, phones, pictures and face templates sealed under "
        "the previous key with the current one. Resumable; the bot may keep running (started "
        "with both keys). When it finishes the previous key is no longer needed: "
        "secret.previous.key is removed; unset SAFECOMMUNITY_PREVIOUS_SECRET_KEYS yourself.",
    ).set_defaults(handler=cmd_rotate)


def cmd_status(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[str, bool, tuple[int, int, int]]:
        async with open_services(ctx) as services:
            vault = services.context.vault
            return (
                vault.key_id,
                vault.rotating,
                (await fields_pending(services), *await pending(services)),
            )

    key_id, rotating, (fields, pictures, templates) = run(work())
    print(f"key version: {key_id}" + (" (previous key configured: rotating)" if rotating else ""))
    print(
        f"not sealed under it: {fields} persons, {pictures} pictures, {templates} face templates"
    )
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


def cmd_new(ctx: CliContext, args: argparse.Namespace) -> int:
    settings = ctx.settings
    old = settings.effective_secret().decode()
    new = secrets.token_urlsafe(48)
    if settings.secret_key:
        print("new key (SAFECOMMUNITY_SECRET_KEY is set, so nothing was written):")
        print(f"  SAFECOMMUNITY_SECRET_KEY={new}")
        print("  SAFECOMMUNITY_PREVIOUS_SECRET_KEYS=<the current SAFECOMMUNITY_SECRET_KEY>")
        print("set both, restart the bot, then run: safecommunity keys rotate")
        return 0
    previous = settings.previous_secret_file
    if previous.exists():
        raise CliError(
            f"{previous} exists: a rotation is under way; finish it with "
            "`safecommunity keys rotate` first"
        )
    write_private(previous, (old + "\n").encode())
    write_private(settings.secret_file, (new + "\n").encode())
    print(f"new key in {settings.secret_file.resolve()}; the old one is in {previous.resolve()}")
    print("back both up, restart the bot, then run: safecommunity keys rotate")
    return 0


def cmd_rotate(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> RotationReport:
        async with open_services(ctx) as services:
            if not services.context.vault.rotating:
                raise CliError(
                    "no previous key: run `safecommunity keys new` first (or set "
                    "SAFECOMMUNITY_PREVIOUS_SECRET_KEYS to the key being replaced)"
                )
            total = await fields_pending(services) + sum(await pending(services))
            with Progress("re-encrypting", total) as bar:
                report = await rotate(services, ctx.settings.data_dir, tick=bar.advance)
        secure_files(ctx.settings)
        return report

    report = run(work())
    sealed = report.sealed
    print(
        f"re-encrypted {report.fields} persons, {sealed.pictures} pictures and "
        f"{sealed.templates} face templates"
    )
    if not report.finished:
        raise CliError("some data is still under the previous key: run `keys rotate` again")
    removed = forget_previous_secret_file(ctx.settings)
    print(
        "done: the previous key is no longer needed"
        + (
            " (secret.previous.key removed)"
            if removed
            else "; unset SAFECOMMUNITY_PREVIOUS_SECRET_KEYS"
        )
    )
    print("house cards printed before keep working (their signing key is kept, sealed)")
    return 0
