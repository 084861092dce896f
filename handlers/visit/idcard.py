"""A photo of the ID card at the ID-number question: the number is read, the cadre confirms.

Only a reading whose check digit holds is offered (masked, as everywhere); anything else asks
the cadre to type the number. The photo is kept as the resident's ID-card front either way, so
step 4 does not ask for it again, and the chat message is deleted after the upload.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.context import BotContext
from core.flows.visit import Question, VisitButton, VisitFlow
from core.idnumber import mask_id_number
from core.models import PhotoKind
from handlers.common import answer
from handlers.kit.images import image_problem
from handlers.visit import residents
from handlers.visit.form import render
from handlers.visit.media import download, incoming_file_id
from recognition.errors import ImageError, Overloaded, RecognitionError

log = logging.getLogger(__name__)


async def on_photo(update: Update, context: BotContext, flow: VisitFlow) -> None:
    t = context.t
    item, ask = flow.adding, flow.ask
    assert item is not None
    assert ask is not None
    assert update.message is not None
    flow.keep_private(update.message.message_id)
    file_id = incoming_file_id(update)
    core = context.deps.recognition
    if file_id is None:
        await render(update, context, flow, t("visit.photo.not_an_image"))
        return
    if core is None:
        await render(update, context, flow, t("visit.idcard.unavailable"))
        return
    await context.bot.send_chat_action(update.message.chat_id, ChatAction.TYPING)
    try:
        reading = await core.read_id_number(await download(context, file_id))
    except ImageError as exc:  # blank, too small, not a picture …: say which
        log.info("ID card photo refused: %s", exc.code)
        await render(update, context, flow, image_problem(t, exc, "visit.idcard.not_read"))
        return
    except (TelegramError, Overloaded, RecognitionError) as exc:
        log.info("ID card photo not read: %s", exc)
        await render(update, context, flow, t("visit.idcard.not_read"))
        return
    item.photos[PhotoKind.ID_FRONT.value] = file_id
    if reading is None or not reading.valid_checksum:
        await render(update, context, flow, t("visit.idcard.not_read_kept"))
        return
    async with context.services() as svc:
        ask.read = svc.visits.seal(reading.text)
    ask.read_masked = mask_id_number(reading.text)
    await render(update, context, flow)


async def use(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    """✅ the number read from the photo is right: as if typed."""
    ask, item = flow.ask, flow.adding
    if ask is None or item is None or ask.question is not Question.ID or ask.read is None:
        await answer(update)
        await render(update, context, flow)
        return
    async with context.services() as svc:
        number = svc.visits.unseal(ask.read)
    await answer(update, context.t("visit.toast.saved"))
    note = await residents.accept_id_number(context, flow, item, number)
    await render(update, context, flow, note)


async def type_it(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    """✏️ the reading is wrong: back to the question (the photo stays as the ID front)."""
    if flow.ask is not None:
        flow.ask.read, flow.ask.read_masked = None, ""
    await answer(update)
    await render(update, context, flow)
