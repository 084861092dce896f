"""Step 4: document photos, a checked face photo per new resident, and a fresh one of any
resident who stays (a yearly visit refreshes the gate's picture of them).

A face photo goes through the recognition core (exactly one face, big and sharp enough); a
face that resembles someone already enrolled is shown side by side with that person's photo
so the cadre decides (same person registered again, or a mix-up) before anything is saved.
A staying resident's photo that matches their own templates is the normal case; one whose
closest match is somebody else's face is shown side by side too, but the choice is only
"it is them, keep it" or "retake": they already have a record, and calling them the same
person as another record would be a merge that a visit cannot make.
The cadre's messages holding a resident's face or identity documents are remembered in the
flow and deleted from the chat after the upload.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import numpy as np
from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.context import BotContext
from bot.i18n import N_
from core.errors import InvalidInput, NotFound
from core.flows.visit import PERSONAL_PHOTOS, AskKind, FaceDraft, Slot, VisitButton, VisitFlow
from core.models import PhotoKind
from core.services.photos import sniff_content_type
from handlers.cancel import cancel_button
from handlers.common import answer
from handlers.kit import flows
from handlers.kit.buttons import keyboard
from handlers.kit.images import checked_face, image_problem
from handlers.visit import parts
from handlers.visit.form import render
from handlers.visit.media import (
    download,
    incoming_file_id,
    side_by_side,
    too_large,
)
from handlers.visit.photo_screens import owner_name
from recognition.errors import ImageError, Overloaded
from recognition.faces.base import FaceResult, MatchBand

log = logging.getLogger(__name__)

MIN_DOCUMENT_SIDE = 480  # smaller than this, a document photo is unreadable
LOOKALIKE_TEXT = {True: N_("visit.face.lookalike"), False: N_("visit.face.maybe")}
FACE_PROBLEMS = {
    "face_none": "visit.face.none",
    "face_several": "visit.face.several",
    "face_too_small": "visit.face.too_small",
    "face_blurred": "visit.face.blurred",
    "face_pose": "visit.face.pose",
}
# A staying resident's photo: not "a new resident" on their own.
STAYING_PROBLEMS = {**FACE_PROBLEMS, "face_several": "visit_faces.several"}
DECISIONS = {"same": True, "other": False, "retake": None}


async def slot(update: Update, context: BotContext, data: VisitButton, flow: VisitFlow) -> None:
    """A photo item was pressed: the next photo the cadre sends goes there."""
    await answer(update)
    flow.ask_photo(data.index, PhotoKind(data.value), data.rid)
    await render(update, context, flow)


async def face_drop(
    update: Update, context: BotContext, data: VisitButton, flow: VisitFlow
) -> None:
    """🗑 on a staying resident's fresh face: it was taken by mistake."""
    resident = flow.resident(data.rid)
    if not flow.drop_face(data.rid):  # already gone (a second tap)
        await answer(update)
        await render(update, context, flow)
        return
    await answer(update, context.t("visit_faces.dropped_toast"))
    name = resident.name if resident else "?"
    await render(update, context, flow, context.t("visit_faces.dropped", name=name))


