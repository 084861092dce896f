"""👪 Groups in the admin's private menu: the bound groups (paged), one group, unbind.

Groups are bound in the group itself with `/bind` (`handlers.admin.bind`); here they are
listed and unbound (with a confirmation; `GroupService.remove` audits it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import commands
from bot.context import BotContext
from core.errors import NotFound
from core.models import GroupChat, GroupRole, Role
from core.serial import persistable
from handlers.admin.bind import group_kind, serves
from handlers.admin.common import page_of, pager
from handlers.common import answer, edit_or_send, send
from handlers.kit import menu
from handlers.kit.buttons import AnyApp, button, on_press, roles

FEATURE = "admin.groups"
ICONS = {GroupRole.GUARDS: "🛡", GroupRole.STAFF: "🗂"}


class GroupAction(enum.StrEnum):
    LIST = "list"
    OPEN = "open"
    UNBIND = "unbind"  # the confirmation
    UNBIND_OK = "unbind_ok"


@persistable("button.admin_groups")
@dataclass(frozen=True)
class GroupButton:
    action: GroupAction
    chat_id: int = 0
    page: int = 0


async def show_list(update: Update, context: BotContext, page: int = 0, note: str = "") -> None:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        groups = list(await svc.groups.list(context.actor))
    shown, page, pages = page_of(groups, page)
    lines = [
        t(
            "admin.groups.line",
            icon=ICONS[g.role],
            title=g.title or str(g.chat_id),
            kind=group_kind(g.role, t),
            grids=serves([x.code for x in g.grids], t),
        )
        for g in shown
    ]
    text = t("admin.groups.title", total=len(groups), page=page + 1, pages=pages)
    text += "\n\n" + ("\n".join(lines) if lines else t("admin.groups.empty"))
    if lines:
        text += "\n\n" + t("admin.groups.how")
    if note:
        text = f"{note}\n\n{text}"
    rows: list[list[InlineKeyboardButton]] = [
        [
            button(
                f"{ICONS[g.role]} {g.title or g.chat_id}",
                GroupButton(GroupAction.OPEN, g.chat_id, page),
            )
        ]
        for g in shown
    ]
    rows.append(pager(page, pages, lambda p: GroupButton(GroupAction.LIST, page=p)))
    rows.append([menu.back_button(t)])
    await edit_or_send(update, context, text, InlineKeyboardMarkup([r for r in rows if r]))


def group_text(group: GroupChat, context: BotContext) -> str:
    t = context.t
    return t(
        "admin.groups.screen",
        icon=ICONS[group.role],
        title=group.title or str(group.chat_id),
        kind=group_kind(group.role, t),
        grids=serves([x.code for x in group.grids], t),
        chat_id=str(group.chat_id),
        since=t.short_date(group.created_at.astimezone(t.zone).date()),
    )


async def _group(context: BotContext, chat_id: int) -> GroupChat:
    assert context.actor is not None
    async with context.services() as svc:
        return await svc.groups.get(context.actor, chat_id)


async def show_group(update: Update, context: BotContext, data: GroupButton) -> None:
    t = context.t
    group = await _group(context, data.chat_id)
    rows = [
        [
            button(
                t("admin.groups.unbind"), GroupButton(GroupAction.UNBIND, group.chat_id, data.page)
            )
        ],
        [button(t("menu.back"), GroupButton(GroupAction.LIST, page=data.page))],
    ]
    await edit_or_send(update, context, group_text(group, context), InlineKeyboardMarkup(rows))


async def confirm_unbind(update: Update, context: BotContext, data: GroupButton) -> None:
    t = context.t
    group = await _group(context, data.chat_id)
    rows = [
        [
            button(
                t("admin.groups.unbind_ok"),
                GroupButton(GroupAction.UNBIND_OK, group.chat_id, data.page),
            )
        ],
        [button(t("menu.back"), GroupButton(GroupAction.OPEN, group.chat_id, data.page))],
    ]
    text = t(
        "admin.groups.unbind_confirm",
        title=group.title or str(group.chat_id),
        kind=group_kind(group.role, t),
    )
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def unbind(update: Update, context: BotContext, data: GroupButton) -> str:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        group = await svc.groups.remove(context.actor, data.chat_id)
    await commands.clear_chat_commands(context.application, data.chat_id)
    note = t("admin.groups.unbound", title=group.title or str(group.chat_id))
    await show_list(update, context, data.page, note)
    return t("admin.groups.unbound_toast")


async def on_button(update: Update, context: BotContext, data: GroupButton) -> None:
    """Every groups button (admins only: see `register`)."""
    toast: str | None = None
    try:
        if data.action is GroupAction.LIST:
            await show_list(update, context, data.page)
        elif data.action is GroupAction.OPEN:
            await show_group(update, context, data)
        elif data.action is GroupAction.UNBIND:
            await confirm_unbind(update, context, data)
        elif data.action is GroupAction.UNBIND_OK:
            toast = await unbind(update, context, data)
    except NotFound:
        await answer(update, context.t("admin.groups.gone"), alert=True)
        await show_list(update, context, data.page)
        return
    await answer(update, toast)


async def groups_menu(update: Update, context: BotContext) -> None:
    """Menu item 👪."""
    await show_list(update, context)
    await answer(update)


async def groups_command(update: Update, context: BotContext) -> None:
    """/groups (admins, in private)."""
    if not roles(Role.ADMIN)(context.member):
        await send(update, context, context.t("admin.only"))
        return
    await show_list(update, context)


def register(application: AnyApp) -> None:
    on_press(application, FEATURE, GroupButton, on_button, allow=roles(Role.ADMIN))
    menu.serve(application, "groups", groups_menu, Role.ADMIN)
