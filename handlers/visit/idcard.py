"""A photo of the ID card at the ID-number question: the number is read, the cadre confirms.

Only a reading whose check digit holds is offered (masked, as everywhere); anything else asks
the cadre to type the number. The photo is kept as the resident's ID-card front either way, so
step 4 does not ask for it again.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.context import BotContext
from core.idnumber import mask_id_number
from core.models import PhotoKind
from handlers.cancel import cancel_button
from handlers.common import answer
from handlers.visit import form, residents, screens
from handlers.visit.draft import Draft
from handlers.visit.media import download, incoming_file_id
from recognition.errors import Overloaded, RecognitionError

log = logging.getLogger(__name__)


async def on_photo(update: Update, context: BotContext, draft: Draft) -> None:
    t = context.t
    item = draft["ask"]["item"]
    file_id = incoming_file_id(update)
    core = context.deps.recognition
    if file_id is None:
        await form.render(update, context, draft, t("visit.scan.not_an_image"))
        return
    if core is None:
        await form.render(update, context, draft, t("visit.idcard.unavailable"))
        return
    await context.bot.send_chat_action(draft["chat_id"], ChatAction.TYPING)
    try:
        reading = await core.read_id_number(await download(context, file_id))
    except (TelegramError, Overloaded, RecognitionError) as exc:
        log.info("ID card photo not read: %s", exc)
        await form.render(update, context, draft, t("visit.idcard.not_read"))
        return
    item["photos"][PhotoKind.ID_FRONT.value] = file_id
    if reading is None or not reading.valid_checksum:
        await form.render(update, context, draft, t("visit.idcard.not_read_kept"))
        return
    async with context.services() as svc:
        draft["ask"]["read"] = svc.visits.seal(reading.text)
    text = (
        screens.header(t, draft)
        + "\n\n"
        + t("visit.idcard.read", number=mask_id_number(reading.text), name=item["name"])
    )
    rows = [
        [screens.button(t("visit.idcard.use"), "id_use")],
        [screens.button(t("visit.idcard.type"), "id_type"), cancel_button(t)],
    ]
    await form.show(update, context, draft, text, rows)


async def use(update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]) -> None:
    """✅ the number read from the photo is right: as if typed."""
    ask = draft.get("ask") or {}
    sealed = ask.pop("read", None)
    if ask.get("name") != "new_id" or sealed is None:
        await answer(update)
        await form.render(update, context, draft)
        return
    async with context.services() as svc:
        number = svc.visits.unseal(sealed)
    await answer(update, context.t("visit.toast.saved"))
    note = await residents.accept_id_number(context, draft, ask["item"], number)
    await form.render(update, context, draft, note)


async def type_it(
    update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]
) -> None:
    """✏️ the reading is wrong: back to the question (the photo stays as the ID front)."""
    (draft.get("ask") or {}).pop("read", None)
    await answer(update)
    await form.render(update, context, draft)
