"""`safecommunity export reports --since … [--format csv|open311] [--out FILE]`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time
from pathlib import Path

from bot.cli.common import CliContext, CliError, open_services, run
from core.services.reports import ExportRow, to_csv, to_open311


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser(
        "export",
        help="export data for other systems",
        description="Export data for the city's systems (no personal data).",
    )
    esub = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    reports = esub.add_parser(
        "reports",
        help="residents' reports as CSV or Open311 GeoReport v2 JSON",
        description="Reports filed since a date: a spreadsheet (csv) or Open311 GeoReport v2 "
        "service requests (open311: status open/closed with the status notes). No reporter's "
        "name or account is exported.",
    )
    reports.add_argument("--since", required=True, metavar="YYYY-MM-DD", help="first day")
    reports.add_argument("--format", choices=["csv", "open311"], default="csv")
    reports.add_argument("--out", type=Path, metavar="FILE", help="write here (default stdout)")
    reports.set_defaults(handler=cmd_reports)


def cmd_reports(ctx: CliContext, args: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(args.since)
    except ValueError:
        raise CliError(f"--since: {args.since!r} is not a date like 2024-11-01", 2) from None
    since = datetime.combine(day, time(0), tzinfo=ctx.settings.zone)

    async def work() -> list[ExportRow]:
        async with open_services(ctx) as services, services() as svc:
            return await svc.reports.export(ctx.actor, since)

    rows = run(work())
    if args.format == "csv":
        text = to_csv(rows)
    else:
        agency = ctx.settings.community_name
        text = json.dumps(to_open311(rows, agency=agency), ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"exported {len(rows)} reports to {args.out}", file=sys.stderr)
    return 0
