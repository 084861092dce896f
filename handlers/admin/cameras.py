"""📷 Cameras: the list (kind, grid, layer, last event), a camera, rotate its token, disable.

Every button is a `CameraButton`; adding a camera is the flow in `handlers.admin.camera_add`.
A token is shown once, in the message that reports it, and never again: the service keeps
only its hash. Rotating and disabling ask first.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import N_, Translator
from core.errors import NotFound
from core.flows.camera import CameraFlowAction, CameraFlowButton
from core.models import Camera, CameraKind, Grid, Role
from core.serial import persistable
from handlers.admin.common import ago, grid_label, page_of, pager
from handlers.common import answer, edit_or_send
from handlers.kit import menu
from handlers.kit.buttons import AnyApp, button, on_press, roles

FEATURE = "admin.cameras"
KIND_LABELS = {
    CameraKind.FACE: N_("admin.cameras.kind.face"),
    CameraKind.PLATE: N_("admin.cameras.kind.plate"),
}
LAYER_LABELS = {
    1: N_("admin.cameras.layer.1"),
    2: N_("admin.cameras.layer.2"),
    3: N_("admin.cameras.layer.3"),
    4: N_("admin.cameras.layer.4"),
}


class CameraAction(enum.StrEnum):
    LIST = "list"
    OPEN = "open"
    ROTATE = "rotate"  # the confirmation
    ROTATE_OK = "rotate_ok"
    DISABLE = "disable"  # the confirmation
    DISABLE_OK = "disable_ok"


@persistable("button.admin_cameras")
@dataclass(frozen=True)
class CameraButton:
    action: CameraAction
    camera_id: str = ""
    page: int = 0


def kind_label(kind: CameraKind, t: Translator) -> str:
    return t(KIND_LABELS[kind])


def layer_label(layer: int, t: Translator) -> str:
    return t(LAYER_LABELS.get(layer, LAYER_LABELS[1]))


def camera_line(camera: Camera, grids: Sequence[Grid], now: datetime, t: Translator) -> str:
    return t(
        "admin.cameras.line",
        icon="📷" if camera.enabled else "⛔",
        name=camera.name,
        id=camera.id,
        kind=kind_label(camera.kind, t),
        grid=grid_label(grids, camera.grid_id, t),
        layer=camera.defence_layer,
        seen=ago(camera.last_seen_at, now, t),
    )


async def show_list(update: Update, context: BotContext, page: int = 0, note: str = "") -> None:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        cameras = list(await svc.cameras.list(context.actor))
        grids = list(await svc.cameras.grids())
        now = svc.cameras.now()
    shown, page, pages = page_of(cameras, page)
    lines = [camera_line(c, grids, now, t) for c in shown]
    text = t("admin.cameras.title", total=len(cameras), page=page + 1, pages=pages)
    text += "\n\n" + ("\n\n".join(lines) if lines else t("admin.cameras.empty"))
    if note:
        text = f"{note}\n\n{text}"
    people: list[list[InlineKeyboardButton]] = [
        [
            button(
                ("📷 " if c.enabled else "⛔ ") + c.name,
                CameraButton(CameraAction.OPEN, c.id, page),
            )
        ]
        for c in shown
    ]
    rows = [
        *people,
        pager(page, pages, lambda p: CameraButton(CameraAction.LIST, page=p)),
        [button(t("admin.cameras.add"), CameraFlowButton(CameraFlowAction.KIND))],
        [menu.back_button(t)],
    ]
    await edit_or_send(update, context, text, InlineKeyboardMarkup([r for r in rows if r]))


async def show_camera(
    update: Update, context: BotContext, data: CameraButton, note: str = ""
) -> None:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        camera = await svc.cameras.get(context.actor, data.camera_id)
        grids = list(await svc.cameras.grids())
        now = svc.cameras.now()
    seen = t.short_datetime(camera.last_seen_at) if camera.last_seen_at else ""
    text = t(
        "admin.cameras.screen",
        name=camera.name,
        id=camera.id,
        kind=kind_label(camera.kind, t),
        grid=grid_label(grids, camera.grid_id, t),
        layer=layer_label(camera.defence_layer, t),
        status=t("admin.cameras.enabled") if camera.enabled else t("admin.cameras.disabled"),
        seen=f"{ago(camera.last_seen_at, now, t)} {seen}".strip(),
    )
    if note:
        text = f"{note}\n\n{text}"
    rows: list[list[InlineKeyboardButton]] = []
    if camera.enabled:
        rows.append(
            [
                button(
                    t("admin.cameras.rotate"),
                    CameraButton(CameraAction.ROTATE, camera.id, data.page),
                ),
                button(
                    t("admin.cameras.disable"),
                    CameraButton(CameraAction.DISABLE, camera.id, data.page),
                ),
            ]
        )
    rows.append([button(t("menu.back"), CameraButton(CameraAction.LIST, page=data.page))])
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def confirm(update: Update, context: BotContext, data: CameraButton) -> None:
    """Rotate or disable: say what happens, ask."""
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        camera = await svc.cameras.get(context.actor, data.camera_id)
    params = {"name": camera.name, "id": camera.id}
    if data.action is CameraAction.ROTATE:
        text, ok = t("admin.cameras.rotate_confirm", **params), CameraAction.ROTATE_OK
        label = t("admin.cameras.rotate_ok")
    else:
        text, ok = t("admin.cameras.disable_confirm", **params), CameraAction.DISABLE_OK
        label = t("admin.cameras.disable_ok")
    rows = [
        [button(label, CameraButton(ok, camera.id, data.page))],
        [button(t("menu.back"), CameraButton(CameraAction.OPEN, camera.id, data.page))],
    ]
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def rotate(update: Update, context: BotContext, data: CameraButton) -> str:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        token = await svc.cameras.rotate_token(context.actor, data.camera_id)
    text = t("admin.cameras.rotated", id=data.camera_id, token=token)
    back = [[button(t("menu.back"), CameraButton(CameraAction.OPEN, data.camera_id, data.page))]]
    await edit_or_send(update, context, text, InlineKeyboardMarkup(back))
    return t("admin.cameras.rotated_toast")


async def disable(update: Update, context: BotContext, data: CameraButton) -> str:
    assert context.actor is not None
    t = context.t
    async with context.services() as svc:
        camera = await svc.cameras.disable(context.actor, data.camera_id)
    await show_camera(update, context, data, t("admin.cameras.disabled_note", name=camera.name))
    return t("admin.cameras.disabled_toast")


async def on_button(update: Update, context: BotContext, data: CameraButton) -> None:
    """Every cameras button except the add flow's (admins only: see `register`)."""
    toast: str | None = None
    try:
        if data.action is CameraAction.LIST:
            await show_list(update, context, data.page)
        elif data.action is CameraAction.OPEN:
            await show_camera(update, context, data)
        elif data.action in (CameraAction.ROTATE, CameraAction.DISABLE):
            await confirm(update, context, data)
        elif data.action is CameraAction.ROTATE_OK:
            toast = await rotate(update, context, data)
        elif data.action is CameraAction.DISABLE_OK:
            toast = await disable(update, context, data)
    except NotFound:
        await answer(update, context.t("admin.cameras.gone"), alert=True)
        await show_list(update, context, data.page)
        return
    await answer(update, toast)


async def cameras_menu(update: Update, context: BotContext) -> None:
    """Menu item 📷."""
    await show_list(update, context)
    await answer(update)


def register(application: AnyApp) -> None:
    on_press(application, FEATURE, CameraButton, on_button, allow=roles(Role.ADMIN))
    menu.serve(application, "cameras", cameras_menu, Role.ADMIN)
