"""📋 📷 Add one more face photo to a watched person: 📷 on the entry → the photo (quality
gate) → added at once, and the reply says how many photos the person now has. The state is
`core.flows.watch_photo`; the limit and which photo goes are the service's."""

from __future__ import annotations

import numpy as np
from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.context import BotContext
from core.errors import InvalidInput, NotFound
from core.flows.watch_photo import (
    WatchPhotoAction,
    WatchPhotoButton,
    WatchPhotoFlow,
    WatchPhotoStep,
)
from core.services.face_templates import FaceEnrolment
from handlers.cancel import cancel_button
from handlers.common import answer, send
from handlers.kit import flows
from handlers.kit.buttons import AnyApp, button
from handlers.kit.flows import InFlow, on_flow_press
from handlers.kit.images import checked_face
from handlers.visit.media import download, incoming_file_id
from handlers.watchlists.add import FACE_PROBLEMS, MANAGERS
from handlers.watchlists.listing import show_entry

FEATURE = "watchlists.photo"


async def render(update: Update, context: BotContext, flow: WatchPhotoFlow, text: str) -> None:
    t = context.t
    back = button(t("menu.back"), WatchPhotoButton(WatchPhotoAction.BACK, flow.entry_id))
    await flows.show(update, context, flow, text, [[back, cancel_button(t)]])


async def start(update: Update, context: BotContext, entry_id: int) -> None:
    """📷 on an entry: its message becomes the form, with the person's photo count."""
    t, actor, core = context.t, context.actor, context.deps.recognition
    assert actor is not None
    if core is None:
        await answer(update, t("watchlists.photo.unavailable"), alert=True)
        return
    try:
        async with context.services() as svc:
            faces = await svc.watchlists.faces(actor, entry_id, core.face_info.backend)
    except NotFound:
        faces = None
    if faces is None or not faces.entry.live or faces.entry.person_id is None:
        await answer(update, t("watchlists.gone"), alert=True)
        return
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    flow = WatchPhotoFlow(entry_id=entry_id)
    message = update.callback_query.message if update.callback_query else None
    if message is not None:
        flow.chat_id, flow.message_id = message.chat.id, message.message_id
    title = t.ngettext(
        "watchlists.photo.title",
        "watchlists.photo.title.plural",
        faces.count,
        subject=faces.entry.subject,
        limit=faces.limit,
    )
    await render(
        update, context, flows.begin(context, flow), f"{title}\n{t('watchlists.photo.ask')}"
    )
    await answer(update)


async def on_button(
    update: Update, context: BotContext, data: WatchPhotoButton, flow: WatchPhotoFlow | None
) -> None:
    """📷 on an entry, and Back from the form (Cancel is the global one)."""
    if data.action is WatchPhotoAction.START:
        await start(update, context, data.entry_id)
        return
    flows.end(context)
    try:
        await show_entry(update, context, flow.entry_id if flow else data.entry_id)
    except NotFound:
        await answer(update, context.t("watchlists.gone"), alert=True)
        return
    await answer(update)


async def on_photo(update: Update, context: BotContext) -> None:
    """The photo: through the quality gate, then one more template of the person."""
    flow = flows.current(context, WatchPhotoFlow)
    assert flow is not None
    t, actor, core = context.t, context.actor, context.deps.recognition
    assert actor is not None
    file_id = incoming_file_id(update)
    if file_id is None:  # an image document too large to fetch
        await render(update, context, flow, t("watchlists.photo.ask"))
        return
    if core is None:
        await render(update, context, flow, t("watchlists.photo.unavailable"))
        return
    data = await download(context, file_id)
    result = await checked_face(core, data, t, FACE_PROBLEMS)
    if isinstance(result, str):
        await render(update, context, flow, f"{result}\n{t('watchlists.photo.ask')}")
        return
    vector = np.asarray(result.embedding, dtype=np.float32)
    face = FaceEnrolment(
        data,
        vector.tobytes(),
        core.face_info.backend,
        int(vector.size),
        round(float(result.face.quality.sharpness), 2),
    )
    try:
        async with context.services() as svc:
            added = await svc.watchlists.add_photo(actor, flow.entry_id, face)
    except (InvalidInput, NotFound):  # ended or purged while the photo was on its way
        added = None
    flows.end(context)
    await flows.close_form(context, flow)  # the entry below is the newest screen
    if added is None:
        await send(update, context, t("watchlists.gone"))
        return
    template = added.template
    core.gallery.upsert(template.template_id, vector)  # matched from the next camera event on
    for dropped in template.dropped:  # over the limit: out of matching at once
        core.gallery.remove(dropped)
    note = t.ngettext(
        "watchlists.photo.added",
        "watchlists.photo.added.plural",
        template.count,
        limit=template.limit,
    )
    if template.dropped:
        dropped_note = t.ngettext(
            "watchlists.photo.dropped", "watchlists.photo.dropped.plural", len(template.dropped)
        )
        note = f"{note}\n{dropped_note}"
    await show_entry(update, context, flow.entry_id, note=note)


async def on_text(update: Update, context: BotContext) -> None:
    """Typed text while a photo is awaited: ask for the photo again."""
    flow = flows.current(context, WatchPhotoFlow)
    assert flow is not None
    await render(update, context, flow, context.t("watchlists.photo.ask"))


def register(application: AnyApp) -> None:
    on_flow_press(
        application, FEATURE, WatchPhotoButton, WatchPhotoFlow, on_button, allow=MANAGERS
    )
    private = filters.ChatType.PRIVATE
    waiting = InFlow(application, WatchPhotoFlow, WatchPhotoStep.PHOTO)
    pictures = private & (filters.PHOTO | filters.Document.IMAGE)
    application.add_handler(MessageHandler(pictures & waiting, on_photo))
    typed = private & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(typed & waiting, on_text))
