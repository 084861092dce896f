"""Handling reports: the staff card's buttons, typed notes, and the reporter's buttons.

* Staff (cadres, admins; police for public order: the service checks) press the card's
  buttons in the staff group. Take and Assign act at once and the card is edited to show who
  has it. Update / Resolve / Close ask for a typed note: the presser's next message in that
  chat (a reply to the prompt; a photo with a caption carries an after-photo) is the note
  (`ReportNoteFlow`).
* The reporter answers the questionnaire under "resolved" (fixed? then 1–5, then an optional
  comment) and may reopen with a reason; the service checks it is their report.
"""

from __future__ import annotations

import logging
import re

from telegram import InputMediaPhoto, Message, ReplyParameters, Update
from telegram.error import BadRequest, TelegramError

from bot.context import BotContext
from bot.i18n import Translator
from core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from core.flows.report import (
    STAFF_PURPOSES,
    NotePurpose,
    ReporterAction,
    ReporterButton,
    ReportNoteFlow,
    StaffAction,
    StaffButton,
)
from core.models import ReportClosure
from core.notify import ButtonRows
from core.services.reports import MAX_NOTE, ReportStateError, ReportView
from handlers.common import answer, edit_or_send, send
from handlers.kit import flows
from handlers.kit.notices import translator_for
from handlers.reports.notices import markup, staff_buttons, staff_card

log = logging.getLogger(__name__)

PROMPTS = {
    NotePurpose.UPDATE: "report.prompt.update",
    NotePurpose.RESOLVE: "report.prompt.resolve",
    NotePurpose.DUPLICATE: "report.prompt.duplicate",
    NotePurpose.REFER: "report.prompt.refer",
    NotePurpose.NO_ACTION: "report.prompt.no_action",
    NotePurpose.REOPEN: "report.prompt.reopen",
    NotePurpose.COMMENT: "report.prompt.comment",
}
STAFF_NOTES = {
    StaffAction.UPDATE: NotePurpose.UPDATE,
    StaffAction.RESOLVE: NotePurpose.RESOLVE,
    StaffAction.DUPLICATE: NotePurpose.DUPLICATE,
    StaffAction.REFER: NotePurpose.REFER,
    StaffAction.NO_ACTION: NotePurpose.NO_ACTION,
}
NUMBER = re.compile(r"#?\s*(\d+)")


async def _group_t(context: BotContext, chat_id: int) -> Translator:
    """The words of a staff group's chat (its language, else the community's)."""
    async with context.services() as svc:
        group = await svc.groups.by_chat_id(chat_id)
    return translator_for(context.deps, group.locale if group is not None else None)


