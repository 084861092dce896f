"""Step 1: the cadre photographs the house card (or types the code, or opens its QR link)."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.context import BotContext
from bot.i18n import N_
from core.errors import InvalidToken, NotFound
from core.models import Member
from core.roles import Permission
from core.services import actor_for
from handlers.common import answer, send
from handlers.kit.flows import begin as begin_flow
from handlers.kit.flows import end as end_flow
from handlers.visit import form, screens
from handlers.visit.draft import (
    Draft,
    LegacyVisit,
    enter,
    load_house,
    new_draft,
    reload_residents,
)
from handlers.visit.media import download_image
from recognition.errors import Overloaded, RecognitionError
from recognition.images import BLURRED_BELOW, load_rgb, sharpness

log = logging.getLogger(__name__)

CARD_LINK_MARK = "start=h_"
TOKEN_ERRORS = {
    "revoked": "visit.scan.revoked",
    "forged": "visit.scan.forged",
    "malformed": "visit.scan.foreign",
    "unknown_house": "visit.scan.foreign",
}


NO_CODE = {True: N_("visit.scan.blurred"), False: N_("visit.scan.no_code")}


def _blurred(data: bytes, max_pixels: int) -> bool:
    """Whether a photo without a readable code is simply out of focus (says what to fix)."""
    try:
        return sharpness(load_rgb(data, max_pixels=max_pixels)) < BLURRED_BELOW
    except RecognitionError:
        return False


def may_visit(member: Member | None) -> bool:
    return member is not None and actor_for(member).can(Permission.VISIT_HOUSES)


async def start(update: Update, context: BotContext) -> None:
    """/visit or the menu's 📝: begin, or offer to resume the unfinished visit."""
    await answer(update)
    if not may_visit(context.member):
        await send(update, context, context.t("visit.not_allowed"))
        return
    draft = form.draft_of(context)
    if draft is not None and draft.get("house"):
        await offer_resume(update, context, draft)
        return
    await begin(update, context)


async def offer_resume(
    update: Update, context: BotContext, draft: Draft, *, token: str = "", code: str = ""
) -> None:
    """An unfinished visit is never dropped silently: continue it, or discard it knowingly."""
    t = context.t
    text = t("visit.resume.text", address=draft["house"]["address"])
    rows = [[screens.button(t("visit.resume.continue"), "resume")]]
    if token or code:
        kind, value = ("token", token) if token else ("code", code)
        rows.append([screens.button(t("visit.resume.switch"), "restart_at", kind, value)])
    else:
        rows.append([screens.button(t("visit.resume.discard"), "restart")])
    await form.show(update, context, draft, text, rows)


async def restart_at(update: Update, context: BotContext, args: tuple[object, ...]) -> None:
    """Discard the unfinished visit and open the house the cadre asked for instead."""
    await answer(update, context.t("visit.resume.discarded"))
    old = form.draft_of(context)
    if old is not None:
        await form.close_form(context, old)
    end_flow(context)
    draft = await begin(update, context, show=False)
    kind, value = str(args[0]), str(args[1])
    await open_house(update, context, draft, **{kind: value})


async def begin(update: Update, context: BotContext, *, show: bool = True) -> Draft:
    chat = update.effective_chat
    assert chat is not None
    async with context.services() as svc:
        now = svc.visits.now()
    old = form.draft_of(context)
    if old is not None:
        await form.close_form(context, old)
    draft = begin_flow(context, LegacyVisit(draft=new_draft(chat.id, now))).draft
    if show:
        await form.render(update, context, draft)
    return draft


async def resume(update: Update, context: BotContext) -> None:
    draft = form.draft_of(context)
    await answer(update)
    if draft is None:
        await begin(update, context)
        return
    await form.render(update, context, draft)


async def restart(update: Update, context: BotContext) -> None:
    await answer(update, context.t("visit.resume.discarded"))
    end_flow(context)
    await begin(update, context)


