"""👥 Members: the list by role and grid (paged), a member's screen, role, grid, deactivate.

Every button is a `MemberButton` carrying the list's filter and page, so ⬅️ returns to the
same page. Each change is one `MemberService` call (audited there); nothing is written before
the button that says so (deactivation has its own confirmation screen).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import commands
from bot.context import BotContext
from bot.i18n import Translator
from core.errors import InvalidInput, NotFound
from core.idnumber import mask_phone
from core.models import Grid, Member, Role
from core.serial import persistable
from handlers.admin.common import grid_label, marked, page_of, pager, rows_of
from handlers.common import answer, edit_or_send, role_label, send
from handlers.kit import menu
from handlers.kit.buttons import AnyApp, button, on_press, roles

FEATURE = "admin.members"
Rows = list[list[InlineKeyboardButton]]


class MemberAction(enum.StrEnum):
    LIST = "list"  # the list at `page` with the filter `role` / `grid`
    OPEN = "open"
    ROLE = "role"  # the role choices
    SET_ROLE = "set_role"
    GRID = "grid"  # the grid choices
    SET_GRID = "set_grid"
    DEACTIVATE = "deactivate"  # the confirmation
    DEACTIVATE_OK = "deactivate_ok"


@persistable("button.admin_members")
@dataclass(frozen=True)
class MemberButton:
    action: MemberAction
    member_id: int = 0
    page: int = 0
    role: str = ""  # the list's filter: a Role value, "" every role
    grid: str = ""  # the list's filter: a grid code, "" every grid
    value: str = ""  # SET_ROLE: the new role; SET_GRID: the new grid's code ("" none)

    def to(self, action: MemberAction, **changes: object) -> MemberButton:
        """The same list position with another action."""
        return dataclasses.replace(self, action=action, **changes)  # type: ignore[arg-type]


# --- the list ---------------------------------------------------------------------------------


def list_screen(
    members: Sequence[Member], grids: Sequence[Grid], at: MemberButton, t: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    shown, page, pages = page_of(members, at.page)
    at = at.to(MemberAction.LIST, page=page)
    lines = [
        t(
            "admin.members.line",
            icon="👤" if m.active else "🚫",
            name=m.name,
            role=role_label(m.role, t),
            grid=grid_label(grids, m.grid_id, t),
        )
        for m in shown
    ]
    text = t("admin.members.title", total=len(members), page=page + 1, pages=pages)
    text += "\n\n" + ("\n".join(lines) if lines else t("admin.members.empty"))
    people = [button(m.name, at.to(MemberAction.OPEN, member_id=m.id)) for m in shown]
    role_filters = [
        button(
            marked(t("admin.all_roles"), not at.role), at.to(MemberAction.LIST, page=0, role="")
        )
    ]
    role_filters += [
        button(
            marked(role_label(role, t), at.role == role.value),
            at.to(MemberAction.LIST, page=0, role=role.value),
        )
        for role in Role
    ]
    rows: Rows = [*rows_of(people, 2)]
    rows.append(pager(page, pages, lambda p: at.to(MemberAction.LIST, page=p)))
    rows += rows_of(role_filters, 3)
    if grids:
        grid_filters = [
            button(
                marked(t("admin.all_grids"), not at.grid),
                at.to(MemberAction.LIST, page=0, grid=""),
            )
        ]
        grid_filters += [
            button(
                marked(g.code, at.grid == g.code), at.to(MemberAction.LIST, page=0, grid=g.code)
            )
            for g in grids
        ]
        rows += rows_of(grid_filters, 4)
    rows.append([menu.back_button(t)])
    return text, InlineKeyboardMarkup([row for row in rows if row])


async def show_list(update: Update, context: BotContext, at: MemberButton) -> None:
    assert context.actor is not None
    async with context.services() as svc:
        grids = list(await svc.members.grids())
        if at.grid and all(g.code != at.grid for g in grids):
            at = at.to(MemberAction.LIST, grid="")
        members = list(
            await svc.members.list(
                context.actor, role=Role(at.role) if at.role else None, grid_code=at.grid or None
            )
        )
    await edit_or_send(update, context, *list_screen(members, grids, at, context.t))


# --- one member -------------------------------------------------------------------------------


def member_text(member: Member, grids: Sequence[Grid], t: Translator, note: str = "") -> str:
    text = t(
        "admin.members.screen",
        name=member.name,
        role=role_label(member.role, t),
        grid=grid_label(grids, member.grid_id, t),
        phone=mask_phone(member.phone) if member.phone else "—",
        telegram=t("admin.members.linked") if member.telegram_id else t("admin.members.unlinked"),
        status=t("admin.members.active") if member.active else t("admin.members.inactive"),
        since=t.short_date(member.created_at.astimezone(t.zone).date()),
    )
    return f"{note}\n\n{text}" if note else text


def member_rows(member: Member, at: MemberButton, own: bool, t: Translator) -> Rows:
    rows: Rows = []
    if member.active and not own:
        rows.append(
            [
                button(t("admin.members.change_role"), at.to(MemberAction.ROLE)),
                button(t("admin.members.change_grid"), at.to(MemberAction.GRID)),
            ]
        )
        rows.append([button(t("admin.members.deactivate"), at.to(MemberAction.DEACTIVATE))])
    rows.append([button(t("menu.back"), at.to(MemberAction.LIST, member_id=0))])
    return rows


async def show_member(
    update: Update, context: BotContext, at: MemberButton, note: str = ""
) -> None:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        member = await svc.members.get(context.actor, at.member_id)
        grids = list(await svc.members.grids())
    own = member.id == context.actor.member_id
    text = member_text(member, grids, t, note)
    if own:
        text += "\n\n" + t("admin.members.own")
    markup = InlineKeyboardMarkup(member_rows(member, at, own, t))
    await edit_or_send(update, context, text, markup)


async def choose_role(update: Update, context: BotContext, at: MemberButton) -> None:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        member = await svc.members.get(context.actor, at.member_id)
    choices = [
        button(
            marked(role_label(role, t), role is member.role),
            at.to(MemberAction.SET_ROLE, value=role.value),
        )
        for role in Role
    ]
    rows = [*rows_of(choices, 2), [button(t("menu.back"), at.to(MemberAction.OPEN))]]
    text = t("admin.members.choose_role", name=member.name, role=role_label(member.role, t))
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def choose_grid(update: Update, context: BotContext, at: MemberButton) -> None:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        member = await svc.members.get(context.actor, at.member_id)
        grids = list(await svc.members.grids())
    choices = [
        button(
            marked(grid_label(grids, g.id, t), g.id == member.grid_id),
            at.to(MemberAction.SET_GRID, value=g.code),
        )
        for g in grids
    ]
    choices.append(
        button(
            marked(t("admin.no_grid"), member.grid_id is None),
            at.to(MemberAction.SET_GRID, value=""),
        )
    )
    rows = [*rows_of(choices, 2), [button(t("menu.back"), at.to(MemberAction.OPEN))]]
    text = t(
        "admin.members.choose_grid", name=member.name, grid=grid_label(grids, member.grid_id, t)
    )
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def confirm_deactivate(update: Update, context: BotContext, at: MemberButton) -> None:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        member = await svc.members.get(context.actor, at.member_id)
    rows = [
        [button(t("admin.members.deactivate_ok"), at.to(MemberAction.DEACTIVATE_OK))],
        [button(t("menu.back"), at.to(MemberAction.OPEN))],
    ]
    text = t("admin.members.deactivate_confirm", name=member.name, role=role_label(member.role, t))
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


# --- changes ----------------------------------------------------------------------------------


async def set_role(update: Update, context: BotContext, at: MemberButton) -> str:
    assert context.actor is not None
    t = context.t
    new = Role(at.value)
    async with context.services() as svc:
        old = await svc.members.set_role(context.actor, at.member_id, new)
        member = await svc.members.get(context.actor, at.member_id)
    if member.telegram_id is not None and member.active:  # their "/" menu follows the role
        locale = member.locale or context.settings.default_locale
        await commands.set_chat_commands(context.application, member.telegram_id, new, locale)
    note = t("admin.members.role_changed", old=role_label(old, t), new=role_label(new, t))
    await show_member(update, context, at.to(MemberAction.OPEN), note)
    return t("admin.saved")


async def set_grid(update: Update, context: BotContext, at: MemberButton) -> str:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        member = await svc.members.set_grid(context.actor, at.member_id, at.value or None)
        grids = list(await svc.members.grids())
    note = t("admin.members.grid_changed", grid=grid_label(grids, member.grid_id, t))
    await show_member(update, context, at.to(MemberAction.OPEN), note)
    return t("admin.saved")


async def deactivate(update: Update, context: BotContext, at: MemberButton) -> str:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        member = await svc.members.deactivate(context.actor, at.member_id)
    if member.telegram_id is not None:
        await commands.clear_chat_commands(context.application, member.telegram_id)
    note = t("admin.members.deactivated", name=member.name)
    await show_member(update, context, at.to(MemberAction.OPEN), note)
    return t("admin.members.deactivated_toast")


# --- entry points -----------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext, data: MemberButton) -> None:
    """Every members button (admins only: see `register`)."""
    t = context.t
    toast: str | None = None
    try:
        if data.action is MemberAction.LIST:
            await show_list(update, context, data)
        elif data.action is MemberAction.OPEN:
            await show_member(update, context, data)
        elif data.action is MemberAction.ROLE:
            await choose_role(update, context, data)
        elif data.action is MemberAction.GRID:
            await choose_grid(update, context, data)
        elif data.action is MemberAction.DEACTIVATE:
            await confirm_deactivate(update, context, data)
        elif data.action is MemberAction.SET_ROLE:
            toast = await set_role(update, context, data)
        elif data.action is MemberAction.SET_GRID:
            toast = await set_grid(update, context, data)
        elif data.action is MemberAction.DEACTIVATE_OK:
            toast = await deactivate(update, context, data)
    except NotFound:
        await answer(update, t("admin.members.gone"), alert=True)
        await show_list(update, context, data.to(MemberAction.LIST, member_id=0))
        return
    except InvalidInput:  # oneself: the screen never offers it, an old button might
        await answer(update, t("admin.members.own"), alert=True)
        return
    await answer(update, toast)


async def members_menu(update: Update, context: BotContext) -> None:
    """Menu item 👥: the first page of every member."""
    await show_list(update, context, MemberButton(MemberAction.LIST))
    await answer(update)


async def members_command(update: Update, context: BotContext) -> None:
    """/members: the list (admins, in private)."""
    if not roles(Role.ADMIN)(context.member):
        await send(update, context, context.t("admin.only"))
        return
    await show_list(update, context, MemberButton(MemberAction.LIST))


def register(application: AnyApp) -> None:
    on_press(application, FEATURE, MemberButton, on_button, allow=roles(Role.ADMIN))
    menu.serve(application, "members", members_menu, Role.ADMIN)
