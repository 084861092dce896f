"""What each step of the visit shows: one form message, rendered from the typed flow.

`screen` picks the screen for the flow's step and sub-step (`flow.ask`), so every handler
ends with the same call and a visit resumed after a restart shows exactly where it stopped.
"""

from __future__ import annotations

from markupsafe import Markup

from bot.i18n import N_, Translator
from core.flows.visit import AskKind, Check, Detail, Question, VisitFlow, VisitStep
from core.models import RiskColour
from core.services.visits import ResidentAction
from handlers.cancel import cancel_button
from handlers.houses import colour_label
from handlers.visit.parts import (
    DETAIL_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    A,
    Buttons,
    Screen,
    ask_nav,
    header,
    nav,
    resident_line,
    vb,
    with_note,
)
from handlers.visit.photo_screens import photo_prompt, photograph_screen, summary_screen

DETAIL_QUESTIONS = {
    Detail.NAME: N_("visit.correct.ask.name"),
    Detail.PHONE: N_("visit.correct.ask.phone"),
    Detail.ID_NUMBER: N_("visit.correct.ask.id_number"),
    Detail.KIND: N_("visit.correct.ask.kind"),
}
QUESTIONS = {
    Question.NAME: N_("visit.new.ask.name"),
    Question.ID: N_("visit.new.ask.id"),
    Question.PHONE: N_("visit.new.ask.phone"),
    Question.KIND: N_("visit.new.ask.kind"),
    Question.ROLE: N_("visit.new.ask.role"),
    Question.MOVED_IN: N_("visit.new.ask.moved_in"),
}

# The quick visit (most visits only confirm that nothing changed): with residents, or none
# (its summary: photo_screens.QUICK_SUMMARY).
QUICK_BUTTON = {True: N_("visit_quick.unchanged"), False: N_("visit_quick.nobody")}


def screen(t: Translator, flow: VisitFlow, note: str = "") -> Screen:
    ask = flow.ask.kind if flow.ask is not None else None
    if flow.step is VisitStep.SCAN or flow.house is None:
        return scan_screen(t, flow, note)
    if flow.step is VisitStep.VERIFY and ask is AskKind.MOVED_OUT:
        return moved_out_prompt(t, flow, note)
    if flow.step is VisitStep.VERIFY and ask is AskKind.CORRECT:
        return correct_prompt(t, flow, note)
    if flow.step is VisitStep.VERIFY:
        return verify_screen(t, flow, note)
    if flow.step is VisitStep.UPDATE and flow.adding is not None:
        return new_resident_screen(t, flow, note)
    if flow.step is VisitStep.UPDATE:
        return update_screen(t, flow, note)
    if flow.step is VisitStep.PHOTOGRAPH and ask is AskKind.PHOTO:
        return photo_prompt(t, flow, note)
    if flow.step is VisitStep.PHOTOGRAPH:
        return photograph_screen(t, flow, note)
    return summary_screen(t, flow, note)


def scan_screen(t: Translator, flow: VisitFlow, problem: str = "") -> Screen:
    text = with_note(header(t, flow) + "\n\n" + t("visit.scan.prompt"), problem, first=True)
    rows: Buttons = []
    if flow.house is not None:  # came back from step 2: the opened house is one tap away
        rows.append([vb(t("visit.scan.to_house", code=flow.house.code), A.TO_HOUSE)])
    rows.append([cancel_button(t)])
    return text, rows


def verify_screen(t: Translator, flow: VisitFlow, note: str = "") -> Screen:
    """Step 2: the house card with every resident's check."""
    house = flow.house
    assert house is not None
    lines = [header(t, flow), ""]
    lines.append(t("visit.verify.colour", colour=colour_label(RiskColour(house.colour), t)))
    lines.append(t("visit.verify.landlord", landlord=house.landlord or "—"))
    if house.last_at is not None:
        last = t.short_datetime(house.last_at)
        lines.append(t("visit.verify.last", when=last, by=house.last_by or "—"))
    else:
        lines.append(t("visit.verify.never"))
    if not house.assigned:
        lines.append(t("visit.verify.covering", cadre=house.cadre or "—"))
    lines.append("")
    rows: Buttons = []
    if flow.nothing_changed():  # the quick visit: nothing changed, straight to the summary
        rows.append([vb(t(QUICK_BUTTON[bool(flow.residents)]), A.UNCHANGED)])
    if not flow.residents:
        lines.append(t("visit.verify.nobody"))
    for number, resident in enumerate(flow.residents, 1):
        check = flow.checks.get(str(resident.rid))
        lines.append(
            t(
                "visit.verify.resident",
                n=number,
                name=resident.name,
                id=resident.id_masked or "—",
                kind=t(KIND_LABELS[resident.kind]),
                state=Markup(check_state(t, check)),
            )
        )
        rid = resident.rid
        rows.append(
            [
                vb(t("visit.verify.stays", n=number), A.CHECK, rid=rid, value="stays"),
                vb(t("visit.verify.moved_out", n=number), A.CHECK, rid=rid, value="moved_out"),
                vb(t("visit.verify.correct", n=number), A.CHECK, rid=rid, value="correct"),
            ]
        )
    if len(flow.residents) > 1 and flow.unchecked():
        rows.append([vb(t("visit.verify.all_stay"), A.ALL_STAY)])
    rows.append(nav(t))
    return with_note("\n".join(lines), note), rows


