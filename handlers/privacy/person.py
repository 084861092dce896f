"""👤 A person's record for police and admins: type a search → pick → the record (masked) →
🪪 the full ID number or 📷 a picture, each only after a typed reason (audited with it).

The state is `core.flows.person_record.PersonRecordFlow`; the record is read afresh (and
the read audited) whenever it is shown, and the full ID number is never kept in the flow.
"""

from __future__ import annotations

from datetime import date, datetime

from telegram import InlineKeyboardButton, Update
from telegram.ext import MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Translator
from core.errors import InvalidInput, NotFound
from core.flows.person_record import (
    PersonAction,
    PersonButton,
    PersonRecordFlow,
    PersonStep,
    Reveal,
)
from core.models import PhotoKind, Role
from core.services.privacy.records import REASON_MAX, PersonMatch, PersonRecord, latest_picture
from handlers.cancel import cancel_button
from handlers.common import answer, esc, send
from handlers.kit import flows, menu
from handlers.kit.buttons import button, roles
from handlers.kit.flows import AnyApp, InFlow, on_flow_press
from handlers.privacy.audit import AuditButton

FEATURE = "person"
STAFF = (Role.POLICE, Role.ADMIN)
PICTURE_ORDER = (
    PhotoKind.FACE,
    PhotoKind.ID_FRONT,
    PhotoKind.ID_BACK,
    PhotoKind.RESIDENCE_PERMIT,
    PhotoKind.GUARANTEE_LETTER,
    PhotoKind.CONTACT_CARD,
)
WATCH_KEYS = {True: N_("person.watch_active"), False: N_("person.watch_ended")}
REASON_KEYS = {
    Reveal.ID_NUMBER: N_("person.reason.id_number"),
    Reveal.PICTURE: N_("person.reason.picture"),
}
Rows = list[list[InlineKeyboardButton]]


def _label(t: Translator, prefix: str, value: str) -> str:
    key = f"{prefix}.{value}"
    return t(key) if t.has(key) else value


def _name(match: PersonMatch, t: Translator) -> str:
    return t("person.erased_name") if match.erased else esc(match.name)


def _when(t: Translator, value: object) -> str:
    if isinstance(value, datetime):
        return t.short_datetime(value)
    if isinstance(value, date):
        return t.short_date(value)
    return "—"


def record_text(record: PersonRecord, t: Translator, full_id: str = "") -> str:
    p = record.person
    lines = [t("person.title", name=_name(p, t), kind=_label(t, "person.kind", p.kind.value))]
    if record.erased_at is not None:
        when = _when(t, record.erased_at)
        lines.append(t("person.erased", when=when, reason=esc(record.erasure_reason)))
    id_number = f"<code>{esc(full_id)}</code>" if full_id else esc(p.id_number_masked or "—")
    lines.append(t("person.fields", id_number=id_number, phone=esc(p.phone_masked or "—")))
    lines.append(t("person.pictures", count=len(record.pictures), templates=record.templates))
    sections: list[tuple[str, list[str]]] = [
        (
            t("person.section.residencies"),
            [
                t(
                    "person.residency",
                    code=esc(r.house_code),
                    address=esc(r.address),
                    role=_label(t, "person.role", r.role.value),
                )
                + (t("person.moved_out", date=_when(t, r.moved_out)) if r.moved_out else "")
                for r in record.residencies
            ],
        ),
        (
            t("person.section.visits"),
            [
                t(
                    "person.visit",
                    when=_when(t, v.started_at),
                    code=esc(v.house_code),
                    cadre=esc(v.cadre),
                )
                for v in record.visits[:5]
            ],
        ),
        (
            t("person.section.reports"),
            [
                t(
                    "person.report",
                    id=r.id,
                    when=_when(t, r.created_at),
                    category=_label(t, "person.category", r.category.value),
                    status=_label(t, "person.report_status", r.status.value),
                )
                for r in record.reports[:5]
            ],
        ),
        (
            t("person.section.watchlist"),
            [
                t(
                    WATCH_KEYS[w.active],
                    list=esc(w.watchlist),
                    by=esc(w.authority or "—"),
                    note=esc(w.note or "—"),
                )
                for w in record.watchlist
            ],
        ),
        (
            t("person.section.passages", days=record.passage_days),
            [
                t("person.passage", when=_when(t, x.seen_at), camera=esc(x.camera))
                for x in record.passages[:8]
            ],
        ),
    ]
    for title, items in sections:
        lines.append("")
        lines.append(title)
        lines.extend(items or [t("person.section.empty")])
    return "\n".join(lines)


def record_rows(record: PersonRecord, t: Translator) -> Rows:
    pid = record.person.id
    reveal: list[InlineKeyboardButton] = []
    if record.person.id_number_masked:
        reveal.append(button(t("person.button.reveal_id"), PersonButton(PersonAction.REVEAL_ID)))
    if latest_picture(record, PICTURE_ORDER) is not None:
        reveal.append(
            button(t("person.button.reveal_picture"), PersonButton(PersonAction.REVEAL_PICTURE))
        )
    return [
        reveal,
        [button(t("person.button.audit"), AuditButton(person_id=pid))],
        [
            button(t("menu.back"), PersonButton(PersonAction.BACK)),
            button(t("person.button.search"), PersonButton(PersonAction.SEARCH)),
        ],
        [cancel_button(t)],
    ]


