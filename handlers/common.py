"""Helpers every handler uses: member/locale tracking, safe replies, role labels, contacts.

* `track_member` (group -1) identifies the sender and resolves their language once per update.
* `send` / `edit_or_send` post HTML; escape every user or database text with `esc`.
* Menus, typed buttons, flows and notices are the toolkit in `handlers.kit`.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, TypeHandler

from bot.context import BotContext
from bot.i18n import N_, Translator, resolve_locale
from core.errors import NotFound
from core.models import RiskColour, Role
from core.services import UnitOfWork

log = logging.getLogger(__name__)

TRACKING_GROUP = -1


def esc(value: object) -> str:
    """HTML-escape user or database text before it goes into a message."""
    return html.escape(str(value), quote=False)


# --- tracking -------------------------------------------------------------------------------


async def track_member(update: object, context: BotContext) -> None:
    """Identify the sender and resolve their language, once per update."""
    context.deps.metrics.updates += 1
    if not isinstance(update, Update) or update.effective_user is None:
        return
    user = update.effective_user
    async with context.services() as svc:
        context.member = await svc.members.by_telegram_id(user.id)
    saved = context.member.locale if context.member else None
    if saved is None and context.user_data is not None:
        saved = context.user_data.get("locale")  # a stranger's /language choice
    context.use_locale(resolve_locale(saved, user.language_code, context.settings.default_locale))


# --- role menus -------------------------------------------------------------------------------


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: N_("role.admin"),
    Role.POLICE: N_("role.police"),
    Role.CADRE: N_("role.cadre"),
    Role.GUARD: N_("role.guard"),
    Role.RESIDENT: N_("role.resident"),
}


# Three-colour management (三色管理): one icon per risk colour, everywhere a house is listed.
# RiskColour is a StrEnum, so the draft's plain "red" finds its icon too.
COLOUR_ICONS: dict[str, str] = {
    RiskColour.RED: "🔴",
    RiskColour.YELLOW: "🟡",
    RiskColour.GREEN: "🟢",
}


def role_label(role: Role, t: Translator) -> str:
    return t(ROLE_LABELS[role])


async def community_contact(svc: UnitOfWork, context: BotContext) -> tuple[str, str]:
    """The community's name and phone (from the database, else from the settings)."""
    try:
        community = await svc.houses.community()
    except NotFound:
        return context.settings.community_name, context.settings.community_phone
    return community.name, community.phone or context.settings.community_phone


async def community_phone(context: BotContext) -> str:
    """The one phone number every screen gives for the community office."""
    async with context.services() as svc:
        return (await community_contact(svc, context))[1]


# --- sending safely ---------------------------------------------------------------------------


async def send(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Post `text` (HTML, already escaped) to the chat of the update."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, text, reply_markup=markup)


async def edit_or_send(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Edit the message whose button was pressed; send a new message otherwise."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            edited = await query.message.edit_text(text, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return query.message
            log.info("cannot edit message %s (%s); sending a new one", query.message.id, exc)
        else:
            return edited if isinstance(edited, Message) else query.message
    return await send(update, context, text, markup)


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the pressed button (stops the spinner); never fails the handler."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text, show_alert=alert)
    except TelegramError as exc:
        log.info("answerCallbackQuery failed: %s", exc)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, track_member), group=TRACKING_GROUP)
