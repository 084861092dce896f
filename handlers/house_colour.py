"""🎨 Risk colour (三色管理) of a house: pick a colour → type the reason → confirm → saved.

The draft lives in ``user_data["flow"]`` (`begin_flow`), so /cancel and ✖️ discard it and a
restart resumes it. The typed reason is caught only while this user's draft waits for it
(`AwaitingReason`), so other features still get everyone else's text. Nothing is written
before ✅; the service audits the change with the reason.
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from core.errors import InvalidInput, NotFound
from core.models import RiskColour
from core.services.houses import MAX_REASON, clean_reason
from handlers.cancel import cancel_button
from handlers.common import answer, begin_flow, current_flow, edit_or_send, end_flow, send
from handlers.houses import HOUSES, colour_label, data, is_admin, show_house

FLOW = "house_colour"
ORDER = (RiskColour.RED, RiskColour.YELLOW, RiskColour.GREEN)


def is_colour_data(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) >= 2
        and value[0] == HOUSES
        and str(value[1]).startswith("colour")
    )


class AwaitingReason(filters.MessageFilter):
    """Text from a user whose risk-colour draft is at the reason step."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        super().__init__(name="AwaitingReason")
        self.application = application

    def filter(self, message: Message) -> bool:
        if message.from_user is None:
            return False
        user_data = self.application.user_data.get(message.from_user.id) or {}
        flow = user_data.get("flow") or {}
        return bool(flow.get("name") == FLOW and flow.get("step") == "reason")


def _markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(list(rows))


async def ask_colour(update: Update, context: BotContext, flow: dict[str, Any]) -> None:
    """Step 1 of 3: the three colours, the current one marked."""
    t = context.t
    current = RiskColour(flow["old"])
    picks = [
        InlineKeyboardButton(
            ("✅ " if colour is current else "") + colour_label(colour, t),
            callback_data=data("colour_pick", colour.value),
        )
        for colour in ORDER
    ]
    text = t(
        "houses.colour_choose",
        code=flow["code"],
        address=flow["address"],
        colour=colour_label(current, t),
    )
    back = InlineKeyboardButton(t("menu.back"), callback_data=data("colour_back", "choose"))
    await edit_or_send(update, context, text, _markup(picks, [back, cancel_button(t)]))


