"""`/bind` in a group: an admin makes it a guard or staff group for some grids (or all).

The admin adds the bot to the group and types `/bind` there; the form (`BindGroupFlow`) asks
for the group's role and grids with buttons, and ✅ registers the group with its own chat id
and title, so nobody looks up a chat id. Anyone else's `/bind` is refused; a group already
bound says what it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, Update

from bot import commands
from bot.context import BotContext
from bot.i18n import Translator
from core.errors import AlreadyExists, NotFound
from core.flows.bind_group import BindAction, BindButton, BindGroupFlow, BindStep
from core.models import GroupChat, GroupRole, Role
from handlers.admin.common import rows_of
from handlers.cancel import cancel_button
from handlers.common import answer, send
from handlers.kit import flows
from handlers.kit.buttons import AnyApp, button, roles
from handlers.kit.flows import on_flow_press
from handlers.start import GROUP_LABELS

FEATURE = "admin.bind"
Rows = list[list[InlineKeyboardButton]]


def group_kind(role: GroupRole, t: Translator) -> str:
    return t(GROUP_LABELS[role])


def serves(codes: Sequence[str], t: Translator) -> str:
    return ", ".join(codes) if codes else t("admin.groups.whole_community")


def bound_text(group: GroupChat, t: Translator) -> str:
    return t(
        "admin.bind.already",
        kind=group_kind(group.role, t),
        grids=serves([g.code for g in group.grids], t),
    )


async def render(update: Update, context: BotContext, flow: BindGroupFlow) -> None:
    t = context.t
    back = button(t("menu.back"), BindButton(BindAction.BACK))
    if flow.step is BindStep.ROLE:
        picks = [
            button(group_kind(role, t), BindButton(BindAction.ROLE, role.value))
            for role in GroupRole
        ]
        text = t("admin.bind.role", title=flow.title)
        await flows.show(update, context, flow, text, [picks, [cancel_button(t)]])
        return
    assert flow.role is not None
    async with context.services() as svc:
        grids = list(await svc.groups.grids())
    toggles = [
        button(
            ("☑️ " if g.code in flow.grids else "⬜ ") + g.code, BindButton(BindAction.GRID, g.code)
        )
        for g in grids
    ]
    everyone = ("☑️ " if not flow.grids else "⬜ ") + t("admin.groups.whole_community")
    rows: Rows = [
        *rows_of(toggles, 3),
        [button(everyone, BindButton(BindAction.ALL))],
        [button(t("admin.bind.save"), BindButton(BindAction.SAVE))],
        [back, cancel_button(t)],
    ]
    text = t(
        "admin.bind.grids",
        title=flow.title,
        kind=group_kind(flow.role, t),
        grids=serves(flow.grids, t),
    )
    await flows.show(update, context, flow, text, rows)


async def bind_command(update: Update, context: BotContext) -> None:
    """/bind in a group: admins get the form; a bound group says what it is."""
    chat = update.effective_chat
    assert chat is not None
    t = context.t
    if not roles(Role.ADMIN)(context.member):
        await send(update, context, t("admin.bind.refused"))
        return
    async with context.services() as svc:
        group = await svc.groups.by_chat_id(chat.id)
        text = bound_text(group, t) if group is not None else None
    if text is not None:
        await send(update, context, text)
        return
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    title = chat.title or str(chat.id)
    flow = BindGroupFlow(group_chat_id=chat.id, title=title, chat_id=chat.id)
    await render(update, context, flows.begin(context, flow))


async def save(update: Update, context: BotContext, flow: BindGroupFlow) -> str:
    """✅: register the group with its chat id and title."""
    assert context.actor is not None
    assert flow.role is not None
    t = context.t
    flows.end(context)
    try:
        async with context.services() as svc:
            group = await svc.groups.add(
                context.actor,
                chat_id=flow.group_chat_id,
                role=flow.role,
                grid_codes=flow.grids,
                title=flow.title,
            )
            text = t(
                "admin.bind.done",
                kind=group_kind(group.role, t),
                grids=serves([g.code for g in group.grids], t),
            )
    except AlreadyExists:  # another admin was quicker
        async with context.services() as svc:
            bound = await svc.groups.by_chat_id(flow.group_chat_id)
            text = bound_text(bound, t) if bound is not None else t("admin.bind.gone")
        await flows.show(update, context, flow, text)
        return t("admin.bind.already_toast")
    except NotFound:  # a grid was removed meanwhile
        await flows.show(update, context, flow, t("admin.bind.gone"))
        return t("admin.bind.gone")
    await flows.show(update, context, flow, text)
    await commands.set_group_commands(context.application, flow.group_chat_id, flow.role)
    return t("admin.bind.done_toast")


async def on_button(
    update: Update, context: BotContext, data: BindButton, flow: BindGroupFlow | None
) -> None:
    """Every button of the bind form (the admin who typed /bind; see `register`)."""
    if flow is None:  # every button of this form is stamped: `on_flow_press` said so
        await answer(update)
        return
    toast: str | None = None
    if data.action is BindAction.ROLE and flow.step is BindStep.ROLE:
        flow.pick_role(GroupRole(data.value))
        await render(update, context, flow)
    elif data.action is BindAction.GRID and flow.step is BindStep.GRIDS:
        flow.toggle(data.value)
        await render(update, context, flow)
    elif data.action is BindAction.ALL and flow.step is BindStep.GRIDS:
        flow.whole_community()
        await render(update, context, flow)
    elif data.action is BindAction.BACK and flow.back():
        await render(update, context, flow)
    elif data.action is BindAction.SAVE and flow.step is BindStep.GRIDS:
        toast = await save(update, context, flow)
    await answer(update, toast)


def register(application: AnyApp) -> None:
    # Only the admin whose flow it is can act on the form: another admin in the group has no
    # such flow, and `on_flow_press` tells them the step is over.
    on_flow_press(
        application, FEATURE, BindButton, BindGroupFlow, on_button, allow=roles(Role.ADMIN)
    )