async def slot_back(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    flow.close_ask()
    await answer(update)
    await render(update, context, flow)


async def on_photo(update: Update, context: BotContext, flow: VisitFlow) -> None:
    t = context.t
    message = update.message
    assert message is not None
    ask = flow.ask
    if ask is None:  # no item pressed: the next empty one
        empty = flow.next_empty_slot()
        if empty is not None:
            flow.ask_photo(*empty)
            ask = flow.ask
    if ask is None or ask.kind is not AskKind.PHOTO or ask.photo is None:  # or an album
        await render(update, context, flow, t("visit.photo.pick_first"))
        return
    slot = Slot(ask.index, ask.photo, ask.rid)
    index, kind = slot.new, slot.kind
    if (index is not None or slot.rid) and kind in PERSONAL_PHOTOS:
        flow.keep_private(message.message_id)
    if too_large(update):
        await render(update, context, flow, t("visit.photo.too_large"))
        return
    file_id = incoming_file_id(update)
    if file_id is None:
        await render(update, context, flow, t("visit.photo.not_an_image"))
        return
    await context.bot.send_chat_action(message.chat_id, ChatAction.UPLOAD_PHOTO)
    try:
        data = await download(context, file_id)
    except TelegramError as exc:
        log.info("photo download failed: %s", exc)
        await render(update, context, flow, t("visit.photo.download_failed"))
        return
    if kind is PhotoKind.FACE and (index is not None or slot.rid):
        await _face(update, context, flow, slot, file_id, data)
        return
    problem = await _document_problem(data, context)
    if problem:
        await render(update, context, flow, problem)
        return
    flow.set_photo(index, kind, file_id)
    await render(update, context, flow, t("visit.photo.saved", what=t(parts.PHOTO_LABELS[kind])))


async def _document_problem(data: bytes, context: BotContext) -> str:
    """Why a document photo cannot be kept (checked in the recognition workers): too small,
    blank, a format the store refuses, unreadable; "" when it can be kept."""
    t, core = context.t, context.deps.recognition
    if core is None:  # no workers: the store's own format check still holds
        try:
            sniff_content_type(data)
        except InvalidInput:
            return t("visit.photo.unreadable")
        return ""
    try:
        await core.check_document(data, min_side=MIN_DOCUMENT_SIDE)
    except Overloaded:
        return t("visit.busy")
    except ImageError as exc:
        if exc.code == "image_too_small":
            return t("visit.photo.too_small")
        return image_problem(t, exc, "visit.photo.unreadable")
    return ""


async def _face(
    update: Update, context: BotContext, flow: VisitFlow, slot: Slot, file_id: str, data: bytes
) -> None:
    t = context.t
    core = context.deps.recognition
    if core is None:
        await render(update, context, flow, t("visit.face.unavailable"))
        return
    result = await checked_face(core, data, t, STAYING_PROBLEMS if slot.rid else FACE_PROBLEMS)
    if isinstance(result, str):
        await render(update, context, flow, result)
        return
    face = await _face_draft(context, core.face_info.backend, file_id, result)
    hits = core.gallery.search(result.embedding, k=1 if slot.rid else 3)
    if slot.rid:  # only a sure match with somebody else's face is worth a question
        similar = [h for h in hits if core.face_info.match.band(h[1]) is MatchBand.MATCH]
        if similar and not await _own_face(context, flow, slot.rid, int(similar[0][0])):
            await _show_lookalike(update, context, flow, slot, face, data, result, similar[0])
            return
        await _accept(update, context, flow, slot, face)
        return
    similar = [h for h in hits if core.face_info.match.band(h[1]) is not MatchBand.NO_MATCH]
    if similar:
        await _show_lookalike(update, context, flow, slot, face, data, result, similar[0])
        return
    await _accept(update, context, flow, slot, face)


async def _own_face(context: BotContext, flow: VisitFlow, rid: int, template_id: int) -> bool:
    """Whether the closest enrolled face is the staying resident's own (or gone since)."""
    actor = context.actor
    assert actor is not None
    async with context.services() as svc:
        person_id = await svc.visits.template_person(actor, template_id)
    resident = flow.resident(rid)
    return person_id is None or (resident is not None and person_id == resident.pid)


async def _accept(
    update: Update, context: BotContext, flow: VisitFlow, slot: Slot, face: FaceDraft
) -> None:
    flow.accept_face(slot.new, face, slot.rid)
    await render(update, context, flow, _accepted(context, flow, slot.rid))


def _accepted(context: BotContext, flow: VisitFlow, rid: int) -> str:
    if not rid:
        return context.t("visit.face.accepted")
    resident = flow.resident(rid)
    return context.t("visit_faces.accepted", name=resident.name if resident else "?")


async def _face_draft(
    context: BotContext, backend: str, file_id: str, result: FaceResult
) -> FaceDraft:
    async with context.services() as svc:  # the embedding is biometric: sealed in the draft
        sealed = svc.visits.seal(
            base64.b64encode(result.embedding.astype(np.float32).tobytes()).decode()
        )
    return FaceDraft(
        file_id=file_id,
        embedding=sealed,
        quality=round(float(result.face.quality.sharpness), 2),
        backend=backend,
        dims=int(result.embedding.shape[0]),
    )


async def _show_lookalike(
    update: Update,
    context: BotContext,
    flow: VisitFlow,
    slot: Slot,
    face: FaceDraft,
    data: bytes,
    result: FaceResult,
    hit: tuple[Any, float],
) -> None:
    """The new photo beside the enrolled one, and the cadre's decision."""
    t = context.t
    actor = context.actor
    core = context.deps.recognition
    assert actor is not None
    assert core is not None
    try:
        async with context.services() as svc:
            owner = await svc.visits.face_owner(actor, int(hit[0]))
            enrolled = None
            if owner.photo_id is not None:
                _photo, enrolled = await svc.photos.read(actor, owner.photo_id, flow="visit")
    except NotFound:  # the template is gone since the gallery was built: nothing to compare
        await _accept(update, context, flow, slot, face)
        return
    band = core.face_info.match.band(hit[1])
    flow.ask_lookalike(slot.new, face, owner.person.id, owner.person.name, slot.rid)
    details = {
        "name": owner.person.name,
        "id": owner.person.id_number_masked or "—",
        "address": "；".join(owner.addresses) or "—",
    }
    A, vb = parts.A, parts.vb
    who = owner_name(t, flow, slot)
    retake = [vb(t("visit.face.retake"), A.LOOKALIKE, value="retake"), cancel_button(t)]
    if slot.rid:
        caption = t("visit_faces.lookalike", resident=who, **details)
        rows = [[vb(t("visit_faces.keep", name=who), A.LOOKALIKE, value="other")], retake]
    else:
        caption = t(LOOKALIKE_TEXT[band is MatchBand.MATCH], new=who, **details)
        rows = [
            [vb(t("visit.face.same"), A.LOOKALIKE, value="same")],
            [vb(t("visit.face.other"), A.LOOKALIKE, value="other")],
            retake,
        ]
    box = result.face.box
    picture = await side_by_side(data, (box.left, box.top, box.right, box.bottom), enrolled)
    await flows.close_form(context, flow)
    assert flow.chat_id is not None
    sent = await context.bot.send_photo(
        flow.chat_id, picture, caption=caption, reply_markup=keyboard(flows.stamp(flow, rows))
    )
    flow.message_id = sent.message_id


async def lookalike_decision(
    update: Update, context: BotContext, data: VisitButton, flow: VisitFlow
) -> None:
    t = context.t
    await answer(update)
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:  # the photo stays in the chat as a record; its buttons go
            await query.message.edit_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.debug("could not close the look-alike buttons: %s", exc)
    if flow.ask is None or flow.ask.kind is not AskKind.LOOKALIKE:
        await render(update, context, flow)
        return
    same, rid = DECISIONS.get(data.value), flow.ask.rid
    linked = flow.decide_lookalike(same)
    note = ""
    if linked is not None:
        note = t("visit.face.linked", name=linked)
    elif same is False:
        note = _accepted(context, flow, rid)
    flow.message_id = None  # the photo message is not a form: send the form anew
    await render(update, context, flow, note)