def reason_prompt(context: BotContext, flow: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    text = t(
        "houses.colour_reason",
        code=flow["code"],
        old=colour_label(RiskColour(flow["old"]), t),
        new=colour_label(RiskColour(flow["colour"]), t),
        max=MAX_REASON,
    )
    back = InlineKeyboardButton(t("menu.back"), callback_data=data("colour_back", "reason"))
    return text, _markup([back, cancel_button(t)])


def confirm_summary(context: BotContext, flow: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    text = t(
        "houses.colour_confirm",
        code=flow["code"],
        address=flow["address"],
        old=colour_label(RiskColour(flow["old"]), t),
        new=colour_label(RiskColour(flow["colour"]), t),
        reason=flow["reason"],
    )
    save = InlineKeyboardButton(t("houses.button.save"), callback_data=data("colour_save"))
    back = InlineKeyboardButton(t("menu.back"), callback_data=data("colour_back", "confirm"))
    return text, _markup([save], [back, cancel_button(t)])


async def on_button(update: Update, context: BotContext) -> None:
    """Every button of the flow: start, pick, back, save."""
    query = update.callback_query
    assert query is not None
    t = context.t
    if not is_admin(context):
        await answer(update, t("houses.admin_only"), alert=True)
        return
    action, args = query.data[1], query.data[2:]  # type: ignore[index]
    if action == "colour":
        await start(update, context, int(args[0]), int(args[1]))
        await answer(update)
        return
    flow = current_flow(context)
    if flow is None or flow.get("name") != FLOW:
        await answer(update, t("houses.flow_expired"), alert=True)
        return
    toast = None
    if action == "colour_pick":
        toast = await pick(update, context, flow, RiskColour(str(args[0])))
        if toast:
            await answer(update, toast, alert=True)
            return
    elif action == "colour_back" and args[0] == "choose":
        end_flow(context)
        await show_house(update, context, flow["house_id"], flow["page"])
    elif action == "colour_back" and args[0] == "reason":
        flow["step"] = "choose"
        await ask_colour(update, context, flow)
    elif action == "colour_back":
        flow["step"] = "reason"
        await edit_or_send(update, context, *reason_prompt(context, flow))
    elif action == "colour_save" and flow.get("step") == "confirm":
        toast = await save(update, context, flow)
    await answer(update, toast)


async def start(update: Update, context: BotContext, house_id: int, page: int) -> None:
    assert context.actor is not None
    async with context.services() as svc:
        house = await svc.houses.detail(context.actor, house_id)
    message = update.callback_query.message if update.callback_query else None
    flow = begin_flow(
        context,
        FLOW,
        house_id=house.id,
        page=page,
        code=house.code,
        address=house.standard_address,
        old=house.risk_colour.value,
        step="choose",
        message_id=message.message_id if message else None,
        chat_id=message.chat.id if message else None,
    )
    await ask_colour(update, context, flow)


async def pick(
    update: Update, context: BotContext, flow: dict[str, Any], colour: RiskColour
) -> str | None:
    """Step 1 → 2, unless `colour` is the house's colour now (no change, no reason asked):
    then the refusal to show, and the choice stays (marked afresh if the colour moved)."""
    assert context.actor is not None
    t = context.t
    try:
        async with context.services() as svc:
            house = await svc.houses.detail(context.actor, flow["house_id"])
    except NotFound:
        end_flow(context)
        await edit_or_send(update, context, t("houses.gone"))
        return t("houses.gone")
    moved = house.risk_colour.value != flow["old"]
    flow["old"] = house.risk_colour.value
    if house.risk_colour is colour:
        if moved:
            await ask_colour(update, context, flow)
        return t("houses.colour_unchanged", colour=colour_label(colour, t))
    flow.update(colour=colour.value, step="reason")
    await edit_or_send(update, context, *reason_prompt(context, flow))
    return None


async def on_reason(update: Update, context: BotContext) -> None:
    """Step 2 of 3: the typed reason; a blank or overlong one is asked again."""
    flow = current_flow(context)
    assert flow is not None
    assert update.message is not None
    t = context.t
    try:
        flow["reason"] = clean_reason(update.message.text or "")
    except InvalidInput:
        await send(update, context, t("houses.colour_reason_invalid", max=MAX_REASON))
        return
    flow["step"] = "confirm"
    if flow.get("message_id"):  # the prompt above keeps its text, loses its buttons
        with contextlib.suppress(TelegramError):  # gone: the summary below has the buttons
            await context.bot.edit_message_reply_markup(
                flow["chat_id"], flow["message_id"], reply_markup=None
            )
    summary = await send(update, context, *confirm_summary(context, flow))
    if summary is not None:
        flow.update(message_id=summary.message_id, chat_id=summary.chat.id)


async def save(update: Update, context: BotContext, flow: dict[str, Any]) -> str:
    """Step 3 of 3: write the change (audited with the reason) and show the house again."""
    assert context.actor is not None
    t = context.t
    colour = RiskColour(flow["colour"])
    try:
        async with context.services() as svc:
            old = await svc.houses.change_risk_colour(
                context.actor, flow["house_id"], colour, flow["reason"]
            )
    except NotFound:
        end_flow(context)
        await edit_or_send(update, context, t("houses.gone"))
        return t("houses.gone")
    end_flow(context)
    note = t("houses.colour_saved", old=colour_label(old, t), new=colour_label(colour, t))
    await show_house(update, context, flow["house_id"], flow["page"], note)
    return t("houses.colour_saved_toast")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(on_button, pattern=is_colour_data))
    reason = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(reason & AwaitingReason(application), on_reason))
