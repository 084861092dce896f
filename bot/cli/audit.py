"""`safecommunity audit`: the latest reads and changes of personal data, filtered."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time

from bot.cli.common import CliContext, open_services, print_table, run, when
from core.services.audit import AuditFilter, AuditPage


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser(
        "audit",
        help="who read or changed personal data",
        description="The audit log, newest first: by person, by member, on a day or since a "
        "date (in SAFECOMMUNITY_TIMEZONE).",
    )
    audit.add_argument("--person", type=int, metavar="ID", help="entries about this person")
    audit.add_argument("--member", type=int, metavar="ID", help="entries by this member")
    audit.add_argument("--day", type=_date, metavar="YYYY-MM-DD", help="entries of one day")
    audit.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="entries since")
    audit.add_argument("--limit", type=int, default=50, metavar="N", help="default 50")
    audit.add_argument("--page", type=int, default=1, metavar="N", help="page N of --limit")
    audit.set_defaults(handler=cmd_audit)


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {raw!r}") from None


def cmd_audit(ctx: CliContext, args: argparse.Namespace) -> int:
    zone = ctx.settings.zone
    since = datetime.combine(args.since, time(0), tzinfo=zone) if args.since else None
    where = AuditFilter(person_id=args.person, member_id=args.member, day=args.day, since=since)
    limit = max(1, args.limit)

    async def work() -> AuditPage:
        async with open_services(ctx) as services, services() as svc:
            return await svc.audit.page(
                ctx.actor, where, offset=(max(1, args.page) - 1) * limit, limit=limit
            )

    page = run(work())
    if not page.lines:
        print("no audit entries")
        return 0
    print_table(
        ["when", "who", "action", "about", "flow", "reason / details"],
        [
            (
                when(line.at, zone),
                line.actor,
                line.action,
                f"{line.subject_type} {line.subject_id}",
                line.flow,
                line.reason or _details(line.details),
            )
            for line in page.lines
        ],
    )
    print(f"page {page.page} of {page.pages} ({page.total} entries)")
    return 0


def _details(details: dict[str, object]) -> str:
    text = json.dumps(details, ensure_ascii=False, separators=(",", ":")) if details else ""
    return text if len(text) <= 60 else text[:59] + "…"
