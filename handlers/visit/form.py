"""The visit's one form message: edited in place on a button, re-sent below a typed answer.

`render` picks the screen for the draft's step (and pending question) so every handler ends
with the same call, and a visit resumed after a restart shows exactly where it stopped.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext
from handlers.kit import flows
from handlers.visit import screens
from handlers.visit.draft import FLOW_NAME, Draft, LegacyVisit

log = logging.getLogger(__name__)


def draft_of(context: BotContext) -> Draft | None:
    flow = flows.current(context, LegacyVisit)
    return flow.draft if flow is not None else None


def screen(context: BotContext, draft: Draft, note: str = "") -> tuple[str, screens.Buttons]:
    t = context.t
    step, ask = draft["step"], draft.get("ask")
    asking = ask.get("name") if isinstance(ask, dict) else None
    if step == "scan":
        return screens.scan_screen(t, draft, note)
    if step == "verify":
        return screens.verify_screen(t, draft, t.short_datetime, note)
    if step == "update" and isinstance(asking, str) and asking.startswith("new_"):
        return screens.new_resident_screen(t, draft, asking, note)
    if step == "update":
        return screens.update_screen(t, draft, note)
    if step == "photograph" and asking == "photo":
        return screens.photo_prompt(t, draft, note)
    if step == "photograph":
        return screens.photograph_screen(t, draft, note)
    return screens.summary_screen(t, draft, note)


async def render(update: Update, context: BotContext, draft: Draft, note: str = "") -> None:
    """Show the draft's current screen: edit on a button press, else a fresh form message."""
    text, rows = screen(context, draft, note)
    await show(update, context, draft, text, rows)


def stamp(draft: Draft, rows: screens.Buttons) -> screens.Buttons:
    """Number this screen and put the number in its visit buttons.

    A press on an older screen (a double tap, a button scrolled up to) no longer matches the
    draft's number and is ignored, so a step is never skipped or an action done twice.
    """
    revision = draft["rev"] = int(draft.get("rev") or 0) + 1
    return [
        [
            InlineKeyboardButton(b.text, callback_data=(FLOW_NAME, revision, *b.callback_data[1:]))
            if isinstance(b.callback_data, tuple) and b.callback_data[:1] == (FLOW_NAME,)
            else b
            for b in row
        ]
        for row in rows
    ]


async def show(
    update: Update, context: BotContext, draft: Draft, text: str, rows: screens.Buttons
) -> None:
    rows = stamp(draft, rows)
    markup = screens.markup(rows) if rows else None
    query = update.callback_query
    if (
        query is not None
        and isinstance(query.message, Message)
        and query.message.message_id == draft.get("message_id")
        and query.message.text is not None  # a photo message cannot become a text form
    ):
        try:
            await query.message.edit_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
            log.info("cannot edit the visit form (%s); sending it again", exc)
    await close_form(context, draft)
    sent = await context.bot.send_message(draft["chat_id"], text, reply_markup=markup)
    draft["message_id"] = sent.message_id


async def close_form(context: BotContext, draft: Draft) -> None:
    """Take the buttons off the previous form message so only the newest one is live."""
    message_id = draft.get("message_id")
    if not message_id:
        return
    try:
        await context.bot.edit_message_reply_markup(
            draft["chat_id"], message_id, reply_markup=None
        )
    except TelegramError as exc:
        log.debug("could not close visit form %s: %s", message_id, exc)


def parse_args(update: Update) -> tuple[int | None, str, tuple[Any, ...]]:
    """(screen number or None, action, args) of a pressed ("visit", [n,] action, *args)."""
    assert update.callback_query is not None
    payload = update.callback_query.data
    assert isinstance(payload, tuple)
    if isinstance(payload[1], int):
        return payload[1], str(payload[2]), tuple(payload[3:])
    return None, str(payload[1]), tuple(payload[2:])
