"""Steps 2 and 3: check each resident (stays / moved out / correct), then add new ones."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.i18n import N_
from core.errors import InvalidIdNumber, InvalidPhone
from core.idnumber import mask_id_number, mask_phone, normalize_id_number, normalize_phone
from core.models import PersonKind, ResidencyRole
from handlers.cancel import cancel_button
from handlers.common import answer
from handlers.visit import form, screens
from handlers.visit.draft import Draft, new_resident, parse_date
from handlers.visit.screens import NEW_STEPS

log = logging.getLogger(__name__)
CORRECTABLE = ("name", "phone", "id_number", "kind")
FIELD_QUESTIONS = {
    "name": N_("visit.correct.ask.name"),
    "phone": N_("visit.correct.ask.phone"),
    "id_number": N_("visit.correct.ask.id_number"),
    "kind": N_("visit.correct.ask.kind"),
}
ID_PROBLEMS = {
    "length": "visit.id.length",
    "characters": "visit.id.characters",
    "birth_date": "visit.id.birth_date",
    "check_digit": "visit.id.check_digit",
}


def today(context: BotContext, now: datetime) -> date:
    return now.astimezone(context.settings.zone).date()


async def forget_message(update: Update) -> None:
    """Delete the cadre's message holding an ID number or phone: the form keeps it masked."""
    if update.message is None:
        return
    try:
        await update.message.delete()
    except TelegramError as exc:  # older than 48 hours, or already gone: nothing to protect
        log.debug("could not delete a message with personal data: %s", exc)


async def typed_phone(update: Update, context: BotContext, draft: Draft, text: str) -> str | None:
    """The typed phone, normalised (its message deleted); None after saying why it is not."""
    await forget_message(update)
    try:
        return normalize_phone(text)
    except InvalidPhone:
        await form.render(update, context, draft, context.t("visit.phone.invalid"))
        return None


def _resident(draft: Draft, rid: int) -> dict[str, Any] | None:
    return next((r for r in draft["residents"] if r["rid"] == rid), None)


# --- step 2: verify ---------------------------------------------------------------------------


async def check(update: Update, context: BotContext, draft: Draft, args: tuple[Any, ...]) -> None:
    rid, action = int(args[0]), str(args[1])
    t = context.t
    resident = _resident(draft, rid)
    if resident is None:
        await answer(update)
        return
    if action == "stays":
        draft["checks"][str(rid)] = {"action": "stays"}
        await answer(update, t("visit.toast.stays", name=resident["name"]))
    elif action == "moved_out":
        draft["ask"] = {"name": "moved_out", "rid": rid}
        await answer(update)
        text = screens.header(t, draft) + "\n\n" + t("visit.moved_out.ask", name=resident["name"])
        rows = [
            [
                screens.button(t("visit.date.today"), "moved_on", rid, 0),
                screens.button(t("visit.date.yesterday"), "moved_on", rid, 1),
            ],
            [screens.button(t("visit.back"), "ask_back"), cancel_button(t)],
        ]
        await form.show(update, context, draft, text, rows)
        return
    else:  # correct: which detail?
        draft["ask"] = {"name": "correct", "rid": rid}
        await answer(update)
        text = screens.header(t, draft) + "\n\n" + t("visit.correct.which", name=resident["name"])
        rows = [
            [screens.button(t(screens.FIELD_LABELS[f]), "field", rid, f) for f in CORRECTABLE[:2]],
            [screens.button(t(screens.FIELD_LABELS[f]), "field", rid, f) for f in CORRECTABLE[2:]],
            [screens.button(t("visit.back"), "ask_back"), cancel_button(t)],
        ]
        await form.show(update, context, draft, text, rows)
        return
    await form.render(update, context, draft)


async def all_stay(
    update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]
) -> None:
    for resident in draft["residents"]:
        draft["checks"].setdefault(str(resident["rid"]), {"action": "stays"})
    await answer(update, context.t("visit.toast.all_stay"))
    await form.render(update, context, draft)


async def moved_on(
    update: Update, context: BotContext, draft: Draft, args: tuple[Any, ...]
) -> None:
    rid, days_ago = int(args[0]), int(args[1])
    async with context.services() as svc:
        now = svc.visits.now()
    when = today(context, now) - timedelta(days=days_ago)
    resident = _resident(draft, rid)
    if resident and resident.get("moved_in") and when.isoformat() < resident["moved_in"]:
        moved_in = context.t.short_date(date.fromisoformat(resident["moved_in"]))
        await answer(update, context.t("visit.date.before_in", date=moved_in), alert=True)
        return
    _mark_moved_out(draft, rid, when)
    await answer(update, context.t("visit.toast.saved"))
    await form.render(update, context, draft)


