"""📋 ➕ Adding an entry from the chat: a face photo (quality gate) and a name, or a plate →
the reason → the authority → the expiry → ✅. The state is `core.flows.watch_add`."""

from __future__ import annotations

import base64
from datetime import timedelta

import numpy as np
from telegram import InlineKeyboardButton, Update
from telegram.ext import MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Translator
from core.errors import InvalidInput, NotFound
from core.flows.watch_add import AddWatchFlow, WatchFlowAction, WatchFlowButton, WatchStep
from core.models import Role, WatchlistKind
from core.services.visits import FaceEnrolment
from core.services.watchlists import DEFAULT_DAYS, MAX_AUTHORITY, MAX_REASON
from handlers.cancel import cancel_button
from handlers.common import answer, send
from handlers.kit import flows
from handlers.kit.buttons import AnyApp, button, roles
from handlers.kit.flows import InFlow, on_flow_press
from handlers.kit.images import checked_face
from handlers.visit.media import download, incoming_file_id
from handlers.watchlists.listing import kind_label, show_list

FEATURE = "watchlists.add"
MANAGERS = roles(Role.POLICE, Role.ADMIN)
FACE_PROBLEMS = {
    "face_none": N_("watchlists.face.none"),
    "face_several": N_("watchlists.face.several"),
    "face_too_small": N_("watchlists.face.too_small"),
    "face_blurred": N_("watchlists.face.blurred"),
    "face_pose": N_("watchlists.face.pose"),
}
Rows = list[list[InlineKeyboardButton]]


def _b(label: str, action: WatchFlowAction, value: int = 0) -> InlineKeyboardButton:
    return button(label, WatchFlowButton(action, value=value))


def _default_label(flow: AddWatchFlow, t: Translator) -> str:
    days = DEFAULT_DAYS.get(flow.list_kind)
    return t("watchlists.expiry.default", days=days) if days else t("watchlists.until_found")


async def render(update: Update, context: BotContext, flow: AddWatchFlow, note: str = "") -> None:
    t = context.t
    nav = [_b(t("menu.back"), WatchFlowAction.BACK), cancel_button(t)]
    steps = flow.steps()
    head = t("watchlists.add.step", step=steps.index(flow.step) + 1, steps=len(steps))
    rows: Rows = [nav]
    if flow.step is WatchStep.SUBJECT:
        body = t("watchlists.add.ask_plate") if flow.is_plate else t("watchlists.add.ask_photo")
    elif flow.step is WatchStep.NAME:
        body = t("watchlists.add.ask_name")
    elif flow.step is WatchStep.REASON:
        body = t("watchlists.add.ask_reason", max=MAX_REASON)
    elif flow.step is WatchStep.AUTHORITY:
        body = t("watchlists.add.ask_authority", max=MAX_AUTHORITY)
    elif flow.step is WatchStep.EXPIRY:
        picks = [_b(_default_label(flow, t), WatchFlowAction.EXPIRY, 0)]
        picks += [
            _b(t("watchlists.expiry.days", days=d), WatchFlowAction.EXPIRY, d) for d in (30, 180)
        ]
        body, rows = t("watchlists.add.ask_expiry"), [picks, nav]
    else:
        expiry = (
            t("watchlists.expiry.days", days=flow.days) if flow.days else _default_label(flow, t)
        )
        body = t(
            "watchlists.add.summary",
            kind=kind_label(flow.list_kind, t),
            subject=flow.plate if flow.is_plate else flow.person_name,
            reason=flow.reason,
            authority=flow.authority,
            expiry=expiry,
        )
        rows = [[_b(t("watchlists.add.save"), WatchFlowAction.SAVE)], nav]
    text = "\n".join(part for part in (note, head, body) if part)
    await flows.show(update, context, flow, text, rows)


async def start(update: Update, context: BotContext, list_id: int) -> None:
    """➕ under a list: that list's message becomes the form."""
    assert context.actor is not None
    async with context.services() as svc:
        kind = next(w.kind for w in await svc.watchlists.lists(context.actor) if w.id == list_id)
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    flow = AddWatchFlow(list_id=list_id, list_kind=WatchlistKind(kind))
    message = update.callback_query.message if update.callback_query else None
    if message is not None:
        flow.chat_id, flow.message_id = message.chat.id, message.message_id
    await render(update, context, flows.begin(context, flow))


async def save(update: Update, context: BotContext, flow: AddWatchFlow) -> str:
    """✅: write the entry (a person: the photo, the template, then the entry)."""
    actor, t = context.actor, context.t
    assert actor is not None
    core = context.deps.recognition
    photo = b""
    if not flow.is_plate:
        photo = await download(context, flow.photo_file_id)
    async with context.services() as svc:
        expires = svc.watchlists.now() + timedelta(days=flow.days) if flow.days else None
        if flow.is_plate:
            entry = await svc.watchlists.add_plate(
                actor,
                flow.list_id,
                flow.plate,
                reason=flow.reason,
                authority=flow.authority,
                expires=expires,
            )
            subject = entry.plate or flow.plate
            template = None
        else:
            embedding = base64.b64decode(svc.visits.unseal(flow.embedding))
            face = FaceEnrolment(photo, embedding, flow.backend, flow.dims, flow.quality)
            added = await svc.watchlists.add_face(
                actor,
                flow.list_id,
                name=flow.person_name,
                face=face,
                reason=flow.reason,
                authority=flow.authority,
                expires=expires,
            )
            subject, template = added.entry.subject, (added.template_id, embedding)
    if template is not None and core is not None:  # matched from the next camera event on
        core.gallery.upsert(template[0], np.frombuffer(template[1], dtype=np.float32))
    flows.end(context)
    await show_list(update, context, flow.list_id, note=t("watchlists.added", subject=subject))
    return t("watchlists.added_toast")


