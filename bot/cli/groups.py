"""`safecommunity group …`: register guard and staff group chats."""

from __future__ import annotations

import argparse

from bot.cli.common import CliContext, open_services, print_table, run
from core.models import GroupChat, GroupRole


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser(
        "group",
        help="register guard and staff group chats",
        description="Guard groups receive camera alerts; staff groups get reports and tasks.",
    )
    gsub = group.add_subparsers(dest="group_command", required=True, metavar="COMMAND")
    add = gsub.add_parser(
        "add",
        help="register a group chat",
        description="Register a group chat. Without --grid it serves the whole community.",
    )
    add.add_argument("--chat-id", type=int, required=True, metavar="ID", help="e.g. -1001234")
    add.add_argument("--role", choices=[r.value for r in GroupRole], required=True)
    add.add_argument(
        "--grid", action="extend", nargs="+", default=[], metavar="GRID", help="grid codes"
    )
    add.add_argument("--title", default="", metavar="T")
    add.set_defaults(handler=cmd_add)
    gsub.add_parser("list", help="list group chats", description="List group chats.").set_defaults(
        handler=cmd_list
    )
    remove = gsub.add_parser(
        "remove",
        help="unbind a group chat",
        description="Unbind a group chat: it gets no more alerts or reminders.",
    )
    remove.add_argument("--chat-id", type=int, required=True, metavar="ID")
    remove.set_defaults(handler=cmd_remove)


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> GroupChat:
        async with open_services(ctx) as services, services() as svc:
            return await svc.groups.add(
                ctx.actor,
                chat_id=args.chat_id,
                role=GroupRole(args.role),
                grid_codes=args.grid,
                title=args.title,
            )

    group = run(work())
    serves = ", ".join(g.code for g in group.grids) or "the whole community"
    print(f"registered {group.role.value} group {group.chat_id} {group.title}".rstrip())
    print(f"serves: {serves}")
    return 0


def cmd_remove(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> GroupChat:
        async with open_services(ctx) as services, services() as svc:
            return await svc.groups.remove(ctx.actor, args.chat_id)

    group = run(work())
    print(f"unbound {group.role.value} group {group.chat_id} {group.title}".rstrip())
    return 0


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> list[GroupChat]:
        async with open_services(ctx) as services, services() as svc:
            return list(await svc.groups.list(ctx.actor))

    groups = run(work())
    if not groups:
        print("no groups yet: safecommunity group add --chat-id ID --role guards|staff")
        return 0
    print_table(
        ["chat id", "role", "title", "grids"],
        [
            (g.chat_id, g.role.value, g.title, ", ".join(x.code for x in g.grids) or "all")
            for g in groups
        ],
    )
    return 0
