"""✉️ Invite: pick the role → pick the grid (or none) → a one-time t.me link and its QR code.

The state is `core.flows.invite.InviteFlow`. Only the grid's button writes: the service
stores the invitation (hashed, audited) and returns its token once; the form becomes the
link, and the QR code follows as a photo the new member scans from the admin's phone.
"""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, Update
from telegram.constants import ChatAction

from bot.context import BotContext
from core.cards.qr import qr_png
from core.flows.invite import InviteAction, InviteButton, InviteFlow, InviteStep
from core.models import Grid, Role
from core.services.members import invite_link
from handlers.admin.common import grid_label, rows_of
from handlers.cancel import cancel_button
from handlers.common import answer, edit_or_send, role_label, send
from handlers.kit import flows, menu
from handlers.kit.buttons import AnyApp, button, roles
from handlers.kit.flows import on_flow_press

FEATURE = "admin.invite"
Rows = list[list[InlineKeyboardButton]]


async def render(update: Update, context: BotContext, flow: InviteFlow) -> None:
    t = context.t
    back = button(t("menu.back"), InviteButton(InviteAction.BACK))
    if flow.step is InviteStep.ROLE:
        picks = [
            button(role_label(role, t), InviteButton(InviteAction.ROLE, role.value))
            for role in Role
        ]
        rows: Rows = [*rows_of(picks, 2), [back, cancel_button(t)]]
        await flows.show(update, context, flow, t("admin.invite.role"), rows)
        return
    assert flow.role is not None
    async with context.services() as svc:
        grids = list(await svc.members.grids())
    picks = [
        button(grid_label(grids, g.id, t), InviteButton(InviteAction.GRID, g.code)) for g in grids
    ]
    picks.append(button(t("admin.no_grid"), InviteButton(InviteAction.GRID, "")))
    rows = [*rows_of(picks, 2), [back, cancel_button(t)]]
    text = t("admin.invite.grid", role=role_label(flow.role, t))
    await flows.show(update, context, flow, text, rows)


async def start(update: Update, context: BotContext) -> None:
    """Begin a new invitation (in the pressed message, or a new one after /invite)."""
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    flow = InviteFlow()
    message = update.callback_query.message if update.callback_query else None
    if message is not None:
        flow.chat_id, flow.message_id = message.chat.id, message.message_id
    await render(update, context, flows.begin(context, flow))


async def create(update: Update, context: BotContext, flow: InviteFlow, grid: str) -> str:
    """Store the invitation; the form shows the link, a photo shows its QR code."""
    assert context.actor is not None
    assert flow.role is not None
    t = context.t
    flows.end(context)
    async with context.services() as svc:
        grids: list[Grid] = list(await svc.members.grids())
        invitation, token = await svc.members.invite(
            context.actor, role=flow.role, grid_code=grid or None
        )
    link = invite_link(context.bot.username, token)
    text = t(
        "admin.invite.done",
        role=role_label(invitation.role, t),
        grid=grid_label(grids, invitation.grid_id, t),
        expires=t.short_datetime(invitation.expires_at),
        link=link,
    )
    await flows.show(update, context, flow, text, [[menu.back_button(t)]])
    chat_id = flow.chat_id
    if chat_id is not None:
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
        image = await asyncio.to_thread(qr_png, link)
        caption = t("admin.invite.qr_caption", role=role_label(invitation.role, t))
        await context.bot.send_photo(chat_id, image, caption=caption, filename="invitation.png")
    return t("admin.invite.done_toast")


async def on_button(
    update: Update, context: BotContext, data: InviteButton, flow: InviteFlow | None
) -> None:
    """Every button of the invitation's form."""
    t = context.t
    if data.action is InviteAction.START or flow is None:
        await start(update, context)
        await answer(update)
        return
    toast: str | None = None
    if data.action is InviteAction.ROLE and flow.step is InviteStep.ROLE:
        flow.pick_role(Role(data.value))
        await render(update, context, flow)
    elif data.action is InviteAction.GRID and flow.step is InviteStep.GRID:
        toast = await create(update, context, flow, data.value)
    elif data.action is InviteAction.BACK and flow.back():
        await render(update, context, flow)
    elif data.action is InviteAction.BACK:  # back from the first step: the main menu
        flows.end(context)
        assert context.member is not None
        markup = menu.menu_markup(context.member.role, t)
        await edit_or_send(update, context, menu.menu_text(context.member, t), markup)
    await answer(update, toast)


async def invite_menu(update: Update, context: BotContext) -> None:
    """Menu item ✉️."""
    await start(update, context)
    await answer(update)


async def invite_command(update: Update, context: BotContext) -> None:
    """/invite (admins, in private)."""
    if not roles(Role.ADMIN)(context.member):
        await send(update, context, context.t("admin.only"))
        return
    await start(update, context)


def register(application: AnyApp) -> None:
    on_flow_press(
        application, FEATURE, InviteButton, InviteFlow, on_button, allow=roles(Role.ADMIN)
    )
    menu.serve(application, "invite", invite_menu, Role.ADMIN)
