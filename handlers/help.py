"""/help per role, and the answer to a command the bot does not know."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CommandHandler

from bot.context import BotContext
from bot.i18n import N_
from core.models import Role
from handlers.common import answer, community_contact, edit_or_send
from handlers.kit import menu

ROLE_HELP: dict[Role, str] = {
    Role.ADMIN: N_("help.admin"),
    Role.POLICE: N_("help.police"),
    Role.CADRE: N_("help.cadre"),
    Role.GUARD: N_("help.guard"),
    Role.RESIDENT: N_("help.resident"),
}


async def show_help(update: Update, context: BotContext) -> None:
    """/help (or the ❓ menu item): what this member can do, and the common commands."""
    t = context.t
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        text = t("help.group")
    elif context.member is not None:
        text = t(ROLE_HELP[context.member.role]) + "\n\n" + t("help.common")
    else:
        async with context.services() as svc:
            community, phone = await community_contact(svc, context)
        text = t("help.stranger", community=community, phone=phone)
    await edit_or_send(update, context, text, menu.back_markup(t, context.member))
    await answer(update)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("help", show_help))
    menu.serve(application, "help", show_help)
