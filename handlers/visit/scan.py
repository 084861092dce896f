"""Step 1: the cadre photographs the house card (or types the code, or opens its QR link).

The card's photo also opens the visit by itself: a cadre (or admin) with no visit open who
sends it lands straight at step 2 (`from_card_photo`, the role's stray-photo handler).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.context import BotContext
from bot.i18n import N_
from core.errors import InvalidToken, NotFound
from core.flows.visit import VisitAction, VisitButton, VisitFlow
from core.models import Member
from core.roles import Permission
from core.services import actor_for
from handlers.common import answer, community_phone, send
from handlers.kit import flows
from handlers.kit.buttons import button
from handlers.kit.images import image_problem
from handlers.visit import form, parts
from handlers.visit.form import render
from handlers.visit.media import download_image, too_large
from recognition.errors import Overloaded, RecognitionError

log = logging.getLogger(__name__)

CARD_LINK_MARK = "start=h_"
TOKEN_ERRORS = {
    "revoked": "visit.scan.revoked",
    "forged": "visit.scan.forged",
    "malformed": "visit.scan.foreign",
    "unknown_house": "visit.scan.foreign",
}


NO_CODE = {True: N_("visit.scan.blurred"), False: N_("visit.scan.no_code")}


def may_visit(member: Member | None) -> bool:
    """Who may visit houses (and press any visit button)."""
    return member is not None and actor_for(member).can(Permission.VISIT_HOUSES)


def card_token(texts: list[str] | tuple[str, ...]) -> str | None:
    """The card token in the decoded QR texts (a link ``…?start=h_<token>``), if any."""
    tokens = [text.split(CARD_LINK_MARK, 1)[1] for text in texts if CARD_LINK_MARK in text]
    return tokens[0].split("&", 1)[0] if tokens else None


async def start(update: Update, context: BotContext) -> None:
    """/visit or the menu's 📝: begin, or offer to resume the unfinished visit."""
    await answer(update)
    if not may_visit(context.member):
        await send(update, context, context.t("visit.not_allowed"))
        return
    flow = form.current(context)
    if flow is not None and flow.house is not None:
        await offer_resume(update, context, flow)
        return
    await begin(update, context)


async def offer_resume(
    update: Update, context: BotContext, flow: VisitFlow, *, token: str = "", code: str = ""
) -> None:
    """An unfinished visit is never dropped silently: continue it, or discard it knowingly."""
    t = context.t
    assert flow.house is not None
    text = t("visit.resume.text", address=flow.house.address)
    rows = [[parts.vb(t("visit.resume.continue"), VisitAction.RESUME)]]
    if token or code:
        kind, value = ("token", token) if token else ("code", code)
        switch = VisitButton(VisitAction.RESTART_AT, kind=kind, value=value)
        rows.append([button(t("visit.resume.switch"), switch)])
    else:
        rows.append([parts.vb(t("visit.resume.discard"), VisitAction.RESTART)])
    await flows.show(update, context, flow, text, rows)


async def begin(update: Update, context: BotContext, *, show: bool = True) -> VisitFlow:
    """A new visit at step 1 (an earlier flow's form is closed)."""
    chat = update.effective_chat
    assert chat is not None
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    flow = flows.begin(context, VisitFlow.start(chat.id, await form.now(context)))
    if show:
        await render(update, context, flow)
    return flow


async def resume(update: Update, context: BotContext, flow: VisitFlow | None) -> None:
    await answer(update)
    if flow is None:
        await begin(update, context)
        return
    await render(update, context, flow)


async def restart(update: Update, context: BotContext, _flow: VisitFlow | None) -> None:
    await answer(update, context.t("visit.resume.discarded"))
    flows.end(context)
    await begin(update, context)


async def restart_at(update: Update, context: BotContext, data: VisitButton) -> None:
    """Discard the unfinished visit and open the house the cadre asked for instead."""
    await answer(update, context.t("visit.resume.discarded"))
    flow = await begin(update, context, show=False)
    if data.kind == "token":
        await open_house(update, context, flow, token=data.value)
    else:
        await open_house(update, context, flow, code=data.value)


async def from_link(update: Update, context: BotContext, token: str) -> None:
    """`/start h_<token>` from a cadre's phone camera: the visit starts at the house."""
    unfinished = form.current(context)
    if unfinished is not None and unfinished.house is not None:
        await offer_resume(update, context, unfinished, token=token)
        return
    flow = await begin(update, context, show=False)
    await open_house(update, context, flow, token=token)


async def on_photo(update: Update, context: BotContext, flow: VisitFlow) -> None:
    """A card photo (photo, image document or forwarded photo): decode the QR, open the house."""
    t = context.t
    core = context.deps.recognition
    if core is None:
        await render(update, context, flow, t("visit.scan.no_recognition"))
        return
    assert update.effective_chat is not None
    if too_large(update):
        await render(update, context, flow, t("visit.photo.too_large"))
        return
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
    try:
        image = await download_image(update, context)
    except TelegramError as exc:
        log.info("card photo download failed: %s", exc)
        await render(update, context, flow, t("visit.photo.download_failed"))
        return
    if image is None:
        await render(update, context, flow, t("visit.scan.not_an_image"))
        return
    try:  # decoded in the recognition workers only: a huge photo never grows the bot
        scan = await core.scan_card(image)
    except Overloaded:
        await render(update, context, flow, t("visit.busy"))
        return
    except RecognitionError as exc:
        log.info("card photo refused: %s", exc.code)
        await render(update, context, flow, image_problem(t, exc, "visit.scan.bad_image"))
        return
    texts = scan.texts
    token = card_token(texts)
    if not texts:
        await render(update, context, flow, t(NO_CODE[scan.blurred]))
    elif token is None:
        await render(update, context, flow, t("visit.scan.foreign"))
    else:
        await open_house(update, context, flow, token=token)


async def from_card_photo(update: Update, context: BotContext) -> bool:
    """A photo sent with no visit open: when it shows a house card, the visit starts there
    (straight at step 2); False when the photo holds no card (the sender is told elsewhere)."""
    core = context.deps.recognition
    if core is None or not may_visit(context.member):
        return False
    try:
        image = await download_image(update, context)
        texts = (await core.scan_card(image)).texts if image is not None else ()
    except (TelegramError, RecognitionError) as exc:
        log.info("stray photo not read as a card: %s", exc)
        return False
    token = card_token(texts)
    if token is None:
        return False
    flow = await begin(update, context, show=False)
    await open_house(update, context, flow, token=token)
    return True


async def on_text(update: Update, context: BotContext, flow: VisitFlow) -> None:
    """A typed house code (or a pasted card link)."""
    assert update.message is not None
    assert update.message.text is not None
    text = update.message.text.strip()
    if CARD_LINK_MARK in text:
        await open_house(update, context, flow, token=text.split(CARD_LINK_MARK, 1)[1].split()[0])
    else:
        await open_house(update, context, flow, code=text)


async def open_house(
    update: Update, context: BotContext, flow: VisitFlow, *, token: str = "", code: str = ""
) -> None:
    """Open the house by its card token or code: step 2 (or step 1 saying what was wrong)."""
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
        phone = await community_phone(context)
        await render(update, context, flow, t(TOKEN_ERRORS[exc.detail], phone=phone))
        return
    except NotFound:
        await render(update, context, flow, t("visit.scan.unknown_code", code=code[:40]))
        return
    flow.open(sheet, now)
    await render(update, context, flow)
