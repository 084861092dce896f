"""📷 ➕ Adding a camera: kind → name (typed) → grid → layer → id (typed or made) → ✅.

The state is `core.flows.camera.AddCameraFlow`. ✅ registers the camera; its token is shown
once in that message (the admin copies it into the camera or gateway now).
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update
from telegram.ext import MessageHandler, filters

from bot.context import BotContext
from core.errors import AlreadyExists, InvalidInput
from core.flows.camera import AddCameraFlow, CameraFlowAction, CameraFlowButton, CameraStep
from core.models import CameraKind, Role
from core.services.cameras import MAX_NAME
from handlers.admin.cameras import CameraAction, CameraButton, kind_label, layer_label, show_list
from handlers.admin.common import grid_label, rows_of
from handlers.cancel import cancel_button
from handlers.common import answer, send
from handlers.kit import flows
from handlers.kit.buttons import AnyApp, button, roles
from handlers.kit.flows import InFlow, on_flow_press

FEATURE = "admin.camera_add"
Rows = list[list[InlineKeyboardButton]]
STEPS = len(CameraStep)


def _b(label: str, action: CameraFlowAction, value: str = "") -> InlineKeyboardButton:
    return button(label, CameraFlowButton(action, value))


async def render(update: Update, context: BotContext, flow: AddCameraFlow) -> None:
    t = context.t
    nav = [_b(t("menu.back"), CameraFlowAction.BACK), cancel_button(t)]
    number = list(CameraStep).index(flow.step) + 1
    head = t("admin.cameras.add_step", step=number, steps=STEPS)
    async with context.services() as svc:
        grids = list(await svc.cameras.grids())
    rows: Rows
    if flow.step is CameraStep.KIND:
        picks = [_b(kind_label(k, t), CameraFlowAction.KIND, k.value) for k in CameraKind]
        body, rows = t("admin.cameras.ask_kind"), [picks, nav]
    elif flow.step is CameraStep.NAME:
        body, rows = t("admin.cameras.ask_name", max=MAX_NAME), [nav]
    elif flow.step is CameraStep.GRID:
        picks = [_b(grid_label(grids, g.id, t), CameraFlowAction.GRID, g.code) for g in grids]
        picks.append(_b(t("admin.no_grid"), CameraFlowAction.GRID, ""))
        body, rows = t("admin.cameras.ask_grid"), [*rows_of(picks, 2), nav]
    elif flow.step is CameraStep.LAYER:
        picks = [_b(layer_label(n, t), CameraFlowAction.LAYER, str(n)) for n in range(1, 5)]
        body, rows = t("admin.cameras.ask_layer"), [*rows_of(picks, 1), nav]
    elif flow.step is CameraStep.ID:
        generate = [_b(t("admin.cameras.generate"), CameraFlowAction.GENERATE)]
        body, rows = t("admin.cameras.ask_id"), [generate, nav]
    else:
        assert flow.kind is not None
        grid_id = next((g.id for g in grids if g.code == flow.grid), None)
        body = t(
            "admin.cameras.summary",
            kind=kind_label(flow.kind, t),
            name=flow.camera_name,
            grid=grid_label(grids, grid_id, t),
            layer=layer_label(flow.layer, t),
            id=flow.camera_id or t("admin.cameras.id_generated"),
        )
        rows = [[_b(t("admin.cameras.save"), CameraFlowAction.SAVE)], nav]
    await flows.show(update, context, flow, f"{head}\n{body}", rows)


async def start(update: Update, context: BotContext) -> None:
    """➕ under the list: the list's message becomes the form."""
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    flow = AddCameraFlow()
    message = update.callback_query.message if update.callback_query else None
    if message is not None:
        flow.chat_id, flow.message_id = message.chat.id, message.message_id
    await render(update, context, flows.begin(context, flow))


async def save(update: Update, context: BotContext, flow: AddCameraFlow) -> str:
    """✅: register; the token is shown once, here."""
    assert context.actor is not None
    assert flow.kind is not None
    t = context.t
    try:
        async with context.services() as svc:
            camera, token = await svc.cameras.add(
                context.actor,
                camera_id=flow.camera_id or None,
                kind=flow.kind,
                name=flow.camera_name,
                grid_code=flow.grid or None,
                layer=flow.layer,
            )
    except AlreadyExists:  # the typed id is taken: type another
        flow.step = CameraStep.ID
        await render(update, context, flow)
        return t("admin.cameras.id_taken", id=flow.camera_id)
    flows.end(context)
    text = t("admin.cameras.added", name=camera.name, id=camera.id, token=token)
    back = [[button(t("menu.back"), CameraButton(CameraAction.LIST))]]
    await flows.show(update, context, flow, text, back)
    return t("admin.cameras.added_toast")


async def on_button(
    update: Update, context: BotContext, data: CameraFlowButton, flow: AddCameraFlow | None
) -> None:
    """Every button of the add form."""
    if flow is None or (data.action is CameraFlowAction.KIND and not data.value):
        # ➕ under the list (a button of no screen) starts a fresh form
        await start(update, context)
        await answer(update)
        return
    step, action = flow.step, data.action
    if action is CameraFlowAction.KIND and step is CameraStep.KIND:
        flow.pick_kind(CameraKind(data.value))
    elif action is CameraFlowAction.GRID and step is CameraStep.GRID:
        flow.pick_grid(data.value)
    elif action is CameraFlowAction.LAYER and step is CameraStep.LAYER:
        flow.pick_layer(int(data.value))
    elif action is CameraFlowAction.GENERATE and step is CameraStep.ID:
        flow.give_id(None)
    elif action is CameraFlowAction.SAVE and step is CameraStep.CONFIRM:
        await answer(update, await save(update, context, flow))
        return
    elif action is CameraFlowAction.BACK and not flow.back():
        flows.end(context)  # back from the first step: the list the form came from
        await show_list(update, context)
        await answer(update)
        return
    await render(update, context, flow)
    await answer(update)


async def on_text(update: Update, context: BotContext) -> None:
    """The typed name or camera id; a wrong one is asked again."""
    flow = flows.current(context, AddCameraFlow)
    assert flow is not None
    assert update.message is not None
    text = update.message.text or ""
    try:
        if flow.step is CameraStep.NAME:
            flow.give_name(text)
        else:
            flow.give_id(text)
    except InvalidInput:
        t = context.t
        naming = flow.step is CameraStep.NAME
        reply = (
            t("admin.cameras.name_invalid", max=MAX_NAME)
            if naming
            else t("admin.cameras.id_invalid")
        )
        await send(update, context, reply)
        return
    await render(update, context, flow)


def register(application: AnyApp) -> None:
    on_flow_press(
        application, FEATURE, CameraFlowButton, AddCameraFlow, on_button, allow=roles(Role.ADMIN)
    )
    typed = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    waiting = InFlow(application, AddCameraFlow, CameraStep.NAME, CameraStep.ID)
    application.add_handler(MessageHandler(typed & waiting, on_text))