def _mark_moved_out(draft: Draft, rid: int, when: date) -> None:
    draft["checks"][str(rid)] = {"action": "moved_out", "moved_out": when.isoformat()}
    draft["ask"] = None


async def field(update: Update, context: BotContext, draft: Draft, args: tuple[Any, ...]) -> None:
    rid, name = int(args[0]), str(args[1])
    t = context.t
    resident = _resident(draft, rid)
    await answer(update)
    if resident is None or name not in CORRECTABLE:
        return
    draft["ask"] = {"name": "correct", "rid": rid, "field": name}
    text = screens.header(t, draft) + "\n\n" + t(FIELD_QUESTIONS[name], name=resident["name"])
    rows: screens.Buttons = []
    if name == "kind":
        rows.append(
            [
                screens.button(t(label), "kind_set", rid, k)
                for k, label in screens.KIND_LABELS.items()
            ]
        )
    rows.append([screens.button(t("visit.back"), "ask_back"), cancel_button(t)])
    await form.show(update, context, draft, text, rows)


async def kind_set(
    update: Update, context: BotContext, draft: Draft, args: tuple[Any, ...]
) -> None:
    rid, kind = int(args[0]), PersonKind(str(args[1]))
    _correct(draft, rid, {"kind": kind.value})
    resident = _resident(draft, rid)
    if resident is not None:
        resident["kind"] = kind.value
    await answer(update, context.t("visit.toast.saved"))
    await form.render(update, context, draft)


def _correct(draft: Draft, rid: int, changes: dict[str, Any]) -> None:
    current = draft["checks"].get(str(rid))
    if current is None or current["action"] != "corrected":
        current = {"action": "corrected"}
    current.update(changes)
    draft["checks"][str(rid)] = current
    draft["ask"] = None


async def ask_back(
    update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]
) -> None:
    draft["ask"] = None
    await answer(update)
    await form.render(update, context, draft)


async def verify_text(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    """A typed move-out date or corrected value."""
    t = context.t
    ask = draft.get("ask") or {}
    rid = int(ask.get("rid", 0))
    resident = _resident(draft, rid)
    if resident is None:
        await form.render(update, context, draft, t("visit.use_buttons"))
        return
    async with context.services() as svc:
        visits = svc.visits
        now = visits.now()
        if ask.get("name") == "moved_out":
            when = parse_date(text, today(context, now))
            if when is None:
                await form.render(update, context, draft, t("visit.date.invalid"))
                return
            if resident.get("moved_in") and when.isoformat() < resident["moved_in"]:
                moved_in = t.short_date(date.fromisoformat(resident["moved_in"]))
                await form.render(update, context, draft, t("visit.date.before_in", date=moved_in))
                return
            _mark_moved_out(draft, rid, when)
        elif ask.get("field") == "name":
            name = " ".join(text.split())[:80]
            _correct(draft, rid, {"name": name})
            resident["name"] = name
        elif ask.get("field") == "phone":
            phone = await typed_phone(update, context, draft, text)
            if phone is None:
                return
            _correct(draft, rid, {"phone": visits.seal(phone)})
            resident["phone_masked"] = mask_phone(phone)
        elif ask.get("field") == "id_number":
            await forget_message(update)
            try:
                number = normalize_id_number(text)
            except InvalidIdNumber as exc:
                await form.render(update, context, draft, t(ID_PROBLEMS[exc.detail]))
                return
            actor = context.actor
            assert actor is not None
            owner = await svc.persons.find_by_id_number(actor, number, flow="visit")
            if owner is not None and owner.id != resident.get("pid"):
                await form.render(update, context, draft, t("visit.id.taken", name=owner.name))
                return
            _correct(draft, rid, {"id_number": visits.seal(number)})
            resident["id_masked"] = mask_id_number(number)
        else:
            await form.render(update, context, draft, t("visit.use_buttons"))
            return
    await form.render(update, context, draft, t("visit.toast.saved"))


# --- step 3: new residents --------------------------------------------------------------------


async def add(update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]) -> None:
    draft["ask"] = {"name": "new_name", "item": new_resident()}
    await answer(update)
    await form.render(update, context, draft)


async def remove(update: Update, context: BotContext, draft: Draft, args: tuple[Any, ...]) -> None:
    index = int(args[0])
    if 0 <= index < len(draft["new"]):
        removed = draft["new"].pop(index)
        await answer(update, context.t("visit.toast.removed", name=removed["name"]))
    else:
        await answer(update)
    await form.render(update, context, draft)


