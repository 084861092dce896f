"""The cadre's 🏠: their assigned houses, most urgent first; a tap starts the visit there.

For the day the card is missing or unreadable: the house is picked from the list instead of
scanned, and the visit goes straight to step 2.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, Update

from bot.context import BotContext
from handlers.common import COLOUR_ICONS, answer, edit_or_send
from handlers.kit.menu import back_markup
from handlers.supervision.text import relative_due
from handlers.visit import form, scan, screens

PAGE_SIZE = 8
ALL_HOUSES = 36_500  # days: every assigned house is "due within" this horizon


async def show(update: Update, context: BotContext, page: int = 0) -> None:
    """A page of the cadre's houses, each a button that opens its visit."""
    t = context.t
    actor = context.actor
    await answer(update)
    if actor is None or not scan.may_visit(context.member):
        return
    async with context.services() as svc:
        overview = await svc.supervision.my_overview(actor, recent=0, horizon_days=ALL_HOUSES)
    houses = overview.due
    if not houses:
        await edit_or_send(update, context, t("visit.houses.none"), back_markup(t, context.member))
        return
    pages = (len(houses) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    rows = [
        [
            screens.button(
                f"{COLOUR_ICONS[h.risk_colour.value]} {h.code} · {relative_due(t, h.days_left)}",
                "house",
                h.code,
            )
        ]
        for h in houses[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    if pages > 1:
        rows.append(
            [
                screens.button("◀️", "houses_page", page - 1),
                InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=screens.data("noop")),
                screens.button("▶️", "houses_page", page + 1),
            ]
        )
    back = back_markup(t, context.member)
    if back is not None:
        rows.append(list(back.inline_keyboard[0]))
    text = t("visit.houses.title", n=len(houses))
    await edit_or_send(update, context, text, screens.markup(rows))


async def page(update: Update, context: BotContext, args: tuple[Any, ...]) -> None:
    await show(update, context, int(args[0]))


async def open_house(update: Update, context: BotContext, args: tuple[Any, ...]) -> None:
    """Start (or restart) the visit at the chosen house."""
    await answer(update)
    unfinished = form.draft_of(context)
    if unfinished is not None and unfinished.get("house"):
        await scan.offer_resume(update, context, unfinished, code=str(args[0]))
        return
    draft = await scan.begin(update, context, show=False)
    await scan.open_house(update, context, draft, code=str(args[0]))


async def noop(update: Update, context: BotContext, args: tuple[Any, ...]) -> None:
    """The page counter: nothing to do but stop the spinner."""
    await answer(update)
