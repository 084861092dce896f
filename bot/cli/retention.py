"""`safecommunity retention show|run`: what is kept how long, and what is due now."""

from __future__ import annotations

import argparse

from bot.cli.common import CliContext, open_services, run, when
from core.services.privacy.retention import RetentionReport, remove_unreferenced


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    retention = sub.add_parser(
        "retention",
        help="how long personal data is kept; purge what is due",
        description="Retention of personal data (SAFECOMMUNITY_RETENTION_*). The bot purges "
        "what is due every day at SAFECOMMUNITY_RETENTION_TIME.",
    )
    rsub = retention.add_subparsers(dest="retention_command", required=True, metavar="COMMAND")
    rsub.add_parser(
        "show",
        help="show the retention periods and what is due now",
        description="Show the retention periods and what a purge now would remove.",
    ).set_defaults(handler=cmd_show)
    rsub.add_parser(
        "run",
        help="purge what is due now",
        description="Purge now what the daily job would (a running bot keeps the removed faces "
        "in its gallery until it restarts).",
    ).set_defaults(handler=cmd_run)


def cmd_show(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> RetentionReport:
        async with open_services(ctx) as services, services() as svc:
            return await svc.retention.due(ctx.actor)

    policy = ctx.settings.retention
    report = run(work())
    zone = ctx.settings.zone
    cut = report.cutoffs
    print(f"daily at {ctx.settings.retention_time:%H:%M} ({ctx.settings.timezone})")
    print("kept for                                        due now (older than)")
    print(
        f"camera snapshots       {policy.snapshot_days:>4} days     "
        f"{report.snapshots:>6}  ({when(cut.snapshots, zone)}); "
        f"{report.snapshots_held} held by an open alert, a queued event or an unsent message"
    )
    print(
        f"unknown-face embeddings {policy.snapshot_days:>3} days     {report.unknown_faces:>6}"
        "  (camera events store none)"
    )
    print(
        f"moved-out residents'   {policy.moved_out_months:>4} months   "
        f"{report.persons:>6} persons, {report.person_photos} pictures, "
        f"{report.templates} face templates "
        f"({when(cut.moved_out, zone)}); {report.held} held by a watchlist"
    )
    print(
        f"closed reports' photos {policy.report_photo_months:>4} months   "
        f"{report.report_photos:>6}  ({when(cut.report_photos, zone)})"
    )
    print(
        f"audit log              {policy.audit_months:>4} months   "
        f"{report.audit_entries:>6}  ({when(cut.audit, zone)})"
    )
    return 0


def cmd_run(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[RetentionReport, int]:
        async with open_services(ctx) as services:
            async with services() as svc:
                report = await svc.retention.purge(ctx.actor)
            return report, await remove_unreferenced(services, report.files)

    report, files = run(work())
    counts = ", ".join(
        f"{key.replace('_', ' ')} {value}" for key, value in report.counts().items()
    )
    print(f"purged: {counts}; {files} files removed")
    return 0
