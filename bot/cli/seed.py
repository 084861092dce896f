"""`safecommunity seed-demo`: a whole sample community (see core/demo.py)."""

from __future__ import annotations

import argparse

from bot.cli.common import CliContext, open_services, run
from bot.cli.progress import Progress
from core.demo import DEMO_GROUPS, DEMO_MEMBERS, SEED_STEPS, DemoSummary, seed_demo


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        "seed-demo",
        help="fill the database with a sample community",
        description="Seed 安宁社区 with grids, houses, people, members with fixed demo Telegram "
        "ids, groups, cameras (tokens in <data dir>/demo-cameras.json), watchlists and alert "
        "rules. Running it again changes nothing. Refused on a database that has houses.",
    ).set_defaults(handler=cmd_seed_demo)


def cmd_seed_demo(ctx: CliContext, args: argparse.Namespace) -> int:
    data_dir = ctx.settings.data_dir

    async def work() -> DemoSummary:
        async with open_services(ctx) as services:
            with Progress("seeding the demo", SEED_STEPS) as bar:
                return await seed_demo(services, ctx.actor, data_dir, progress=bar.advance)

    summary = run(work())
    if summary.already_seeded:
        print(
            "the demo community is already seeded; camera tokens: "
            f"{summary.cameras_file.resolve()}"
        )
        return 0
    s = summary
    print(
        f"seeded the demo community {s.community}: {s.grids} grids, {s.houses} houses "
        f"({s.overdue_houses} overdue for a visit), {s.persons} persons, {s.members} members, "
        f"{s.groups} groups, {s.cameras} cameras, {s.watchlists} watchlists, "
        f"{s.alert_rules} alert rules"
    )
    print(f"camera tokens: {s.cameras_file.resolve()} (keep it private)")
    members = (f"{telegram_id} {name} ({role})" for telegram_id, name, role in DEMO_MEMBERS)
    print("demo members: " + ", ".join(members))
    print("demo groups:  " + ", ".join(f"{chat_id} {role}" for chat_id, role, _ in DEMO_GROUPS))
    return 0
