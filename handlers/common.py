"""Cross-cutting handlers and helpers: member/locale tracking, role menus, safe replies, flows.

* `track_member` (group -1) identifies the sender and resolves their language once per update.
* `ROLE_MENUS` is the inline menu of each role (callback data ``("menu", key)``); a feature
  answers its item with ``CallbackQueryHandler(f, pattern=menu_pattern("visit"))``. Items with
  no handler yet get a friendly "not ready yet" toast from the fallbacks.
* Flow state convention: a multi-step flow keeps its draft in ``user_data["flow"]`` via
  `begin_flow`; `/cancel` discards it (and removes the buttons of ``draft["message_id"]``).
* `send` / `edit_or_send` post HTML; escape every user or database text with `esc`.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    InvalidCallbackData,
    TypeHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import N_, Translator, resolve_locale
from core.errors import NotFound
from core.models import Member, RiskColour, Role
from core.services import UnitOfWork

log = logging.getLogger(__name__)

TRACKING_GROUP = -1
FLOW_KEY = "flow"
MENU = "menu"


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


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str  # msgid; the translation starts with the item's icon


HELP_ITEM = MenuItem("help", N_("menu.help"))
LANGUAGE_ITEM = MenuItem("language", N_("menu.language"))
CONTACT_ITEM = MenuItem("contact", N_("menu.contact"))
ROLE_MENUS: dict[Role, tuple[tuple[MenuItem, ...], ...]] = {
    Role.ADMIN: (
        (MenuItem("members", N_("menu.members")), MenuItem("invite", N_("menu.invite"))),
        (MenuItem("groups", N_("menu.groups")), MenuItem("houses", N_("menu.houses"))),
        (MenuItem("cameras", N_("menu.cameras")), MenuItem("audit", N_("menu.audit"))),
        (HELP_ITEM, LANGUAGE_ITEM),
    ),
    Role.POLICE: (
        (MenuItem("person", N_("menu.person")), MenuItem("alerts", N_("menu.alerts"))),
        (MenuItem("watchlists", N_("menu.watchlists")), MenuItem("audit", N_("menu.audit"))),
        (HELP_ITEM, LANGUAGE_ITEM),
    ),
    Role.CADRE: (
        (MenuItem("visit", N_("menu.visit")), MenuItem("houses", N_("menu.houses"))),
        (MenuItem("overdue", N_("menu.overdue")), MenuItem("tasks", N_("menu.tasks"))),
        (HELP_ITEM, LANGUAGE_ITEM),
    ),
    Role.GUARD: (
        (MenuItem("alerts", N_("menu.alerts")), MenuItem("visitors", N_("menu.visitors"))),
        (MenuItem("report", N_("menu.report")),),
        (HELP_ITEM, LANGUAGE_ITEM),
    ),
    Role.RESIDENT: (
        (MenuItem("report", N_("menu.report")),),
        (CONTACT_ITEM,),
        (HELP_ITEM, LANGUAGE_ITEM),
    ),
}
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


def menu_data(key: str) -> tuple[str, str]:
    return (MENU, key)


def menu_pattern(key: str | None = None) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern for one menu item (or any menu item)."""

    def matches(data: object) -> bool:
        return (
            isinstance(data, tuple)
            and len(data) == 2
            and data[0] == MENU
            and (key is None or data[1] == key)
        )

    return matches


def role_label(role: Role, t: Translator) -> str:
    return t(ROLE_LABELS[role])


def menu_markup(role: Role, t: Translator) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(t(item.label), callback_data=menu_data(item.key)) for item in row]
        for row in ROLE_MENUS[role]
    ]
    return InlineKeyboardMarkup(rows)


def back_markup(t: Translator, member: Member | None) -> InlineKeyboardMarkup | None:
    """⬅️ back to the main menu (members only: strangers have no menu)."""
    if member is None:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("menu.back"), callback_data=menu_data("main"))]]
    )


def menu_text(member: Member, t: Translator) -> str:
    return t("menu.title", name=member.name, role=role_label(member.role, t))


async def community_contact(svc: UnitOfWork, context: BotContext) -> tuple[str, str]:
    """The community's name and phone (from the database, else from the settings)."""
    try:
        community = await svc.houses.community()
    except NotFound:
        return context.settings.community_name, context.settings.community_phone
    return community.name, community.phone or context.settings.community_phone


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


# --- flow state -------------------------------------------------------------------------------


def begin_flow(context: BotContext, name: str, **draft: Any) -> dict[str, Any]:
    """Start a flow's draft in user_data (name it so /cancel can say what it discards)."""
    assert context.user_data is not None
    flow: dict[str, Any] = {"name": name, **draft}
    context.user_data[FLOW_KEY] = flow
    return flow


def current_flow(context: BotContext) -> dict[str, Any] | None:
    return context.user_data.get(FLOW_KEY) if context.user_data is not None else None


def end_flow(context: BotContext) -> dict[str, Any] | None:
    """Discard the flow's draft; returns it (None if there was none)."""
    return context.user_data.pop(FLOW_KEY, None) if context.user_data is not None else None


class InFlow(filters.UpdateFilter):
    """Matches updates from a user whose current flow (``user_data["flow"]``) is `name`.

    Lets a flow's free-text and photo handlers sit in group 0 without swallowing the same
    kinds of messages for users who are not in that flow.
    """

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], name: str):
        super().__init__(name=f"InFlow({name})")
        self._application = application
        self._flow = name

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        data = self._application.user_data.get(user.id) if user is not None else None
        flow = data.get(FLOW_KEY) if data else None
        return isinstance(flow, dict) and flow.get("name") == self._flow


def flow_label(name: str, t: Translator) -> str:
    """``flow.<name>`` from the catalogues, else a generic "the current step"."""
    key = f"flow.{name}"
    return t(key) if t.has(key) else t("cancel.current_step")


# --- fallbacks --------------------------------------------------------------------------------


async def menu_not_ready(update: Update, context: BotContext) -> None:
    """A menu item whose feature is not built yet: say so, with the community's phone."""
    await answer(update, context.t("menu.not_ready", phone=context.settings.community_phone))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button whose data is gone (very old message, or from before a data loss)."""
    await answer(update, context.t("error.stale_button"), alert=True)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, track_member), group=TRACKING_GROUP)


def register_fallbacks(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(stale_button, pattern=InvalidCallbackData))
    application.add_handler(CallbackQueryHandler(menu_not_ready, pattern=menu_pattern()))
