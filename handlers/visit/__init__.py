"""The cadre's visit: scan → verify → update → photograph → upload, in one edited form.

Every button carries ``("visit", action, *args)`` and is routed through `ACTIONS`; every photo
or typed answer of a user whose flow is the visit goes through `on_input`, which looks at the
draft's step and pending question. The draft lives in ``user_data["flow"]`` (see `draft`), so a
visit interrupted by a restart or an hour away continues where it stopped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from core.models import Role
from handlers import fallbacks
from handlers.common import answer, send
from handlers.kit import menu
from handlers.kit.flows import InFlow
from handlers.kit.flows import end as end_flow
from handlers.visit import form, idcard, my_houses, photos, residents, scan, upload
from handlers.visit.draft import FLOW_NAME, Draft, LegacyVisit

Action = Callable[[Update, BotContext, Draft, tuple[Any, ...]], Awaitable[None]]

ACTIONS: dict[str, Action] = {
    "check": residents.check,
    "all_stay": residents.all_stay,
    "moved_on": residents.moved_on,
    "field": residents.field,
    "kind_set": residents.kind_set,
    "ask_back": residents.ask_back,
    "add": residents.add,
    "remove": residents.remove,
    "new_back": residents.new_back,
    "new_discard": residents.new_discard,
    "new_kind": lambda u, c, d, a: residents.new_choice(u, c, d, ("new_kind", *a)),
    "new_role": lambda u, c, d, a: residents.new_choice(u, c, d, ("new_role", *a)),
    "new_today": lambda u, c, d, a: residents.new_choice(u, c, d, ("new_today",)),
    "new_skip": lambda u, c, d, a: residents.new_choice(u, c, d, ("new_skip",)),
    "id_use": idcard.use,
    "id_type": idcard.type_it,
    "slot": photos.slot,
    "slot_back": photos.slot_back,
    "dup": photos.lookalike_decision,
    "next": upload.next_step,
    "to_house": upload.to_house,
    "back": upload.back,
    "confirm": upload.confirm,
}


HOUSE_LIST_ACTIONS: dict[str, Callable[[Update, BotContext, tuple[Any, ...]], Awaitable[None]]] = {
    "houses_page": my_houses.page,
    "house": my_houses.open_house,
    "noop": my_houses.noop,
}


async def on_button(update: Update, context: BotContext) -> None:
    """Route a visit button; a button of a visit that has ended only gets a toast."""
    revision, action, args = form.parse_args(update)
    if action == "resume":
        await scan.resume(update, context)
        return
    if action == "restart":
        await scan.restart(update, context)
        return
    if action == "restart_at":
        await scan.restart_at(update, context, args)
        return
    if action in HOUSE_LIST_ACTIONS:
        await HOUSE_LIST_ACTIONS[action](update, context, args)
        return
    draft = form.draft_of(context)
    handler = ACTIONS.get(action)
    if not scan.may_visit(context.member):  # removed or re-roled since the visit began
        end_flow(context)
        await answer(update, context.t("visit.not_allowed"), alert=True)
        return
    if draft is None or handler is None or not draft.get("house"):
        await answer(update, context.t("visit.expired"), alert=True)
        return
    if revision is not None and revision != draft.get("rev"):
        await answer(update, context.t("visit.stale_screen"))
        return
    await handler(update, context, draft, args)


async def on_input(update: Update, context: BotContext) -> None:
    """A photo or typed text from a cadre in the middle of a visit."""
    draft = form.draft_of(context)
    message = update.message
    if draft is None or message is None:
        return
    if not scan.may_visit(context.member):
        end_flow(context)
        await send(update, context, context.t("visit.not_allowed"))
        return
    step, ask = draft["step"], draft.get("ask") or {}
    is_image = message.photo or message.document is not None
    text = (message.text or "").strip()
    if step == "scan":
        if is_image:
            await scan.on_photo(update, context, draft)
        elif text:
            await scan.on_text(update, context, draft)
    elif step == "photograph" and is_image:
        await photos.on_photo(update, context, draft)
    elif step == "verify" and text and ask:
        await residents.verify_text(update, context, draft, text)
    elif step == "update" and is_image and ask.get("name") == "new_id":
        await idcard.on_photo(update, context, draft)
    elif step == "update" and text and str(ask.get("name", "")).startswith("new_"):
        await residents.new_text(update, context, draft, text)
    else:
        await form.render(update, context, draft, context.t("visit.use_buttons"))


def is_visit_button(data: object) -> bool:
    return isinstance(data, tuple) and len(data) >= 2 and data[0] == FLOW_NAME


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    menu.serve(application, "houses", my_houses.show, Role.CADRE)  # their own houses
    application.add_handler(CommandHandler("visit", scan.start, filters=private))
    menu.serve(application, "visit", scan.start)
    # The product's main gesture: a cadre (or admin) sends the card's photo, the visit opens.
    fallbacks.on_stray_photo(application, scan.from_card_photo, Role.CADRE, Role.ADMIN)
    application.add_handler(CallbackQueryHandler(on_button, pattern=is_visit_button))
    inputs = (filters.PHOTO | filters.Document.ALL | (filters.TEXT & ~filters.COMMAND)) & private
    application.add_handler(MessageHandler(inputs & InFlow(application, LegacyVisit), on_input))


from_card_link = scan.from_link
may_visit = scan.may_visit

__all__ = ["from_card_link", "may_visit", "register"]
