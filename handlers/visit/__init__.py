"""The cadre's visit: scan → verify → update → photograph → upload, in one edited form.

The state is `core.flows.visit.VisitFlow` in the user's flow slot, so a visit interrupted by a
restart or an hour away continues where it stopped. Every button is a `VisitButton`, routed
by its action (`ACTIONS`) after the member's right to visit is checked; every photo or typed
answer of a user in the visit goes through `on_input`, which looks at the step and sub-step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from core.flows.visit import AskKind, Question, VisitAction, VisitButton, VisitFlow, VisitStep
from core.models import Role
from handlers import fallbacks
from handlers.common import answer, send
from handlers.kit import flows, menu
from handlers.kit.flows import InFlow, on_flow_press
from handlers.visit import form, idcard, my_houses, photos, residents, scan, upload

FEATURE = "visit"
A = VisitAction
Action = Callable[[Update, BotContext, VisitButton, VisitFlow], Awaitable[None]]

ACTIONS: dict[VisitAction, Action] = {
    A.CHECK: residents.check,
    A.ALL_STAY: residents.all_stay,
    A.UNCHANGED: residents.unchanged,
    A.MOVED_ON: residents.moved_on,
    A.DETAIL: residents.detail,
    A.KIND_SET: residents.kind_set,
    A.ASK_BACK: residents.ask_back,
    A.ADD: residents.add,
    A.REMOVE: residents.remove,
    A.NEW_BACK: residents.new_back,
    A.NEW_DISCARD: residents.new_discard,
    A.NEW_KIND: residents.new_choice,
    A.NEW_ROLE: residents.new_choice,
    A.NEW_TODAY: residents.new_choice,
    A.NEW_SKIP: residents.new_choice,
    A.ID_USE: idcard.use,
    A.ID_TYPE: idcard.type_it,
    A.SLOT: photos.slot,
    A.SLOT_BACK: photos.slot_back,
    A.FACE_DROP: photos.face_drop,
    A.LOOKALIKE: photos.lookalike_decision,
    A.NEXT: upload.next_step,
    A.TO_HOUSE: upload.to_house,
    A.BACK: upload.back,
    A.REVIEW: upload.review,
    A.CONFIRM: upload.confirm,
}


async def on_button(
    update: Update, context: BotContext, data: VisitButton, flow: VisitFlow | None
) -> None:
    """A visit button (the member may visit: checked before this runs)."""
    if data.action is A.HOUSES_PAGE:
        await my_houses.page(update, context, data)
    elif data.action is A.HOUSE:
        await my_houses.open_house(update, context, data)
    elif data.action is A.RESUME:
        await scan.resume(update, context, flow)
    elif data.action is A.RESTART:
        await scan.restart(update, context, flow)
    elif data.action is A.RESTART_AT:
        await scan.restart_at(update, context, data)
    elif flow is None or flow.house is None:
        await answer(update, context.t("visit.expired"), alert=True)
    else:
        await ACTIONS[data.action](update, context, data, flow)


async def on_input(update: Update, context: BotContext) -> None:
    """A photo or typed text from a cadre in the middle of a visit."""
    flow = form.current(context)
    message = update.message
    if flow is None or message is None:
        return
    if not scan.may_visit(context.member):  # removed or re-roled since the visit began
        flows.end(context)
        await send(update, context, context.t("visit.not_allowed"))
        return
    step, ask = flow.step, flow.ask.kind if flow.ask else None
    is_image = bool(message.photo) or message.document is not None
    text = (message.text or "").strip()
    if step is VisitStep.SCAN:
        if is_image:
            await scan.on_photo(update, context, flow)
        elif text:
            await scan.on_text(update, context, flow)
    elif step is VisitStep.PHOTOGRAPH and is_image:
        await photos.on_photo(update, context, flow)
    elif step is VisitStep.VERIFY and text and ask in (AskKind.MOVED_OUT, AskKind.CORRECT):
        await residents.verify_text(update, context, flow, text)
    elif step is VisitStep.UPDATE and flow.adding is not None and flow.ask is not None:
        question = flow.ask.question
        if is_image and question is Question.ID:
            await idcard.on_photo(update, context, flow)
        elif text:
            await residents.new_text(update, context, flow, text)
        else:
            await form.render(update, context, flow, context.t("visit.use_buttons"))
    else:
        await form.render(update, context, flow, context.t("visit.use_buttons"))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    menu.serve(application, "houses", my_houses.show, Role.CADRE)  # their own houses
    application.add_handler(CommandHandler("visit", scan.start, filters=private))
    menu.serve(application, "visit", scan.start)
    # The product's main gesture: a cadre (or admin) sends the card's photo, the visit opens.
    fallbacks.on_stray_photo(application, scan.from_card_photo, Role.CADRE, Role.ADMIN)
    on_flow_press(
        application,
        FEATURE,
        VisitButton,
        VisitFlow,
        on_button,
        allow=scan.may_visit,
        expired="visit.expired",
    )
    inputs = (filters.PHOTO | filters.Document.ALL | (filters.TEXT & ~filters.COMMAND)) & private
    application.add_handler(MessageHandler(inputs & InFlow(application, VisitFlow), on_input))


from_card_link = scan.from_link
may_visit = scan.may_visit

__all__ = ["from_card_link", "may_visit", "register"]
