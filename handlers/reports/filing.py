"""📣 Filing a report: the form (`ReportFlow`), started from the menu, /report, a stray photo or
location, or a house card; ✅ makes one service call and answers with the ticket number.

Photos are checked by the recognition core's image checks when it runs (the bot in tests may
run without it). Photos and a voice note are kept as Telegram file ids until ✅, then
downloaded and stored sealed by the photo store (a voice is personal data like a picture).
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Message, Update

from bot.context import BotContext
from bot.i18n import Translator
from core.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from core.flows.report import ReportAction, ReportButton, ReportFlow, ReportStep
from core.models import HazardKind, ReportCategory
from core.services.house_messages import HouseRef
from core.services.reports import (
    MAX_PHOTOS,
    MAX_PLACE,
    MAX_TEXT,
    NewReport,
    Reporter,
    ReportStateError,
)
from handlers.common import answer, community_phone, edit_or_send, send
from handlers.kit import flows
from handlers.kit.images import image_problem
from handlers.reports.notices import markup
from handlers.reports.screens import screen
from recognition.errors import ImageError, RecognitionError

log = logging.getLogger(__name__)
MIN_PHOTO_SIDE = 200


def reporter_of(update: Update, context: BotContext) -> Reporter:
    user = update.effective_user
    assert user is not None
    member_id = context.member.id if context.member is not None else None
    return Reporter(user.id, context.locale, user.first_name, member_id)


async def render(update: Update, context: BotContext, flow: ReportFlow) -> None:
    """Show the current step (looking up what it lists: the house, buildings, similar)."""
    own = buildings = similar = None
    async with context.services() as svc:
        if flow.step is ReportStep.PLACE and context.member is not None:
            own = await svc.reports.own_house(context.member.id)
        elif flow.step is ReportStep.BUILDING:
            buildings = await svc.reports.buildings()
        elif flow.step is ReportStep.CONFIRM and flow.category is not None:
            similar = await svc.reports.similar(
                flow.category,
                latitude=flow.latitude,
                longitude=flow.longitude,
                house_id=flow.house_id,
                building_id=flow.building_id,
            )
    text, rows = screen(context.t, flow, own_house=own, buildings=buildings, similar=similar)
    await flows.show(update, context, flow, text, rows)


def _rate_limited(t: Translator, retry_at: datetime, phone: str) -> str:
    return t("report.rate_limited", time=t.short_datetime(retry_at), phone=phone)


async def begin(update: Update, context: BotContext, flow: ReportFlow) -> None:
    """Start the form (refused early, with the time to come back, when over the limit)."""
    user = update.effective_user
    assert user is not None
    async with context.services() as svc:
        retry_at = await svc.reports.next_allowed(user.id)
    if retry_at is not None:
        text = _rate_limited(context.t, retry_at, await community_phone(context))
        await edit_or_send(update, context, text)
        await answer(update)
        return
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    message = update.callback_query.message if update.callback_query else None
    if isinstance(message, Message) and message.text is not None:  # the menu becomes the form
        flow.chat_id, flow.message_id = message.chat.id, message.message_id
    await render(update, context, flows.begin(context, flow))
    await answer(update)


async def start(update: Update, context: BotContext) -> None:
    """📣 in the menu, or /report (members; a tenant reports through the house card)."""
    if context.member is None:
        await send(
            update, context, context.t("report.cannot_file", phone=await community_phone(context))
        )
        return
    await begin(update, context, ReportFlow())


async def start_for_house(update: Update, context: BotContext, house: HouseRef) -> None:
    """📣 on a house card's tenant entry: a report about that house."""
    flow = ReportFlow(house_id=house.id, place_label=house.address, house_locked=True)
    await begin(update, context, flow)