def check_state(t: Translator, check: Check | None) -> str:
    if check is None:
        return t("visit.state.unchecked")
    if check.action is ResidentAction.MOVED_OUT and check.moved_out is not None:
        return t("visit.state.moved_out", date=t.short_date(check.moved_out))
    if check.action is ResidentAction.CORRECTED:
        return t("visit.state.corrected")
    return t("visit.state.stays")


def moved_out_prompt(t: Translator, flow: VisitFlow, note: str = "") -> Screen:
    assert flow.ask is not None
    rid = flow.ask.rid
    resident = flow.resident(rid)
    name = resident.name if resident else "?"
    text = header(t, flow) + "\n\n" + t("visit.moved_out.ask", name=name)
    rows = [
        [
            vb(t("visit.date.today"), A.MOVED_ON, rid=rid, index=0),
            vb(t("visit.date.yesterday"), A.MOVED_ON, rid=rid, index=1),
        ],
        ask_nav(t),
    ]
    return with_note(text, note), rows


def correct_prompt(t: Translator, flow: VisitFlow, note: str = "") -> Screen:
    assert flow.ask is not None
    rid, detail = flow.ask.rid, flow.ask.detail
    resident = flow.resident(rid)
    name = resident.name if resident else "?"
    rows: Buttons = []
    if detail is None:  # which detail?
        question = t("visit.correct.which", name=name)
        details = [vb(t(label), A.DETAIL, rid=rid, value=d) for d, label in DETAIL_LABELS.items()]
        rows += [details[:2], details[2:]]
    else:
        question = t(DETAIL_QUESTIONS[detail], name=name)
        if detail is Detail.KIND:
            rows.append(
                [vb(t(label), A.KIND_SET, rid=rid, value=k) for k, label in KIND_LABELS.items()]
            )
    rows.append(ask_nav(t))
    return with_note(header(t, flow) + "\n\n" + question, note), rows


def update_screen(t: Translator, flow: VisitFlow, note: str = "") -> Screen:
    """Step 3: the new residents added so far."""
    lines = [header(t, flow), ""]
    rows: Buttons = [[vb(t("visit.update.add"), A.ADD)]]
    if not flow.new:
        lines.append(t("visit.update.none"))
    for number, item in enumerate(flow.new, 1):
        lines.append(resident_line(t, number, item))
        rows.append([vb(t("visit.update.remove", name=item.name), A.REMOVE, index=number - 1)])
    rows.append(nav(t))
    return with_note("\n".join(lines), note), rows


def new_resident_screen(t: Translator, flow: VisitFlow, problem: str = "") -> Screen:
    """One question about a new resident: the question, its choices, Back and Discard."""
    ask = flow.ask
    assert ask is not None
    assert ask.item is not None
    assert ask.question is not None
    item, question = ask.item, ask.question
    if ask.read is not None and question is Question.ID:
        return id_reading_screen(t, flow, problem)
    lines = [header(t, flow), "", t("visit.new.title", n=question.number, total=len(Question))]
    if item.name:
        lines.append(t("visit.new.so_far", name=item.name, id=item.id_masked or "—"))
    if problem:
        lines += ["", problem]
    lines += ["", t(QUESTIONS[question])]
    rows: Buttons = []
    if question is Question.ID:
        rows.append([vb(t("visit.new.no_id"), A.NEW_SKIP)])
    elif question is Question.PHONE:
        rows.append([vb(t("visit.new.skip"), A.NEW_SKIP)])
    elif question is Question.KIND:
        rows.append([vb(t(label), A.NEW_KIND, value=k) for k, label in KIND_LABELS.items()])
    elif question is Question.ROLE:
        rows.append([vb(t(label), A.NEW_ROLE, value=r) for r, label in ROLE_LABELS.items()])
    elif question is Question.MOVED_IN:
        rows.append([vb(t("visit.date.today"), A.NEW_TODAY)])
    rows.append([vb(t("visit.back"), A.NEW_BACK), vb(t("visit.new.discard"), A.NEW_DISCARD)])
    return "\n".join(lines), rows


def id_reading_screen(t: Translator, flow: VisitFlow, note: str = "") -> Screen:
    """The number read from the ID card's photo (masked): use it, or type it."""
    assert flow.ask is not None
    assert flow.ask.item is not None
    masked = flow.ask.read_masked or "—"
    name = flow.ask.item.name
    text = header(t, flow) + "\n\n" + t("visit.idcard.read", number=masked, name=name)
    rows = [
        [vb(t("visit.idcard.use"), A.ID_USE)],
        [vb(t("visit.idcard.type"), A.ID_TYPE), cancel_button(t)],
    ]
    return with_note(text, note), rows
