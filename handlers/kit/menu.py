"""The role menus and who answers their items.

Each role has an inline main menu (`ROLE_MENUS`); every item is a `MenuButton`. Features say
which items they answer, for which roles, with `serve(application, "houses", show, Role.ADMIN)`;
one handler routes each press to the feature serving that item for the member's role. An item
nobody serves yet (a later feature) answers "not ready yet" with the community's phone.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from bot.context import BotContext
from bot.i18n import N_, Translator
from core.models import Member, Role
from handlers.common import answer, community_phone, role_label
from handlers.kit.buttons import MenuButton, button, on_press

AnyApp = Application[Any, Any, Any, Any, Any, Any]
Callback = Callable[[Update, BotContext], Awaitable[None]]
FEATURE = "menu"


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str  # msgid; the translation starts with the item's icon


HELP_ITEM = MenuItem("help", N_("menu.help"))
LANGUAGE_ITEM = MenuItem("language", N_("menu.language"))
CONTACT_ITEM = MenuItem("contact", N_("menu.contact"))
REPORTS_ITEM = MenuItem("reports", N_("menu.reports"))  # staff: the reports to handle
ROLE_MENUS: dict[Role, tuple[tuple[MenuItem, ...], ...]] = {
    Role.ADMIN: (
        (MenuItem("members", N_("menu.members")), MenuItem("invite", N_("menu.invite"))),
        (MenuItem("groups", N_("menu.groups")), MenuItem("houses", N_("menu.houses"))),
        (MenuItem("cameras", N_("menu.cameras")), MenuItem("watchlists", N_("menu.watchlists"))),
        (MenuItem("person", N_("menu.person")), MenuItem("audit", N_("menu.audit"))),
        (REPORTS_ITEM,),
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
        (REPORTS_ITEM,),
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
MAIN = "main"  # ⬅️ back to the main menu
_SERVED: weakref.WeakKeyDictionary[AnyApp, dict[tuple[str, Role | None], Callback]] = (
    weakref.WeakKeyDictionary()
)


def serve(application: AnyApp, item: str, callback: Callback, *for_roles: Role) -> None:
    """`callback` answers menu item `item` for `for_roles` (every role when none are given)."""
    table = _SERVED.setdefault(application, {})
    for role in for_roles or (None,):
        if (item, role) in table:
            raise ValueError(f"menu item {item!r} is served twice for {role}")
        table[(item, role)] = callback


def served(application: AnyApp, item: str, role: Role | None) -> Callback | None:
    table = _SERVED.get(application, {})
    return table.get((item, role)) or table.get((item, None))


async def on_menu(update: Update, context: BotContext, data: MenuButton) -> None:
    """A menu item was pressed: the feature serving it for this role, else "not ready"."""
    role = context.member.role if context.member is not None else None
    callback = served(context.application, data.item, role)
    if callback is None:
        await not_ready(update, context)
        return
    await callback(update, context)


async def not_ready(update: Update, context: BotContext) -> None:
    """A menu item whose feature is not built yet: say so, with the community's phone."""
    phone = await community_phone(context)
    await answer(update, context.t("menu.not_ready", phone=phone))


def menu_button(item: MenuItem, t: Translator) -> InlineKeyboardButton:
    return button(t(item.label), MenuButton(item.key))


def menu_markup(role: Role, t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[menu_button(i, t) for i in row] for row in ROLE_MENUS[role]])


def back_button(t: Translator) -> InlineKeyboardButton:
    return button(t("menu.back"), MenuButton(MAIN))


def back_markup(t: Translator, member: Member | None) -> InlineKeyboardMarkup | None:
    """⬅️ back to the main menu (members only: strangers have no menu)."""
    return InlineKeyboardMarkup([[back_button(t)]]) if member is not None else None


def menu_text(member: Member, t: Translator) -> str:
    return t("menu.title", name=member.name, role=role_label(member.role, t))


def register(application: AnyApp) -> None:
    on_press(application, FEATURE, MenuButton, on_menu)
