"""`safecommunity cards`: print the house cards (出租房屋便民服务信息采集卡) of rental houses.

Writes an A4 PDF with eight cards per page and cutting marks at every card's corners. Each
card's QR code opens the bot at `https://t.me/<bot>?start=h_<card token>`, so the bot's
username is needed: --bot-username, else SAFECOMMUNITY_BOT_USERNAME, else the command asks
Telegram (getMe) with SAFECOMMUNITY_TELEGRAM_TOKEN. Chinese text needs a CJK font:
SAFECOMMUNITY_CARD_FONT, else an installed one (Debian: fonts-wqy-zenhei).

A reissued card (the bot's 🔁 button) revokes the old one: print the house again.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import CliContext, CliError, bot_username, open_services, run
from core.cards import CardInfo, find_cjk_font, page_count, render_pdf
from core.errors import InvalidInput, NotFound


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cards = sub.add_parser(
        "cards",
        help="print the QR house cards of rental houses as a PDF",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cards.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    cards.add_argument(
        "--house",
        action="extend",
        nargs="+",
        default=[],
        metavar="CODE",
        help="only these houses (default: every rental house)",
    )
    cards.add_argument("--grid", metavar="GRID", help="only this grid's rental houses")
    cards.add_argument(
        "--bot-username",
        metavar="NAME",
        help="the bot's @username for the QR links (default SAFECOMMUNITY_BOT_USERNAME)",
    )
    cards.set_defaults(handler=cmd_cards)


def cmd_cards(ctx: CliContext, args: argparse.Namespace) -> int:
    settings = ctx.settings
    font = find_cjk_font(settings.card_font)  # fail before any work when no font is found
    username = bot_username(settings, args.bot_username)
    if username is None:
        raise CliError(
            "no bot username for the QR links: pass --bot-username, set "
            "SAFECOMMUNITY_BOT_USERNAME, or set SAFECOMMUNITY_TELEGRAM_TOKEN to ask Telegram",
            2,
        )

    async def work() -> list[CardInfo]:
        async with open_services(ctx) as services, services() as svc:
            return await svc.houses.card_infos(
                ctx.actor, codes=args.house or None, grid_code=args.grid, bot_username=username
            )

    try:
        cards = run(work())
    except NotFound as exc:
        what = "house code" if exc.detail == "house" else exc.detail
        value = exc.params.get("code", "")
        hint = "`safecommunity house list` shows them"
        raise CliError(f"unknown {what} {value} ({hint})", 2) from None
    except InvalidInput as exc:
        raise CliError(_invalid(exc, username), 2) from None
    if not cards:
        where = f" in grid {args.grid}" if args.grid else ""
        raise CliError(f"no rental houses{where}: nothing to print")
    out: Path = args.out
    out.write_bytes(render_pdf(cards, font))
    pages = page_count(len(cards))
    print(
        f"wrote {len(cards)} card{'s' if len(cards) != 1 else ''} on {pages} "
        f"page{'s' if pages != 1 else ''} to {out} (bot @{username.lstrip('@')})"
    )
    return 0


def _invalid(exc: InvalidInput, username: str) -> str:
    code = exc.params.get("code", "")
    if exc.detail == "not_rental":
        return f"house {code} is not a rental house: only rental houses get a card"
    if exc.detail == "not_in_grid":
        return f"house {code} is not in grid {exc.params.get('grid', '')}"
    if exc.detail == "bot_username":
        return f"{username!r} is not a bot username (5–32 letters, digits or _)"
    return f"invalid input: {exc.detail}"
