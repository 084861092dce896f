"""/language: 中文 / English, edited in place, saved, and the "/" menu refreshed."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import commands
from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, LOCALES, Translator
from core.models import Member
from handlers.common import answer, edit_or_send, menu_data, menu_pattern

LANGUAGE = "lang"


def is_language_choice(data: object) -> bool:
    return (
        isinstance(data, tuple) and len(data) == 2 and data[0] == LANGUAGE and data[1] in LOCALES
    )


def language_markup(t: Translator, member: Member | None) -> InlineKeyboardMarkup:
    choices = [
        InlineKeyboardButton(
            ("✅ " if locale == t.locale else "") + LANGUAGE_NAMES[locale],
            callback_data=(LANGUAGE, locale),
        )
        for locale in LOCALES
    ]
    rows = [choices]
    if member is not None:
        rows.append([InlineKeyboardButton(t("menu.back"), callback_data=menu_data("main"))])
    return InlineKeyboardMarkup(rows)


async def ask_language(update: Update, context: BotContext) -> None:
    """/language (or the 🌐 menu item): offer the two languages."""
    t = context.t
    await edit_or_send(update, context, t("language.choose"), language_markup(t, context.member))
    await answer(update)


async def choose_language(update: Update, context: BotContext) -> None:
    """A language button: save the choice, switch the texts and the command menu."""
    query, user = update.callback_query, update.effective_user
    assert query is not None
    assert user is not None
    assert context.user_data is not None
    locale = query.data[1]  # type: ignore[index]
    if context.member is not None and context.actor is not None:
        async with context.services() as svc:
            await svc.members.set_locale(context.actor, locale)
        context.member.locale = locale
    else:
        context.user_data["locale"] = locale  # a stranger: kept until they are invited
    t = context.use_locale(locale)
    await edit_or_send(update, context, t("language.saved"), language_markup(t, context.member))
    role = context.member.role if context.member is not None else None
    await commands.set_chat_commands(context.application, user.id, role, locale)
    await answer(update, t("language.toast"))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("language", ask_language))
    application.add_handler(CallbackQueryHandler(ask_language, pattern=menu_pattern("language")))
    application.add_handler(CallbackQueryHandler(choose_language, pattern=is_language_choice))