def _advance(draft: Draft) -> None:
    """To the next question of the new resident, or back to the list when it is complete."""
    ask = draft["ask"]
    position = NEW_STEPS.index(ask["name"])
    if position + 1 < len(NEW_STEPS):
        ask["name"] = NEW_STEPS[position + 1]
        return
    draft["new"].append(ask["item"])
    draft["ask"] = None


async def new_back(
    update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]
) -> None:
    ask = draft.get("ask") or {}
    position = NEW_STEPS.index(ask["name"]) if ask.get("name") in NEW_STEPS else 0
    if position == 0:
        draft["ask"] = None
    else:
        ask["name"] = NEW_STEPS[position - 1]
    await answer(update)
    await form.render(update, context, draft)


async def new_discard(
    update: Update, context: BotContext, draft: Draft, _args: tuple[Any, ...]
) -> None:
    draft["ask"] = None
    await answer(update, context.t("visit.toast.discarded"))
    await form.render(update, context, draft)


async def new_choice(
    update: Update, context: BotContext, draft: Draft, args: tuple[Any, ...]
) -> None:
    """A button answer of the new resident's current question (kind, role, today, skip)."""
    action = str(args[0])
    ask = draft.get("ask") or {}
    item = ask.get("item")
    if item is None:
        await answer(update)
        return
    if action == "new_kind":
        item["kind"] = PersonKind(str(args[1])).value
    elif action == "new_role":
        role = ResidencyRole(str(args[1]))
        item["role"], item["relation"] = role.value, context.t(screens.ROLE_LABELS[role.value])
    elif action == "new_today":
        async with context.services() as svc:
            item["moved_in"] = today(context, svc.visits.now()).isoformat()
    elif action == "new_skip" and ask["name"] == "new_id":
        # No resident ID card: a foreign resident; forget a number typed before going back.
        item["kind"] = PersonKind.FOREIGN.value
        item["id_number"], item["id_masked"] = None, ""
        item["existing_id"], item["existing_name"] = None, ""
    elif action == "new_skip" and ask["name"] == "new_phone":
        item["phone"], item["phone_masked"] = None, ""
    await answer(update)
    _advance(draft)
    await form.render(update, context, draft)


async def new_text(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    """A typed answer of the new resident's current question (name, ID number, phone, date)."""
    t = context.t
    ask = draft["ask"]
    item, question = ask["item"], ask["name"]
    if question == "new_name":
        name = " ".join(text.split())[:80]
        if not name:
            await form.render(update, context, draft, t("visit.new.name_empty"))
            return
        item["name"] = name
    elif question == "new_id":
        await forget_message(update)
        try:
            number = normalize_id_number(text)
        except InvalidIdNumber as exc:
            await form.render(update, context, draft, t(ID_PROBLEMS[exc.detail]))
            return
        note = await accept_id_number(context, draft, item, number)
        await form.render(update, context, draft, note)
        return
    elif question == "new_phone":
        phone = await typed_phone(update, context, draft, text)
        if phone is None:
            return
        async with context.services() as svc:
            item["phone"] = svc.visits.seal(phone)
        item["phone_masked"] = mask_phone(phone)
    elif question == "new_moved_in":
        async with context.services() as svc:
            when = parse_date(text, today(context, svc.visits.now()))
        if when is None:
            await form.render(update, context, draft, t("visit.date.invalid"))
            return
        item["moved_in"] = when.isoformat()
    else:
        await form.render(update, context, draft, t("visit.use_buttons"))
        return
    _advance(draft)
    await form.render(update, context, draft)


async def accept_id_number(
    context: BotContext, draft: Draft, item: dict[str, Any], number: str
) -> str:
    """The new resident's ID number (typed or read): on to the next question."""
    note = await _set_id_number(context, draft, item, number)
    _advance(draft)
    return note


async def _set_id_number(
    context: BotContext, draft: Draft, item: dict[str, Any], number: str
) -> str:
    """Store the (sealed) number; link an already registered person. Returns a note or ""."""
    actor = context.actor
    assert actor is not None
    async with context.services() as svc:
        item["id_number"] = svc.visits.seal(number)
        found = await svc.persons.find_by_id_number(actor, number, flow="visit")
    item["id_masked"] = mask_id_number(number)
    if found is None:
        item["existing_id"], item["existing_name"] = None, ""
        return ""
    item["existing_id"], item["existing_name"] = found.id, found.name
    item["kind"] = found.kind.value
    return context.t("visit.new.known_person", name=found.name)
