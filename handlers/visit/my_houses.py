"""The cadre's 🏠: their assigned houses, most urgent first; a tap starts the visit there.

For the day the card is missing or unreadable: the house is picked from the list instead of
scanned, and the visit goes straight to step 2. Its buttons are visit buttons of no screen
(rev 0): they work whether or not a visit is open.
"""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from core.flows.visit import VisitAction, VisitButton
from handlers.common import COLOUR_ICONS, answer, edit_or_send
from handlers.kit.buttons import NoopButton, button, keyboard
from handlers.kit.menu import back_markup
from handlers.supervision.text import relative_due
from handlers.visit import form, scan

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
            button(
                f"{COLOUR_ICONS[h.risk_colour.value]} {h.code} · {relative_due(t, h.days_left)}",
                VisitButton(VisitAction.HOUSE, value=h.code),
            )
        ]
        for h in houses[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    ]
    if pages > 1:
        rows.append(
            [
                button("◀️", VisitButton(VisitAction.HOUSES_PAGE, index=page - 1)),
                button(f"{page + 1}/{pages}", NoopButton()),
                button("▶️", VisitButton(VisitAction.HOUSES_PAGE, index=page + 1)),
            ]
        )
    back = back_markup(t, context.member)
    if back is not None:
        rows.append(list(back.inline_keyboard[0]))
    text = t("visit.houses.title", n=len(houses))
    await edit_or_send(update, context, text, keyboard(rows))


async def page(update: Update, context: BotContext, data: VisitButton) -> None:
    await show(update, context, data.index or 0)


async def open_house(update: Update, context: BotContext, data: VisitButton) -> None:
    """Start (or restart) the visit at the chosen house."""
    await answer(update)
    unfinished = form.current(context)
    if unfinished is not None and unfinished.house is not None:
        await scan.offer_resume(update, context, unfinished, code=data.value)
        return
    flow = await scan.begin(update, context, show=False)
    await scan.open_house(update, context, flow, code=data.value)
