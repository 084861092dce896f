"""Steps 2 and 3: check each resident (stays / moved out / correct), then add new ones.

Each handler answers the press, calls the flow's transition (with one service call where a
value needs sealing or looking up) and renders the flow's screen.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.i18n import Translator
from core.errors import InvalidIdNumber, InvalidInput, InvalidPhone
from core.flows.visit import (
    AskKind,
    Detail,
    NewResidentDraft,
    Question,
    VisitButton,
    VisitFlow,
    parse_date,
)
from core.idnumber import mask_id_number, mask_phone, normalize_id_number, normalize_phone
from core.models import PersonKind, ResidencyRole
from core.text import clean_name
from handlers.common import answer
from handlers.visit import form, parts
from handlers.visit.form import render

log = logging.getLogger(__name__)
ID_PROBLEMS = {
    "length": "visit.id.length",
    "characters": "visit.id.characters",
    "birth_date": "error.id_birth_date",
    "check_digit": "visit.id.check_digit",
}


def name_problem(t: Translator, exc: InvalidInput) -> str:
    """A typed name refused by core.text: blank after cleaning, or too long (never cut)."""
    if exc.detail == "too_long":
        return t("error.name_too_long", max=exc.params["max"], length=exc.params["length"])
    return t("error.name_empty")


def typed_name(t: Translator, text: str) -> tuple[str, str]:
    """(the cleaned name, "") or ("", why it is refused)."""
    try:
        return clean_name(text), ""
    except InvalidInput as exc:
        return "", name_problem(t, exc)


async def forget_message(update: Update) -> None:
    """Delete the cadre's message holding an ID number or phone: the form keeps it masked."""
    if update.message is None:
        return
    try:
        await update.message.delete()
    except TelegramError as exc:  # older than 48 hours, or already gone: nothing to protect
        log.debug("could not delete a message with personal data: %s", exc)


async def typed_phone(
    update: Update, context: BotContext, flow: VisitFlow, text: str
) -> tuple[str, str] | None:
    """The typed phone (sealed, masked), its message deleted; None after saying why not."""
    await forget_message(update)
    try:
        phone = normalize_phone(text)
    except InvalidPhone:
        await render(update, context, flow, context.t("visit.phone.invalid"))
        return None
    async with context.services() as svc:
        return svc.visits.seal(phone), mask_phone(phone)


def _before_moved_in(context: BotContext, flow: VisitFlow, rid: int) -> str:
    resident = flow.resident(rid)
    moved_in = resident.moved_in if resident is not None else None
    when = context.t.short_date(moved_in) if moved_in else "—"
    return context.t("visit.date.before_in", date=when)


# --- step 2: verify ---------------------------------------------------------------------------


async def check(update: Update, context: BotContext, data: VisitButton, flow: VisitFlow) -> None:
    resident = flow.resident(data.rid)
    if resident is None:
        await answer(update)
        return
    if data.value == "stays":
        flow.stays(data.rid)
        await answer(update, context.t("visit.toast.stays", name=resident.name))
    else:
        await answer(update)
        if data.value == "moved_out":
            flow.ask_moved_out(data.rid)
        else:
            flow.ask_correct(data.rid)
    await render(update, context, flow)