async def on_button(
    update: Update, context: BotContext, data: WatchFlowButton, flow: AddWatchFlow | None
) -> None:
    """Every button of the add form."""
    if data.action is WatchFlowAction.START:
        try:
            await start(update, context, data.list_id)
        except StopIteration:
            await answer(update, context.t("watchlists.gone"), alert=True)
            return
        await answer(update)
        return
    if flow is None:
        await answer(update, context.t("flow.expired"), alert=True)
        return
    action, step = data.action, flow.step
    if action is WatchFlowAction.EXPIRY and step is WatchStep.EXPIRY:
        flow.pick_expiry(data.value)
    elif action is WatchFlowAction.SAVE and step is WatchStep.CONFIRM:
        try:
            await answer(update, await save(update, context, flow))
        except (InvalidInput, NotFound):
            await answer(update, context.t("watchlists.gone"), alert=True)
        return
    elif action is WatchFlowAction.BACK and not flow.back():
        flows.end(context)  # back from the first step: the list the form came from
        await show_list(update, context, flow.list_id)
        await answer(update)
        return
    await render(update, context, flow)
    await answer(update)


async def on_text(update: Update, context: BotContext) -> None:
    """The typed plate, name, reason or authority; a wrong one is asked again."""
    flow = flows.current(context, AddWatchFlow)
    assert flow is not None
    assert update.message is not None
    text, t = update.message.text or "", context.t
    try:
        if flow.step is WatchStep.SUBJECT:
            if not flow.is_plate:
                await send(update, context, t("watchlists.add.ask_photo"))
                return
            flow.give_plate(text)
        elif flow.step is WatchStep.NAME:
            flow.give_name(text)
        elif flow.step is WatchStep.REASON:
            flow.give_reason(text)
        elif flow.step is WatchStep.AUTHORITY:
            flow.give_authority(text)
        else:
            return
    except InvalidInput as exc:
        key = {
            WatchStep.SUBJECT: "watchlists.add.plate_invalid",
            WatchStep.NAME: "watchlists.add.name_invalid",
            WatchStep.REASON: "watchlists.add.reason_invalid",
            WatchStep.AUTHORITY: "watchlists.add.authority_invalid",
        }[flow.step]
        del exc
        await send(
            update,
            context,
            t(key, max=MAX_REASON if flow.step is WatchStep.REASON else MAX_AUTHORITY),
        )
        return
    await render(update, context, flow)


async def on_photo(update: Update, context: BotContext) -> None:
    """The face photo: through the quality gate; the embedding is kept sealed in the flow."""
    flow = flows.current(context, AddWatchFlow)
    assert flow is not None
    t = context.t
    file_id = incoming_file_id(update)
    core = context.deps.recognition
    if flow.is_plate or file_id is None:
        await send(update, context, t("watchlists.add.ask_plate"))
        return
    if core is None:
        await render(update, context, flow, t("watchlists.face.unavailable"))
        return
    data = await download(context, file_id)
    result = await checked_face(core, data, t, FACE_PROBLEMS)
    if isinstance(result, str):
        await render(update, context, flow, result)
        return
    vector = np.asarray(result.embedding, dtype=np.float32)
    async with context.services() as svc:  # the embedding is biometric: sealed in the draft
        sealed = svc.visits.seal(base64.b64encode(vector.tobytes()).decode())
    flow.give_face(
        file_id,
        sealed,
        backend=core.face_info.backend,
        dims=int(vector.size),
        quality=round(float(result.face.quality.sharpness), 2),
    )
    await render(update, context, flow, t("watchlists.add.face_ok"))


def register(application: AnyApp) -> None:
    on_flow_press(application, FEATURE, WatchFlowButton, AddWatchFlow, on_button, allow=MANAGERS)
    private = filters.ChatType.PRIVATE
    typed = private & filters.TEXT & ~filters.COMMAND
    waiting = InFlow(
        application,
        AddWatchFlow,
        WatchStep.SUBJECT,
        WatchStep.NAME,
        WatchStep.REASON,
        WatchStep.AUTHORITY,
    )
    application.add_handler(MessageHandler(typed & waiting, on_text))
    pictures = private & (filters.PHOTO | filters.Document.IMAGE)
    photo_step = InFlow(application, AddWatchFlow, WatchStep.SUBJECT)
    application.add_handler(MessageHandler(pictures & photo_step, on_photo))