async def stray_photo(update: Update, context: BotContext) -> bool:
    """A photo outside any flow: offer to report a problem with it."""
    message = update.effective_message
    if message is None or not message.photo:
        return False
    t = context.t
    offer = ReportButton(ReportAction.START, f"photo:{message.photo[-1].file_id}")
    rows = [[(t("report.button.report_photo"), offer)]]
    await send(update, context, t("report.stray.photo"), markup(rows))
    return True


async def stray_location(update: Update, context: BotContext) -> bool:
    """A location outside any flow: offer to report a problem there."""
    message = update.effective_message
    if message is None or message.location is None:
        return False
    t = context.t
    place = f"loc:{message.location.latitude},{message.location.longitude}"
    rows = [[(t("report.button.report_here"), ReportButton(ReportAction.START, place))]]
    await send(update, context, t("report.stray.location"), markup(rows))
    return True


def _prefilled(value: str) -> ReportFlow:
    flow = ReportFlow()
    kind, _, rest = value.partition(":")
    if kind == "photo" and rest:
        flow.photos.append(rest)
    elif kind == "loc" and rest:
        lat, _, lon = rest.partition(",")
        flow.latitude, flow.longitude = float(lat), float(lon)
        flow.place_label = f"{float(lat):.5f}, {float(lon):.5f}"
    return flow


async def on_button(
    update: Update, context: BotContext, data: ReportButton, flow: ReportFlow | None
) -> None:
    """Every button of the form."""
    t = context.t
    if data.action is ReportAction.START:
        if context.member is None:
            await answer(update, t("error.not_for_you"), alert=True)
            return
        await begin(update, context, _prefilled(data.value))
        return
    if flow is None:
        await answer(update, t("flow.expired"), alert=True)
        return
    toast: str | None = None
    action = data.action
    if action is ReportAction.BACK:
        flow.back()
    elif action is ReportAction.CATEGORY and flow.step is ReportStep.CATEGORY:
        flow.choose_category(ReportCategory(data.value))
    elif action is ReportAction.HAZARD and flow.step is ReportStep.HAZARD:
        flow.choose_hazard(HazardKind(data.value))
    elif action is ReportAction.PHOTOS_DONE and flow.step is ReportStep.PHOTOS:
        flow.photos_done()
        if flow.latitude is not None and not flow.house_locked:
            flow.at_location(flow.latitude, flow.longitude or 0.0)  # from a stray location
    elif action is ReportAction.HOUSE and flow.step is ReportStep.PLACE:
        toast = await _own_house(context, flow)
    elif action is ReportAction.BUILDINGS and flow.step is ReportStep.PLACE:
        flow.ask_building()
    elif action is ReportAction.BUILDING and flow.step is ReportStep.BUILDING:
        toast = await _building(context, flow, int(data.value))
    elif action is ReportAction.TYPE_PLACE and flow.step is ReportStep.PLACE:
        flow.ask_place_text()
    elif action is ReportAction.ANONYMOUS and flow.step is ReportStep.ANONYMOUS:
        flow.choose_anonymous(data.value == "1")
    elif action is ReportAction.SUBMIT and flow.step is ReportStep.CONFIRM:
        await submit(update, context, flow)
        return
    elif action is ReportAction.FOLLOW and flow.step is ReportStep.CONFIRM:
        await follow(update, context, flow, int(data.value))
        return
    await render(update, context, flow)
    await answer(update, toast)


async def _own_house(context: BotContext, flow: ReportFlow) -> str | None:
    async with context.services() as svc:
        place = await svc.reports.own_house(context.member.id if context.member else None)
    if place is None:
        return context.t("report.no_house")
    flow.at_house(place.id, place.label)
    return None


async def _building(context: BotContext, flow: ReportFlow, building_id: int) -> str | None:
    async with context.services() as svc:
        places = {p.id: p for p in await svc.reports.buildings()}
    place = places.get(building_id)
    if place is None:
        return context.t("error.stale_button")
    flow.at_building(place.id, place.label)
    return None


