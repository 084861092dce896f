"""Step 4: document photos and a checked face photo per new resident.

A face photo goes through the recognition core (exactly one face, big and sharp enough); a
face that resembles someone already enrolled is shown side by side with that person's photo
so the cadre decides (same person registered again, or a mix-up) before anything is saved.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

import numpy as np
from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.context import BotContext
from bot.i18n import N_
from core.errors import InvalidInput, NotFound
from core.models import PhotoKind
from core.services.photos import sniff_content_type
from handlers.cancel import cancel_button
from handlers.common import answer
from handlers.visit import form, screens
from handlers.visit.draft import Draft, photo_slots, slot_file
from handlers.visit.media import download, incoming_file_id, side_by_side, too_large
from recognition.errors import FaceError, ImageError, Overloaded, RecognitionError
from recognition.faces.base import FaceResult, MatchBand
from recognition.images import open_image

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


async def slot(update: Update, context: BotContext, draft: Draft, args: tuple[Any, ...]) -> None:
    """A photo item was pressed: the next photo the cadre sends goes there."""
    index = None if args[0] is None else int(args[0])
    kind = PhotoKind(str(args[1]))
    await answer(update)
    if (index, kind) not in photo_slots(draft):
        await form.render(update, context, draft)
        return
    draft["ask"] = {"name": "photo", "index": index, "kind": kind.value}
    await form.render(update, context, draft)


async def slot_back(
    update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]
) -> None:
    draft["ask"] = None
    await answer(update)
    await form.render(update, context, draft)


async def on_photo(update: Update, context: BotContext, draft: Draft) -> None:
    t = context.t
    ask = draft.get("ask") or {}
    if ask.get("name") != "photo":  # no item pressed (or an album): the next one still empty
        empty = next_empty_slot(draft)
        if empty is None or ask:
            await form.render(update, context, draft, t("visit.photo.pick_first"))
            return
        ask = draft["ask"] = {"name": "photo", "index": empty[0], "kind": empty[1].value}
    if too_large(update):
        await form.render(update, context, draft, t("visit.photo.too_large"))
        return
    file_id = incoming_file_id(update)
    if file_id is None:
        await form.render(update, context, draft, t("visit.scan.not_an_image"))
        return
    kind, index = PhotoKind(ask["kind"]), ask["index"]
    await context.bot.send_chat_action(draft["chat_id"], ChatAction.UPLOAD_PHOTO)
    try:
        data = await download(context, file_id)
    except TelegramError as exc:
        log.info("photo download failed: %s", exc)
        await form.render(update, context, draft, t("visit.photo.download_failed"))
        return
    if kind is PhotoKind.FACE:
        await _face(update, context, draft, index, file_id, data)
        return
    problem = await asyncio.to_thread(_document_problem, data, context)
    if problem:
        await form.render(update, context, draft, problem)
        return
    if index is None:
        draft["house_photos"][kind.value] = file_id
    else:
        draft["new"][index]["photos"][kind.value] = file_id
    draft["ask"] = None
    await form.render(
        update, context, draft, t("visit.photo.saved", what=t(screens.PHOTO_LABELS[kind]))
    )


def next_empty_slot(draft: Draft) -> tuple[int | None, PhotoKind] | None:
    return next(((i, k) for i, k in photo_slots(draft) if slot_file(draft, i, k) is None), None)


def _document_problem(data: bytes, context: BotContext) -> str:
    """Why a document photo cannot be kept: unreadable, a format the store refuses, too small."""
    try:
        sniff_content_type(data)
        image = open_image(data, max_pixels=context.settings.max_image_pixels)
    except (ImageError, InvalidInput):
        return context.t("visit.photo.unreadable")
    if min(image.size) < MIN_DOCUMENT_SIDE:
        return context.t("visit.photo.too_small")
    return ""


async def _face(
    update: Update, context: BotContext, draft: Draft, index: int, file_id: str, data: bytes
) -> None:
    t = context.t
    core = context.deps.recognition
    if core is None:
        await form.render(update, context, draft, t("visit.face.unavailable"))
        return
    try:
        result = await core.enrol_face(data)
    except FaceError as exc:
        await form.render(
            update, context, draft, t(FACE_PROBLEMS.get(exc.code, "visit.face.none"))
        )
        return
    except Overloaded:
        await form.render(update, context, draft, t("visit.busy"))
        return
    except RecognitionError:
        await form.render(update, context, draft, t("visit.photo.unreadable"))
        return
    face = await _face_record(context, core.face_info.backend, file_id, result)
    similar = [
        (key, similarity)
        for key, similarity in core.gallery.search(result.embedding, k=3)
        if core.face_info.match.band(similarity) is not MatchBand.NO_MATCH
    ]
    if similar:
        await _show_lookalike(update, context, draft, index, face, data, result, similar[0])
        return
    _accept_face(draft, index, face)
    await form.render(update, context, draft, t("visit.face.accepted"))


async def _face_record(
    context: BotContext, backend: str, file_id: str, result: FaceResult
) -> dict[str, Any]:
    async with context.services() as svc:  # the embedding is biometric: sealed in the draft
        sealed = svc.visits.seal(
            base64.b64encode(result.embedding.astype(np.float32).tobytes()).decode()
        )
    return {
        "file_id": file_id,
        "embedding": sealed,
        "quality": round(float(result.face.quality.sharpness), 2),
        "backend": backend,
        "dims": int(result.embedding.shape[0]),
    }


def _accept_face(draft: Draft, index: int, face: dict[str, Any]) -> None:
    draft["new"][index]["face"] = face
    draft["ask"] = None


async def _show_lookalike(
    update: Update,
    context: BotContext,
    draft: Draft,
    index: int,
    face: dict[str, Any],
    data: bytes,
    result: FaceResult,
    hit: tuple[Any, float],
) -> None:
    """The new photo beside the enrolled one, and the cadre's decision."""
    t = context.t
    actor = context.actor
    assert actor is not None
    core = context.deps.recognition
    assert core is not None
    try:
        async with context.services() as svc:
            owner = await svc.visits.face_owner(actor, int(hit[0]))
            enrolled = None
            if owner.photo_id is not None:
                _photo, enrolled = await svc.photos.read(actor, owner.photo_id, flow="visit")
    except NotFound:  # the template is gone since the gallery was built: nothing to compare
        _accept_face(draft, index, face)
        await form.render(update, context, draft, t("visit.face.accepted"))
        return
    band = core.face_info.match.band(hit[1])
    draft["ask"] = {
        "name": "lookalike",
        "index": index,
        "kind": PhotoKind.FACE.value,
        "face": face,
        "person_id": owner.person.id,
        "person_name": owner.person.name,
    }
    caption = t(
        LOOKALIKE_TEXT[band is MatchBand.MATCH],
        new=draft["new"][index]["name"],
        name=owner.person.name,
        id=owner.person.id_number_masked or "—",
        address="；".join(owner.addresses) or "—",
    )
    rows = form.stamp(
        draft,
        [
            [screens.button(t("visit.face.same"), "dup", "same")],
            [screens.button(t("visit.face.other"), "dup", "other")],
            [screens.button(t("visit.face.retake"), "dup", "retake"), cancel_button(t)],
        ],
    )
    box = result.face.box
    picture = await side_by_side(data, (box.left, box.top, box.right, box.bottom), enrolled)
    await form.close_form(context, draft)
    sent = await context.bot.send_photo(
        draft["chat_id"], picture, caption=caption, reply_markup=InlineKeyboardMarkup(rows)
    )
    draft["message_id"] = sent.message_id


async def lookalike_decision(
    update: Update, context: BotContext, draft: Draft, args: tuple[Any, ...]
) -> None:
    t = context.t
    ask = draft.get("ask") or {}
    decision = str(args[0])
    await answer(update)
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:  # the photo stays in the chat as a record; its buttons go
            await query.message.edit_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.debug("could not close the look-alike buttons: %s", exc)
    if ask.get("name") != "lookalike":
        await form.render(update, context, draft)
        return
    index = int(ask["index"])
    item = draft["new"][index]
    if decision == "same":
        item["existing_id"], item["existing_name"] = ask["person_id"], ask["person_name"]
        _accept_face(draft, index, ask["face"])
        note = t("visit.face.linked", name=ask["person_name"])
    elif decision == "other":
        _accept_face(draft, index, ask["face"])
        note = t("visit.face.accepted")
    else:
        draft["ask"] = {"name": "photo", "index": index, "kind": PhotoKind.FACE.value}
        note = ""
    draft["message_id"] = None  # the photo message is not a form: send the form anew
    await form.render(update, context, draft, note)
