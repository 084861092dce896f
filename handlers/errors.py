"""The error handler: log with the traceback, apologise to the user in their language.

The user never sees details: an unexpected failure gets "抱歉，出了点问题……" with a way
forward; a domain error that escaped a handler gets its `error.<code>` message when the
catalogues have one. Processing of that update stops there.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import Translator, resolve_locale
from core.errors import DomainError
from handlers.common import answer, community_phone

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT = 2.0


async def _translator(update: Update, context: BotContext) -> Translator:
    """The user's language, resolved again: the failed update's context is not ours."""
    user = update.effective_user
    if user is None:
        return context.t
    saved = context.user_data.get("locale") if context.user_data is not None else None
    try:
        async with asyncio.timeout(LOOKUP_TIMEOUT), context.services() as svc:
            member = await svc.members.by_telegram_id(user.id)
        saved = member.locale if member and member.locale else saved
    except Exception:  # the database may be what failed
        log.debug("member lookup for the apology failed", exc_info=True)
    return context.use_locale(
        resolve_locale(saved, user.language_code, context.settings.default_locale)
    )


def _message(error: BaseException | None, t: Translator, phone: str) -> str:
    msgid = f"error.{error.code}" if isinstance(error, DomainError) else ""
    if msgid and t.has(msgid):
        return t(msgid, phone=phone)
    return t("error.apology", phone=phone)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure with its traceback; tell the user, in their language, what to do."""
    context.deps.metrics.errors += 1
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, DomainError):
        log.warning("update %s: %s %r", update_id, type(error).__name__, error.detail)
    else:
        log.error("update %s failed", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, Forbidden):  # blocked by the user, or removed from the group
        raise ApplicationHandlerStop
    t = await _translator(update, context)
    await answer(update)
    try:
        phone = await community_phone(context)
    except Exception:  # the database may be what failed: the configured number then
        phone = context.settings.community_phone
    try:
        await context.bot.send_message(update.effective_chat.id, _message(error, t, phone))
    except TelegramError as exc:
        log.warning("could not send the apology for update %s: %s", update_id, exc)
    raise ApplicationHandlerStop


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_error_handler(on_error)