async def on_message(update: Update, context: BotContext) -> None:
    """What the reporter sends while filing: the description, a voice note, photos, a place."""
    message = update.effective_message
    flow = flows.current(context, ReportFlow)
    assert message is not None
    assert flow is not None
    t = context.t
    step = flow.step
    try:
        if step is ReportStep.TEXT and message.voice is not None:
            flow.describe_by_voice(message.voice.file_id)
        elif step is ReportStep.TEXT and message.text is not None:
            flow.describe(message.text)
        elif step in (ReportStep.TEXT, ReportStep.PHOTOS) and message.photo:
            if not await _photo(update, context, flow, message):
                return
            if step is ReportStep.TEXT and message.caption:
                flow.describe(message.caption)
        elif message.location is not None and step in (ReportStep.PLACE, ReportStep.BUILDING):
            flow.at_location(message.location.latitude, message.location.longitude)
        elif step is ReportStep.PLACE_TEXT and message.text is not None:
            flow.type_place(message.text)
        else:
            await send(update, context, t("report.use_buttons"))
            return
    except InvalidInput:
        if step is ReportStep.PLACE_TEXT:
            await send(update, context, t("report.place_invalid", max=MAX_PLACE))
        else:
            await send(update, context, t("report.text_invalid", max=MAX_TEXT))
        return
    await render(update, context, flow)


async def _photo(update: Update, context: BotContext, flow: ReportFlow, message: Message) -> bool:
    """Check and keep a photo; False (with a message saying why) when it is refused."""
    t = context.t
    if len(flow.photos) >= MAX_PHOTOS:
        await send(update, context, t("report.too_many_photos", max=MAX_PHOTOS))
        return False
    file_id = message.photo[-1].file_id
    recognition = context.deps.recognition
    if recognition is not None:
        try:
            data = await _download(context, file_id)
            await recognition.check_document(data, min_side=MIN_PHOTO_SIDE)
        except ImageError as exc:
            await send(update, context, image_problem(t, exc, "report.photo_unreadable"))
            return False
        except RecognitionError as exc:  # busy or unavailable: the check is a courtesy
            log.info("report photo not checked: %s", exc.code)
    flow.add_photo(file_id)
    return True


async def _download(context: BotContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def submit(update: Update, context: BotContext, flow: ReportFlow) -> None:
    """✅: the service stores the report and pushes it to the staff; the ticket number."""
    t = context.t
    assert flow.category is not None
    flows.end(context)
    photos = tuple([await _download(context, f) for f in flow.photos])
    voice = await _download(context, flow.audio_file_id) if flow.audio_file_id else None
    new = NewReport(
        category=flow.category,
        hazard=flow.hazard,
        text=flow.text,
        voice=voice,
        photos=photos,
        latitude=flow.latitude,
        longitude=flow.longitude,
        house_id=flow.house_id,
        building_id=flow.building_id,
        place_text=flow.place_text,
        anonymous=flow.anonymous,
    )
    toast = None
    try:
        async with context.services() as svc:
            view = await svc.reports.file(context.actor, reporter_of(update, context), new)
    except RateLimited as exc:
        text = _rate_limited(t, exc.retry_at, await community_phone(context))
    except (PermissionDenied, NotFound):
        text = t("report.cannot_file", phone=await community_phone(context))
    else:
        text, toast = t("report.filed", id=view.id), t("report.filed_toast", id=view.id)
    await flows.show(update, context, flow, text)
    await answer(update, toast)


async def follow(update: Update, context: BotContext, flow: ReportFlow, report_id: int) -> None:
    """Follow a similar report instead of filing this one."""
    t = context.t
    flows.end(context)
    try:
        async with context.services() as svc:
            view = await svc.reports.follow(reporter_of(update, context), report_id)
    except (NotFound, ReportStateError):
        text = t("report.follow_failed", id=report_id)
    else:
        text = t("report.followed", id=view.id)
    await flows.show(update, context, flow, text)
    await answer(update)