async def render(
    update: Update,
    context: BotContext,
    flow: PersonRecordFlow,
    *,
    note: str = "",
    full_id: str = "",
) -> None:
    """Show the flow's current step (reading what it shows afresh)."""
    assert context.actor is not None
    t = context.t
    prefix = f"{note}\n\n" if note else ""
    if flow.step is PersonStep.QUERY:
        await flows.show(update, context, flow, prefix + t("person.ask"), [[cancel_button(t)]])
        return
    if flow.step is PersonStep.RESULTS:
        async with context.services() as svc:
            matches = await svc.person_records.matches(context.actor, flow.results or [])
        rows: Rows = [
            [
                button(
                    f"{_name(m, t)} · {m.id_number_masked or m.phone_masked or '#' + str(m.id)}",
                    PersonButton(PersonAction.OPEN, m.id),
                )
            ]
            for m in matches
        ]
        rows.append([button(t("menu.back"), PersonButton(PersonAction.BACK)), cancel_button(t)])
        text = prefix + t("person.results", count=len(matches))
        await flows.show(update, context, flow, text, rows)
        return
    async with context.services() as svc:
        record = await svc.person_records.record(context.actor, flow.person_id, flow="bot")
    if flow.step is PersonStep.REASON:
        assert flow.reveal is not None
        key = REASON_KEYS[flow.reveal]
        text = prefix + t(key, name=_name(record.person, t), max=REASON_MAX)
        back = button(t("menu.back"), PersonButton(PersonAction.BACK))
        await flows.show(update, context, flow, text, [[back, cancel_button(t)]])
        return
    text = prefix + record_text(record, t, full_id)
    await flows.show(update, context, flow, text, record_rows(record, t))


async def person_menu(update: Update, context: BotContext) -> None:
    """👤 from the menu: the search prompt in the menu's message."""
    message = update.callback_query.message if update.callback_query else None
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    flow = flows.begin(
        context,
        PersonRecordFlow(
            chat_id=message.chat.id if message else None,
            message_id=message.message_id if message else None,
        ),
    )
    await render(update, context, flow)
    await answer(update)


async def on_query(update: Update, context: BotContext) -> None:
    """Typed search text (at the prompt, or over results or a record: a new search)."""
    flow = flows.current(context, PersonRecordFlow)
    assert flow is not None
    assert update.message is not None
    assert context.actor is not None
    t = context.t
    try:
        async with context.services() as svc:
            found = await svc.person_records.search(
                context.actor, update.message.text or "", flow="bot"
            )
    except InvalidInput:
        await render(update, context, flow, note=t("person.query_invalid"))
        return
    flow.found([m.id for m in found])
    await render(update, context, flow, note="" if found else t("person.none"))


async def on_reason(update: Update, context: BotContext) -> None:
    """The typed reason: then the ID number or the picture, audited with it."""
    flow = flows.current(context, PersonRecordFlow)
    assert flow is not None
    assert update.message is not None
    assert context.actor is not None
    t = context.t
    try:
        reveal, reason = flow.give_reason(update.message.text or "")
    except InvalidInput:
        await send(update, context, t("person.reason_invalid", max=REASON_MAX))
        return
    if reveal is Reveal.ID_NUMBER:
        async with context.services() as svc:
            full = await svc.person_records.reveal_id_number(
                context.actor, flow.person_id, reason, flow="bot"
            )
        await render(update, context, flow, note=t("person.revealed"), full_id=full)
        return
    async with context.services() as svc:
        record = await svc.person_records.collect(flow.person_id, days=1, limit=1)
        shown = latest_picture(record, PICTURE_ORDER)
        if shown is None:
            data = None
        else:
            _, data = await svc.person_records.picture(
                context.actor, flow.person_id, shown.id, reason, flow="bot"
            )
    if shown is None or data is None:
        await render(update, context, flow, note=t("person.no_picture"))
        return
    caption = t(
        "person.picture_caption",
        name=_name(record.person, t),
        kind=_label(t, "person.photo", shown.kind.value),
        reason=esc(reason),
    )
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(chat.id, data, caption=caption)
    await render(update, context, flow)


async def on_button(
    update: Update, context: BotContext, data: PersonButton, flow: PersonRecordFlow | None
) -> None:
    """Every button of the flow."""
    t = context.t
    if flow is None:
        await answer(update, t("flow.expired"), alert=True)
        return
    if data.action is PersonAction.OPEN and flow.results and data.person_id in flow.results:
        flow.open(data.person_id)
    elif data.action is PersonAction.REVEAL_ID and flow.step is PersonStep.RECORD:
        flow.ask_reason(Reveal.ID_NUMBER)
    elif data.action is PersonAction.REVEAL_PICTURE and flow.step is PersonStep.RECORD:
        flow.ask_reason(Reveal.PICTURE)
    elif data.action is PersonAction.SEARCH:
        flow.new_search()
    elif data.action is PersonAction.BACK and not flow.back():
        flows.end(context)
        role = context.member.role if context.member is not None else None
        main = menu.served(context.application, menu.MAIN, role)
        if main is not None:
            await main(update, context)
        return
    try:
        await render(update, context, flow)
    except NotFound:
        flow.new_search()
        await render(update, context, flow, note=t("person.gone"))
    await answer(update)


def register(application: AnyApp) -> None:
    menu.serve(application, FEATURE, person_menu, *STAFF)
    on_flow_press(
        application, FEATURE, PersonButton, PersonRecordFlow, on_button, allow=roles(*STAFF)
    )
    typed = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    searching = InFlow(
        application, PersonRecordFlow, PersonStep.QUERY, PersonStep.RESULTS, PersonStep.RECORD
    )
    application.add_handler(MessageHandler(typed & searching, on_query))
    reasoning = InFlow(application, PersonRecordFlow, PersonStep.REASON)
    application.add_handler(MessageHandler(typed & reasoning, on_reason))