async def all_stay(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    flow.all_stay()
    await answer(update, context.t("visit.toast.all_stay"))
    await render(update, context, flow)


async def unchanged(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    """The quick visit: everybody still lives here and nothing else changed → the summary."""
    if flow.confirm_unchanged(await form.now(context)):
        await answer(update, context.t("visit_quick.toast"))
    else:
        await answer(update)
    await render(update, context, flow)


async def moved_on(
    update: Update, context: BotContext, data: VisitButton, flow: VisitFlow
) -> None:
    when = form.today(context, await form.now(context)) - timedelta(days=data.index or 0)
    if not flow.move_out(data.rid, when):
        await answer(update, _before_moved_in(context, flow, data.rid), alert=True)
        return
    await answer(update, context.t("visit.toast.saved"))
    await render(update, context, flow)


async def detail(update: Update, context: BotContext, data: VisitButton, flow: VisitFlow) -> None:
    await answer(update)
    if flow.resident(data.rid) is not None:
        flow.ask_correct(data.rid, Detail(data.value))
    await render(update, context, flow)


async def kind_set(
    update: Update, context: BotContext, data: VisitButton, flow: VisitFlow
) -> None:
    flow.correct(data.rid, kind=PersonKind(data.value))
    await answer(update, context.t("visit.toast.saved"))
    await render(update, context, flow)


async def ask_back(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    flow.close_ask()
    await answer(update)
    await render(update, context, flow)


async def verify_text(update: Update, context: BotContext, flow: VisitFlow, text: str) -> None:
    """A typed move-out date or corrected value."""
    t = context.t
    ask = flow.ask
    resident = flow.resident(ask.rid) if ask is not None else None
    if ask is None or resident is None:
        await render(update, context, flow, t("visit.use_buttons"))
        return
    rid = resident.rid
    if ask.kind is AskKind.MOVED_OUT:
        when = parse_date(text, form.today(context, await form.now(context)))
        if when is None:
            await render(update, context, flow, t("visit.date.invalid"))
            return
        if not flow.move_out(rid, when):
            await render(update, context, flow, _before_moved_in(context, flow, rid))
            return
    elif ask.detail is Detail.NAME:
        name, problem = typed_name(t, text)
        if problem:
            await render(update, context, flow, problem)
            return
        flow.correct(rid, name=name)
    elif ask.detail is Detail.PHONE:
        phone = await typed_phone(update, context, flow, text)
        if phone is None:
            return
        flow.correct(rid, phone=phone)
    elif ask.detail is Detail.ID_NUMBER:
        problem = await _corrected_id(update, context, flow, rid, text)
        if problem:
            await render(update, context, flow, problem)
            return
    else:
        await render(update, context, flow, t("visit.use_buttons"))
        return
    await render(update, context, flow, t("visit.toast.saved"))


async def _corrected_id(
    update: Update, context: BotContext, flow: VisitFlow, rid: int, text: str
) -> str:
    """Correct a resident's ID number (refused when it is somebody else's): a problem or ""."""
    await forget_message(update)
    try:
        number = normalize_id_number(text)
    except InvalidIdNumber as exc:
        return context.t(ID_PROBLEMS[exc.detail])
    actor = context.actor
    assert actor is not None
    resident = flow.resident(rid)
    async with context.services() as svc:
        owner = await svc.persons.find_by_id_number(actor, number, flow="visit")
        if owner is not None and (resident is None or owner.id != resident.pid):
            return context.t("visit.id.taken", name=owner.name)
        flow.correct(rid, id_number=(svc.visits.seal(number), mask_id_number(number)))
    return ""


# --- step 3: new residents --------------------------------------------------------------------


async def add(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    flow.add_resident()
    await answer(update)
    await render(update, context, flow)


async def remove(update: Update, context: BotContext, data: VisitButton, flow: VisitFlow) -> None:
    removed = flow.remove_new(data.index if data.index is not None else -1)
    toast = context.t("visit.toast.removed", name=removed.name) if removed else None
    await answer(update, toast)
    await render(update, context, flow)


async def new_back(update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow) -> None:
    flow.question_back()
    await answer(update)
    await render(update, context, flow)


async def new_discard(
    update: Update, context: BotContext, _d: VisitButton, flow: VisitFlow
) -> None:
    flow.discard_new()
    await answer(update, context.t("visit.toast.discarded"))
    await render(update, context, flow)


async def new_choice(
    update: Update, context: BotContext, data: VisitButton, flow: VisitFlow
) -> None:
    """A button answer of the new resident's current question (kind, role, today, skip)."""
    A = parts.A
    item, question = flow.adding, flow.ask.question if flow.ask else None
    if item is None:
        await answer(update)
        return
    if data.action is A.NEW_KIND and question is Question.KIND:
        item.kind = PersonKind(data.value)
    elif data.action is A.NEW_ROLE and question is Question.ROLE:
        role = ResidencyRole(data.value)
        item.role, item.relation = role, context.t(parts.ROLE_LABELS[role])
    elif data.action is A.NEW_TODAY and question is Question.MOVED_IN:
        item.moved_in = form.today(context, await form.now(context))
    elif data.action is A.NEW_SKIP and question is Question.ID:
        item.no_id_card()
    elif data.action is A.NEW_SKIP and question is Question.PHONE:
        item.phone, item.phone_masked = None, ""
    else:  # a button of another question (the screen moved on meanwhile)
        await answer(update)
        await render(update, context, flow)
        return
    await answer(update)
    flow.advance()
    await render(update, context, flow)


async def new_text(update: Update, context: BotContext, flow: VisitFlow, text: str) -> None:
    """A typed answer of the new resident's current question (name, ID number, phone, date)."""
    t = context.t
    item, question = flow.adding, flow.ask.question if flow.ask else None
    assert item is not None
    if question is Question.NAME:
        name, problem = typed_name(t, text)
        if problem:
            await render(update, context, flow, problem)
            return
        item.name = name
    elif question is Question.ID:
        await forget_message(update)
        try:
            number = normalize_id_number(text)
        except InvalidIdNumber as exc:
            await render(update, context, flow, t(ID_PROBLEMS[exc.detail]))
            return
        note = await accept_id_number(context, flow, item, number)
        await render(update, context, flow, note)
        return
    elif question is Question.PHONE:
        phone = await typed_phone(update, context, flow, text)
        if phone is None:
            return
        item.phone, item.phone_masked = phone
    elif question is Question.MOVED_IN:
        when = parse_date(text, form.today(context, await form.now(context)))
        if when is None:
            await render(update, context, flow, t("visit.date.invalid"))
            return
        item.moved_in = when
    else:
        await render(update, context, flow, t("visit.use_buttons"))
        return
    flow.advance()
    await render(update, context, flow)


async def accept_id_number(
    context: BotContext, flow: VisitFlow, item: NewResidentDraft, number: str
) -> str:
    """Store the new resident's (sealed) number, link an already registered person, and go
    on to the next question. Returns a note or ""."""
    actor = context.actor
    assert actor is not None
    async with context.services() as svc:
        item.set_id_number(svc.visits.seal(number), mask_id_number(number))
        found = await svc.persons.find_by_id_number(actor, number, flow="visit")
    flow.advance()
    if found is None:
        return ""
    item.link(found.id, found.name, found.kind)
    return context.t("visit.new.known_person", name=found.name)
