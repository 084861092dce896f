"""The "/" command menus (setMyCommands), per role and per language.

* default scope, once per language (``language_code`` zh / en) and once without a language:
  what someone who is not a member sees (start, help, language);
* `BotCommandScopeChat` for every bound member: their role's commands in their language;
* `BotCommandScopeChat` for every registered guard / staff group.

A command appears only when a handler for it is registered, so the tables below may name
commands that a later feature brings: add a row here when you add a command. What was last set
for each scope is remembered in `bot_data` so a restart re-sends only what changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler, ConversationHandler

from bot.i18n import LOCALES, N_, Translator
from core.models import GroupRole, Role
from core.roles import Actor

log = logging.getLogger(__name__)

MENUS_KEY = "command_menus"


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # msgid


START = Command("start", N_("command.start"))
HELP = Command("help", N_("command.help"))
LANGUAGE = Command("language", N_("command.language"))
CANCEL = Command("cancel", N_("command.cancel"))
# Commands of later features: shown once their handler is registered.
INVITE = Command("invite", N_("command.invite"))
MEMBERS = Command("members", N_("command.members"))
GROUPS = Command("groups", N_("command.groups"))
HOUSES = Command("houses", N_("command.houses"))
VISIT = Command("visit", N_("command.visit"))
OVERDUE = Command("overdue", N_("command.overdue"))
MYVISITS = Command("myvisits", N_("command.myvisits"))
HOUSE = Command("house", N_("command.house"))
CARD = Command("card", N_("command.card"))
VISITS = Command("visits", N_("command.visits"))
PERSON = Command("person", N_("command.person"))
ALERTS = Command("alerts", N_("command.alerts"))
PLATE = Command("plate", N_("command.plate"))
PASSAGES = Command("passages", N_("command.passages"))
AUDIT = Command("audit", N_("command.audit"))
REPORT = Command("report", N_("command.report"))
MYREPORTS = Command("myreports", N_("report.command.myreports"))
REPORTS = Command("reports", N_("report.command.reports"))

UNBOUND_COMMANDS: tuple[Command, ...] = (START, HELP, LANGUAGE)
ROLE_COMMANDS: dict[Role, tuple[Command, ...]] = {
    Role.ADMIN: (
        START,
        INVITE,
        MEMBERS,
        GROUPS,
        HOUSES,
        HOUSE,
        CARD,
        VISIT,
        VISITS,
        PLATE,
        PASSAGES,
        REPORTS,
        AUDIT,
        HELP,
        CANCEL,
        LANGUAGE,
    ),
    Role.POLICE: (
        START,
        PERSON,
        ALERTS,
        PLATE,
        PASSAGES,
        VISITS,
        REPORTS,
        AUDIT,
        HELP,
        CANCEL,
        LANGUAGE,
    ),
    Role.CADRE: (START, HOUSES, VISIT, MYVISITS, REPORT, REPORTS, HELP, CANCEL, LANGUAGE),
    Role.GUARD: (START, ALERTS, PLATE, PASSAGES, REPORT, MYREPORTS, HELP, CANCEL, LANGUAGE),
    Role.RESIDENT: (START, REPORT, MYREPORTS, HELP, CANCEL, LANGUAGE),
}
GROUP_COMMANDS: dict[GroupRole, tuple[Command, ...]] = {
    GroupRole.GUARDS: (ALERTS, HELP),
    GroupRole.STAFF: (OVERDUE, REPORTS, HELP),
}

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def registered_commands(application: AnyApp) -> set[str]:
    """Every command some registered handler (or conversation entry point) answers."""
    found: set[str] = set()

    def walk(handlers: Iterable[BaseHandler[Any, Any, Any]]) -> None:
        for handler in handlers:
            if isinstance(handler, CommandHandler):
                found.update(handler.commands)
            elif isinstance(handler, ConversationHandler):
                walk(handler.entry_points)
                walk(handler.fallbacks)
                for state_handlers in handler.states.values():
                    walk(state_handlers)

    for group in application.handlers.values():
        walk(group)
    return found


def menu(application: AnyApp, commands: Sequence[Command], t: Translator) -> list[BotCommand]:
    available = registered_commands(application)
    return [BotCommand(c.name, t(c.description)) for c in commands if c.name in available]


def commands_for_role(role: Role | None) -> tuple[Command, ...]:
    return ROLE_COMMANDS[role] if role is not None else UNBOUND_COMMANDS


def _digest(commands: list[BotCommand]) -> str:
    payload = json.dumps([(c.command, c.description) for c in commands], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _remembered(application: AnyApp) -> dict[str, Any]:
    menus: dict[str, Any] = application.bot_data.setdefault(MENUS_KEY, {})
    return menus


async def _set(
    application: AnyApp,
    key: str,
    commands: list[BotCommand],
    *,
    scope: Any,
    language_code: str | None = None,
    locale: str | None = None,
    role: str | None = None,
    force: bool = False,
) -> bool:
    """setMyCommands unless this exact menu is already set; False when Telegram refused."""
    remembered = _remembered(application)
    digest = _digest(commands)
    if not force and remembered.get(key, {}).get("digest") == digest:
        return True
    try:
        await application.bot.set_my_commands(commands, scope=scope, language_code=language_code)
    except TelegramError as exc:
        log.warning("setMyCommands for %s failed: %s", key, exc)
        return False
    remembered[key] = {"digest": digest, "locale": locale, "role": role}
    return True


async def set_default_commands(application: AnyApp, *, force: bool = False) -> None:
    """The menu of people who are not members, in each language and as the fallback."""
    deps = application.deps  # type: ignore[attr-defined]
    for locale in LOCALES:
        t = deps.translator(locale)
        await _set(
            application,
            f"default:{locale}",
            menu(application, UNBOUND_COMMANDS, t),
            scope=BotCommandScopeDefault(),
            language_code=t.telegram_language,
            locale=locale,
            force=force,
        )
    t = deps.translator()
    await _set(
        application,
        "default",
        menu(application, UNBOUND_COMMANDS, t),
        scope=BotCommandScopeDefault(),
        locale=t.locale,
        force=force,
    )


async def set_chat_commands(
    application: AnyApp, chat_id: int, role: Role | None, locale: str, *, force: bool = False
) -> bool:
    """One user's menu: their role's commands (or the stranger's) in their language."""
    t = application.deps.translator(locale)  # type: ignore[attr-defined]
    commands = menu(application, commands_for_role(role), t)
    scope = BotCommandScopeChat(chat_id)
    return await _set(
        application,
        f"chat:{chat_id}",
        commands,
        scope=scope,
        locale=locale,
        role=role.value if role is not None else None,
        force=force,
    )


async def set_group_commands(
    application: AnyApp, chat_id: int, role: GroupRole, locale: str | None = None
) -> bool:
    deps = application.deps  # type: ignore[attr-defined]
    t = deps.translator(locale)
    commands = menu(application, GROUP_COMMANDS[role], t)
    return await _set(
        application,
        f"chat:{chat_id}",
        commands,
        scope=BotCommandScopeChat(chat_id),
        locale=locale,
        role=f"group:{role.value}",
    )


async def clear_chat_commands(application: AnyApp, chat_id: int) -> None:
    """Back to the default menu (a member who was deactivated)."""
    try:
        await application.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("deleteMyCommands for chat %s failed: %s", chat_id, exc)
        return
    _remembered(application).pop(f"chat:{chat_id}", None)


async def setup_commands(application: AnyApp) -> None:
    """post_init: the default menus, every member's and every registered group's."""
    deps = application.deps  # type: ignore[attr-defined]
    await set_default_commands(application)
    system = Actor.system("bot")
    async with deps.storage.services() as svc:
        members = [m for m in await svc.members.list(system) if m.active and m.telegram_id]
        groups = await svc.groups.list(system)
    remembered = _remembered(application)
    seen: set[str] = set()
    for member in members:
        key = f"chat:{member.telegram_id}"
        seen.add(key)
        locale = (
            member.locale or remembered.get(key, {}).get("locale") or deps.settings.default_locale
        )
        await set_chat_commands(application, member.telegram_id, member.role, locale)
    for group in groups:
        seen.add(f"chat:{group.chat_id}")
        await set_group_commands(application, group.chat_id, group.role, group.locale)
    # Members deactivated and groups removed since: back to the default menu. (Strangers who
    # chose a language keep their menu: it has no role.)
    for key, entry in list(remembered.items()):
        if key.startswith("chat:") and key not in seen and entry.get("role"):
            await clear_chat_commands(application, int(key.removeprefix("chat:")))
