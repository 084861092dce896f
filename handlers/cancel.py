"""/cancel works everywhere: ends any conversation, discards the flow's draft, says what.

Registered before every feature (first in group 0) and stops further handling of the update,
so a conversation never sees the /cancel that ended it. Flows can also put
`cancel_button(t)` (✖️ Cancel) on each step; pressing it does the same, editing the step's
message in place.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import answer, edit_or_send, end_flow, flow_label, send

log = logging.getLogger(__name__)

CANCEL_DATA = ("flow", "cancel")


def cancel_button(t: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(t("flow.cancel_button"), callback_data=CANCEL_DATA)


def _conversation_handlers(
    handlers: list[BaseHandler[Any, Any, Any]],
) -> list[ConversationHandler[Any]]:
    found: list[ConversationHandler[Any]] = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            found.append(handler)
            for state_handlers in handler.states.values():
                found.extend(_conversation_handlers(list(state_handlers)))
    return found


def end_conversations(
    application: Application[Any, Any, Any, Any, Any, Any], update: Update
) -> list[str]:
    """End every conversation this update's chat/user is in; returns their names.

    PTB has no public "end this conversation" call; this uses ConversationHandler's
    `_get_key` / `_update_state` (stable across PTB 20–22, pinned <23), which also records the
    end for persistence.
    """
    ended: list[str] = []
    for group in application.handlers.values():
        for handler in _conversation_handlers(list(group)):
            try:
                key = handler._get_key(update)
            except RuntimeError:  # the update lacks the chat/user/message this handler keys on
                continue
            if key not in handler._conversations:
                continue
            handler._update_state(ConversationHandler.END, key)
            job = handler.timeout_jobs.pop(key, None)
            if job is not None:
                job.schedule_removal()
            ended.append(handler.name or "")
    return ended


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel (or ✖️): end any conversation, discard the draft, say what was discarded."""
    t = context.t
    ended = end_conversations(context.application, update)
    flow = end_flow(context)
    names = list(dict.fromkeys(([flow["name"]] if flow else []) + ended))
    if flow and flow.get("message_id") and update.callback_query is None:
        await _close_form(update, context, flow)
    if not names:
        text = t("cancel.nothing")
    else:
        log.info("user %s cancelled %s", update.effective_user and update.effective_user.id, names)
        text = t("cancel.done", what=t("list.separator").join(flow_label(n, t) for n in names))
    if update.callback_query is not None:
        await edit_or_send(update, context, text)
        await answer(update)
    else:
        await send(update, context, text)
    raise ApplicationHandlerStop


async def _close_form(update: Update, context: BotContext, flow: dict[str, Any]) -> None:
    """Remove the buttons of the flow's form message, so nobody presses them afterwards."""
    chat_id = flow.get("chat_id") or (update.effective_chat.id if update.effective_chat else None)
    try:
        await context.bot.edit_message_reply_markup(chat_id, flow["message_id"], reply_markup=None)
    except TelegramError as exc:
        log.info("could not close the form of flow %s: %s", flow.get("name"), exc)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("cancel", cancel))
    application.add_handler(CallbackQueryHandler(cancel, pattern=lambda d: d == CANCEL_DATA))