async def refresh_card(
    context: BotContext, chat_id: int, message_id: int, is_photo: bool, view: ReportView
) -> None:
    """Edit the staff card to the report as it is now (who has it, its status)."""
    t = await _group_t(context, chat_id)
    text = staff_card(t, view, photo=is_photo)
    keyboard = markup(staff_buttons(t, view))
    try:
        if is_photo:
            await context.bot.edit_message_caption(
                chat_id, message_id, caption=text, reply_markup=keyboard
            )
        else:
            await context.bot.edit_message_text(text, chat_id, message_id, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            log.info("cannot edit report card %s: %s", message_id, exc)


def _card(update: Update) -> tuple[int, int, bool] | None:
    message = update.callback_query.message if update.callback_query else None
    if not isinstance(message, Message):
        return None
    return message.chat.id, message.message_id, bool(message.photo)


async def on_staff(update: Update, context: BotContext, data: StaffButton) -> None:
    """A button of the staff card."""
    t, actor = context.t, context.actor
    assert actor is not None
    card = _card(update)
    act = data.action
    toast: str | None = None
    try:
        async with context.services() as svc:
            if act is StaffAction.TAKE:
                view = await svc.reports.take(actor, data.report_id)
                toast = t("report.taken_toast")
            elif act is StaffAction.ASSIGN_TO:
                view = await svc.reports.assign(actor, data.report_id, int(data.value))
                toast = t("report.assigned_toast", name=view.assignee_name)
            else:
                view = await svc.reports.staff_view(actor, data.report_id)
            voice = (
                await svc.reports.voice(actor, data.report_id)
                if act is StaffAction.VOICE
                else None
            )
            photos = (
                await svc.reports.reporter_photos(actor, data.report_id)
                if act is StaffAction.PHOTOS
                else []
            )
            people = (
                await svc.reports.handlers_for(actor, data.report_id)
                if act is StaffAction.ASSIGN
                else []
            )
    except PermissionDenied:
        await answer(update, t("report.denied"), alert=True)
        return
    except ReportStateError:
        await answer(update, t("report.state_changed"), alert=True)
        return
    except NotFound:
        await answer(update, t("error.stale_button"), alert=True)
        return
    if act is StaffAction.ASSIGN and card is not None:
        rows = [
            [(name, StaffButton(StaffAction.ASSIGN_TO, view.id, str(mid)))] for mid, name in people
        ]
        rows.append([(t("menu.back"), StaffButton(StaffAction.CARD, view.id))])
        await _buttons(context, card, rows)
    elif act is StaffAction.CLOSE and card is not None:
        r = view.id
        rows = [
            [(t("report.button.duplicate"), StaffButton(StaffAction.DUPLICATE, r))],
            [(t("report.button.refer"), StaffButton(StaffAction.REFER, r))],
            [(t("report.button.no_action"), StaffButton(StaffAction.NO_ACTION, r))],
            [(t("menu.back"), StaffButton(StaffAction.CARD, r))],
        ]
        await _buttons(context, card, rows)
    elif act in STAFF_NOTES:
        await ask_note(update, context, view.id, STAFF_NOTES[act], card)
    elif act is StaffAction.VOICE and voice is not None and card is not None:
        await context.bot.send_voice(
            card[0],
            voice,
            caption=t("report.voice.caption", id=view.id),
            reply_parameters=ReplyParameters(card[1], allow_sending_without_reply=True),
        )
    elif act is StaffAction.PHOTOS and card is not None:
        await _album(context, card, view.id, photos, t)
    elif card is not None:
        await refresh_card(context, *card, view)
    await answer(update, toast)


async def _album(
    context: BotContext,
    card: tuple[int, int, bool],
    report_id: int,
    photos: list[bytes],
    t: Translator,
) -> None:
    """Every photo of the report as one album under the card (one photo: just that one)."""
    caption = t("report.photos.caption", id=report_id, n=len(photos))
    reply = ReplyParameters(card[1], allow_sending_without_reply=True)
    if len(photos) == 1:
        await context.bot.send_photo(card[0], photos[0], caption=caption, reply_parameters=reply)
    elif photos:
        album = [
            InputMediaPhoto(data, caption=caption if index == 0 else None)
            for index, data in enumerate(photos[:10])
        ]
        await context.bot.send_media_group(card[0], album, reply_parameters=reply)


async def _buttons(context: BotContext, card: tuple[int, int, bool], rows: ButtonRows) -> None:
    try:
        await context.bot.edit_message_reply_markup(card[0], card[1], reply_markup=markup(rows))
    except TelegramError as exc:
        log.info("cannot change the report card's buttons: %s", exc)


async def ask_note(
    update: Update,
    context: BotContext,
    report_id: int,
    purpose: NotePurpose,
    card: tuple[int, int, bool] | None,
) -> None:
    """Ask for a typed note as the presser's next message in this chat."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    assert user is not None
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    flow = ReportNoteFlow(report_id=report_id, purpose=purpose, chat_id=chat.id)
    if card is not None and purpose in STAFF_PURPOSES:
        flow.card_chat_id, flow.card_message_id, flow.card_is_photo = card
    flows.begin(context, flow)
    text = context.t(PROMPTS[purpose], id=report_id, name=user.first_name, max=MAX_NOTE)
    reply = ReplyParameters(card[1], allow_sending_without_reply=True) if card else None
    sent = await context.bot.send_message(chat.id, text, reply_parameters=reply)
    flow.message_id = sent.message_id


async def on_note(update: Update, context: BotContext) -> None:
    """The typed note (a photo's caption too) for the step asked for."""
    message, chat = update.effective_message, update.effective_chat
    flow = flows.current(context, ReportNoteFlow)
    assert message is not None
    assert chat is not None
    assert flow is not None
    t = context.t
    if chat.id != flow.chat_id:  # their note is awaited in another chat
        await send(update, context, t("report.note_elsewhere"))
        return
    photo = message.photo[-1].file_id if message.photo else None
    try:
        flow.write(message.text or message.caption or "", photo)
    except InvalidInput:
        await _reply(context, message, t("report.note_invalid", max=MAX_NOTE))
        return
    flows.end(context)
    try:
        view = await _save_note(update, context, flow)
    except PermissionDenied:
        await _reply(context, message, t("report.denied"))
        return
    except ReportStateError:
        await _reply(context, message, t("report.state_changed"))
        return
    except (NotFound, InvalidInput, DomainError):
        await _reply(context, message, t(f"report.note_failed.{flow.purpose.value}"))
        return
    await _reply(context, message, t(f"report.noted.{flow.purpose.value}", id=view.id))
    if flow.card_chat_id is not None and flow.card_message_id is not None:
        await refresh_card(
            context, flow.card_chat_id, flow.card_message_id, flow.card_is_photo, view
        )


async def _save_note(update: Update, context: BotContext, flow: ReportNoteFlow) -> ReportView:
    user = update.effective_user
    assert user is not None
    purpose, note, report_id = flow.purpose, flow.note, flow.report_id
    if purpose is NotePurpose.REOPEN:
        async with context.services() as svc:
            return await svc.reports.reopen(user.id, report_id, note)
    if purpose is NotePurpose.COMMENT:
        async with context.services() as svc:
            return await svc.reports.comment(user.id, report_id, note)
    actor = context.actor
    if actor is None:
        raise PermissionDenied("handle_reports")
    photo = None
    if flow.photo_file_id is not None:
        file = await context.bot.get_file(flow.photo_file_id)
        photo = bytes(await file.download_as_bytearray())
    async with context.services() as svc:
        if purpose is NotePurpose.UPDATE:
            return await svc.reports.update(actor, report_id, note, photo)
        if purpose is NotePurpose.RESOLVE:
            return await svc.reports.resolve(actor, report_id, note, photo)
        if purpose is NotePurpose.DUPLICATE:
            found = NUMBER.search(note)
            if found is None:
                raise InvalidInput("duplicate_of", field="duplicate_of")
            original = int(found.group(1))
            return await svc.reports.close(
                actor, report_id, ReportClosure.DUPLICATE, duplicate_of=original
            )
        if purpose is NotePurpose.REFER:
            return await svc.reports.close(
                actor, report_id, ReportClosure.NOT_RESPONSIBLE, referred_to=note
            )
        return await svc.reports.close(actor, report_id, ReportClosure.NO_ACTION, note=note)


async def _reply(context: BotContext, message: Message, text: str) -> None:
    params = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    await context.bot.send_message(message.chat_id, text, reply_parameters=params)


async def on_reporter(update: Update, context: BotContext, data: ReporterButton) -> None:
    """The reporter's buttons: the questionnaire, reopen."""
    t = context.t
    user = update.effective_user
    assert user is not None
    act = data.action
    if act in (ReporterAction.REOPEN, ReporterAction.COMMENT):
        purpose = NotePurpose.REOPEN if act is ReporterAction.REOPEN else NotePurpose.COMMENT
        await ask_note(update, context, data.report_id, purpose, None)
        await answer(update)
        return
    try:
        async with context.services() as svc:
            if act is ReporterAction.RATE:
                await svc.reports.rate(user.id, data.report_id, int(data.value))
            else:
                fixed = act is ReporterAction.FIXED
                await svc.reports.answer_fixed(user.id, data.report_id, fixed)
    except (PermissionDenied, NotFound):
        await answer(update, t("error.not_for_you"), alert=True)
        return
    except ReportStateError:
        await answer(update, t("report.survey.answered"), alert=True)
        return
    r = data.report_id
    if act is ReporterAction.FIXED:
        rows = [[(f"{n}⭐", ReporterButton(ReporterAction.RATE, r, str(n))) for n in range(1, 6)]]
        await edit_or_send(update, context, t("report.survey.rate", id=r), markup(rows))
    elif act is ReporterAction.NOT_FIXED:
        await edit_or_send(update, context, t("report.survey.reopened", id=r))
    else:
        rows = [[(t("report.button.comment"), ReporterButton(ReporterAction.COMMENT, r))]]
        text = t("report.survey.thanks", id=r, score=data.value)
        await edit_or_send(update, context, text, markup(rows))
    await answer(update, t("report.survey.saved_toast"))