async def from_link(update: Update, context: BotContext, token: str) -> None:
    """`/start h_<token>` from a cadre's phone camera: the visit starts at the house."""
    unfinished = form.draft_of(context)
    if unfinished is not None and unfinished.get("house"):
        await offer_resume(update, context, unfinished, token=token)
        return
    draft = await begin(update, context, show=False)
    await open_house(update, context, draft, token=token)


async def on_photo(update: Update, context: BotContext, draft: Draft) -> None:
    """A card photo (photo, image document or forwarded photo): decode the QR, open the house."""
    t = context.t
    core = context.deps.recognition
    if core is None:
        await form.render(update, context, draft, t("visit.scan.no_recognition"))
        return
    await context.bot.send_chat_action(draft["chat_id"], ChatAction.TYPING)
    try:
        image = await download_image(update, context)
    except TelegramError as exc:
        log.info("card photo download failed: %s", exc)
        await form.render(update, context, draft, t("visit.photo.download_failed"))
        return
    if image is None:
        await form.render(update, context, draft, t("visit.scan.not_an_image"))
        return
    try:
        texts = await core.decode_qr(image)
    except Overloaded:
        await form.render(update, context, draft, t("visit.busy"))
        return
    except RecognitionError as exc:
        log.info("card photo refused: %s", exc.code)
        await form.render(update, context, draft, t("visit.scan.bad_image"))
        return
    tokens = [text.split(CARD_LINK_MARK, 1)[1] for text in texts if CARD_LINK_MARK in text]
    if not texts:
        blurred = await asyncio.to_thread(_blurred, image, context.settings.max_image_pixels)
        await form.render(update, context, draft, t(NO_CODE[blurred]))
    elif not tokens:
        await form.render(update, context, draft, t("visit.scan.foreign"))
    else:
        await open_house(update, context, draft, token=tokens[0].split("&", 1)[0])


async def from_card_photo(update: Update, context: BotContext) -> bool:
    """A photo sent with no visit open: when it shows a house card, the visit starts there
    (straight at step 2); False when the photo holds no card (the sender is told elsewhere)."""
    core = context.deps.recognition
    if core is None or not may_visit(context.member):
        return False
    try:
        image = await download_image(update, context)
        texts = await core.decode_qr(image) if image is not None else []
    except (TelegramError, RecognitionError) as exc:
        log.info("stray photo not read as a card: %s", exc)
        return False
    tokens = [text.split(CARD_LINK_MARK, 1)[1] for text in texts if CARD_LINK_MARK in text]
    if not tokens:
        return False
    draft = await begin(update, context, show=False)
    await open_house(update, context, draft, token=tokens[0].split("&", 1)[0])
    return True


async def on_text(update: Update, context: BotContext, draft: Draft) -> None:
    """A typed house code (or a pasted card link)."""
    assert update.message is not None
    assert update.message.text is not None
    text = update.message.text.strip()
    if CARD_LINK_MARK in text:
        await open_house(update, context, draft, token=text.split(CARD_LINK_MARK, 1)[1].split()[0])
    else:
        await open_house(update, context, draft, code=text)


async def open_house(
    update: Update, context: BotContext, draft: Draft, *, token: str = "", code: str = ""
) -> None:
    t = context.t
    actor = context.actor
    assert actor is not None
    try:
        async with context.services() as svc:
            if token:
                sheet = await svc.visits.open_by_token(actor, token)
            else:
                sheet = await svc.visits.open_by_code(actor, code)
            now = svc.visits.now()
    except InvalidToken as exc:
        phone = context.settings.community_phone
        await form.render(update, context, draft, t(TOKEN_ERRORS[exc.detail], phone=phone))
        return
    except NotFound:
        await form.render(update, context, draft, t("visit.scan.unknown_code", code=code[:40]))
        return
    previous = draft.get("house")
    if previous and previous["id"] == sheet.house_id:
        reload_residents(draft, sheet)  # the same card again: keep what was checked
    else:
        load_house(draft, sheet)
        draft["new"], draft["house_photos"] = [], {}  # those belonged to the other house
    enter(draft, "verify", now)
    await form.render(update, context, draft)
