"""/cancel works everywhere: discards the user's flow, closes its form, says what was dropped.

Registered first in group 0 and stops further handling of the update, so no flow sees the
/cancel that ended it. Every flow screen carries ✖️ Cancel (`cancel_button`), which does the
same, editing the pressed message in place.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.common import answer, edit_or_send, send
from handlers.kit import flows
from handlers.kit.buttons import CancelButton, button, on_press

log = logging.getLogger(__name__)

FEATURE = "cancel"


def cancel_button(t: Translator) -> InlineKeyboardButton:
    return button(t("flow.cancel_button"), CancelButton())


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel (or ✖️): discard the flow, say what was discarded."""
    t = context.t
    flow = flows.end(context)
    if flow is None:
        text = t("cancel.nothing")
    else:
        log.info(
            "user %s cancelled %s", update.effective_user and update.effective_user.id, flow.name
        )
        if update.callback_query is None:  # the form above keeps its text, loses its buttons
            await flows.close_form(context, flow)
        text = t("cancel.done", what=flows.flow_label(flow, t))
    if update.callback_query is not None:
        await edit_or_send(update, context, text)
        await answer(update)
    else:
        await send(update, context, text)
    raise ApplicationHandlerStop


async def _cancel_pressed(update: Update, context: BotContext, _data: CancelButton) -> None:
    await cancel(update, context)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("cancel", cancel))
    on_press(application, FEATURE, CancelButton, _cancel_pressed)
