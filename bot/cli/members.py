"""`safecommunity member …`: add (or bind an imported cadre), invite by link, list."""

from __future__ import annotations

import argparse

from bot.cli.common import (
    CliContext,
    CliError,
    bot_username,
    grid_codes,
    open_services,
    print_table,
    run,
    warn,
    when,
)
from core.idnumber import mask_phone
from core.models import Member, Role
from core.services.member_binding import MemberBindingService
from core.services.members import invite_link

ROLES = [role.value for role in Role]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    member = sub.add_parser(
        "member", help="add, invite and list members", description="Manage bot members."
    )
    msub = member.add_subparsers(dest="member_command", required=True, metavar="COMMAND")

    add = msub.add_parser(
        "add",
        help="add a member by Telegram id",
        description="Add a member by Telegram id. A cadre created unbound by the house import "
        "(same name and role) is bound to this Telegram id instead of being duplicated.",
    )
    add.add_argument("--telegram-id", type=int, required=True, metavar="ID")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--grid", metavar="CODE", help="the member's grid (cadres)")
    add.add_argument("--phone", default="", metavar="P")
    add.set_defaults(handler=cmd_add)

    invite = msub.add_parser(
        "invite",
        help="create a one-time invitation link",
        description="Create a one-time invitation; whoever opens it becomes a member.",
    )
    invite.add_argument("--role", choices=ROLES, required=True)
    invite.add_argument("--name", default="", metavar="N", help="the invitee's name")
    invite.add_argument("--grid", metavar="CODE")
    invite.add_argument("--days", type=_days, default=7, help="valid for N days (default 7)")
    invite.add_argument(
        "--bot-username",
        metavar="NAME",
        help="the bot's @username for the t.me link (default SAFECOMMUNITY_BOT_USERNAME, "
        "else asked from Telegram when SAFECOMMUNITY_TELEGRAM_TOKEN is set)",
    )
    invite.set_defaults(handler=cmd_invite)

    listing = msub.add_parser("list", help="list members", description="List members.")
    listing.add_argument("--role", choices=ROLES)
    listing.set_defaults(handler=cmd_list)


def _days(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {raw!r}") from None
    if not 1 <= value <= 365:
        raise argparse.ArgumentTypeError("must be between 1 and 365")
    return value


def cmd_add(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[Member, bool]:
        async with open_services(ctx) as services, services() as svc:
            return await MemberBindingService(svc).bind_or_add(
                ctx.actor,
                telegram_id=args.telegram_id,
                role=Role(args.role),
                name=args.name,
                grid_code=args.grid,
                phone=args.phone,
            )

    member, bound = run(work())
    grid = f", grid {args.grid}" if args.grid else ""
    if bound:
        print(
            f"bound the imported member #{member.id} {member.name} ({member.role.value}{grid}) "
            f"to Telegram id {member.telegram_id}"
        )
    else:
        print(
            f"added member #{member.id} {member.name} ({member.role.value}{grid}) "
            f"with Telegram id {member.telegram_id}"
        )
    return 0


def cmd_invite(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[str, str]:
        async with open_services(ctx) as services, services() as svc:
            invitation, token = await svc.members.invite(
                ctx.actor,
                role=Role(args.role),
                name=args.name,
                grid_code=args.grid,
                valid_days=args.days,
            )
            return token, when(invitation.expires_at, ctx.settings.zone)

    token, expires = run(work())
    who = f" for {args.name}" if args.name else ""
    print(f"invitation{who} as {args.role}, valid until {expires}, usable once")
    print(f"token: {token}")
    username = _known_username(ctx, args)
    if username:
        print(f"link:  {invite_link(username, token)}")
    else:
        print(
            f"send the bot: /start {token}  (pass --bot-username or set "
            "SAFECOMMUNITY_BOT_USERNAME for a t.me link)"
        )
    return 0


def _known_username(ctx: CliContext, args: argparse.Namespace) -> str | None:
    """The bot's username if it can be known; a failed getMe is a warning (the token works)."""
    try:
        return bot_username(ctx.settings, args.bot_username)
    except CliError as exc:
        warn(f"warning: {exc}")
        return None


def cmd_list(ctx: CliContext, args: argparse.Namespace) -> int:
    async def work() -> tuple[list[Member], dict[int, str]]:
        async with open_services(ctx) as services, services() as svc:
            role = Role(args.role) if args.role else None
            members = list(await svc.members.list(ctx.actor, role=role))
            return members, await grid_codes(svc)

    members, grids = run(work())
    if not members:
        print("no members yet: safecommunity member add --telegram-id ID --role admin --name N")
        return 0
    print_table(
        ["id", "telegram", "role", "name", "grid", "phone", "status"],
        [
            (
                m.id,
                m.telegram_id if m.telegram_id is not None else "unbound",
                m.role.value,
                m.name,
                grids.get(m.grid_id, "") if m.grid_id else "",
                mask_phone(m.phone) if m.phone else "",
                "active" if m.active else "inactive",
            )
            for m in members
        ],
    )
    return 0
