"""/language: 中文 / English, edited in place, saved, and the "/" menu refreshed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from bot import commands
from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, LOCALES, Translator
from core.models import Member
from core.serial import persistable
from handlers.common import answer, edit_or_send
from handlers.kit import menu
from handlers.kit.buttons import button, on_press

FEATURE = "language"


@persistable("button.language")
@dataclass(frozen=True)
class LanguageButton:
    locale: str


def language_markup(t: Translator, member: Member | None) -> InlineKeyboardMarkup:
    choices = [
        button(
            ("✅ " if locale == t.locale else "") + LANGUAGE_NAMES[locale], LanguageButton(locale)
        )
        for locale in LOCALES
    ]
    rows = [choices]
    if member is not None:
        rows.append([menu.back_button(t)])
    return InlineKeyboardMarkup(rows)


async def ask_language(update: Update, context: BotContext) -> None:
    """/language (or the 🌐 menu item): offer the two languages."""
    t = context.t
    await edit_or_send(update, context, t("language.choose"), language_markup(t, context.member))
    await answer(update)


async def choose_language(update: Update, context: BotContext, data: LanguageButton) -> None:
    """A language button: save the choice, switch the texts and the command menu."""
    user = update.effective_user
    assert user is not None
    assert context.user_data is not None
    if data.locale not in LOCALES:  # a language this release no longer offers
        await ask_language(update, context)
        return
    locale = data.locale
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
    menu.serve(application, "language", ask_language)
    on_press(application, FEATURE, LanguageButton, choose_language)
