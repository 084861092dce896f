"""Step 4 (the photos the visit asks for) and step 5 (the summary whose ✅ writes it all)."""

from __future__ import annotations

from markupsafe import Markup
from telegram import InlineKeyboardButton

from bot.i18n import N_, Translator
from core.flows.visit import Detail, Slot, VisitFlow
from core.models import PhotoKind
from core.services.visits import ResidentAction
from handlers.cancel import cancel_button
from handlers.visit.parts import (
    DETAIL_LABELS,
    PHOTO_LABELS,
    A,
    Buttons,
    Screen,
    header,
    nav,
    resident_line,
    vb,
    with_note,
)

# The quick visit's summary: with residents, or none.
QUICK_SUMMARY = {True: N_("visit_quick.summary"), False: N_("visit_quick.summary_nobody")}


def photograph_screen(t: Translator, flow: VisitFlow, note: str = "") -> Screen:
    """Step 4: every photo the visit asks for, ticked when taken, grouped by whose it is."""
    lines = [header(t, flow), ""]
    rows: Buttons = []
    row: list[InlineKeyboardButton] = []
    owner: tuple[int | None, int] | None = None
    for slot in flow.photo_slots():
        if (slot.new, slot.rid) != owner:
            if row:
                rows.append(row)
            row, owner = [], (slot.new, slot.rid)
            who = Markup.escape(owner_name(t, flow, slot))
            lines.append(t("visit_faces.staying", name=who) if slot.rid else f"<b>{who}</b>")
        mark = "✅" if flow.slot_file(*slot) is not None else "▫️"
        label = f"{mark} {t(PHOTO_LABELS[slot.kind])}"
        lines.append(f"  {label}")
        if slot.rid:  # several residents' faces in a row: say whose on the button
            label = f"{mark} {slot_label(t, flow, slot)}"
        row.append(vb(label, A.SLOT, index=slot.new, rid=slot.rid, value=slot.kind))
        if len(row) == 3:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    lines += ["", t("visit.photo.hint")]
    if flow.staying():
        lines.append(t("visit_faces.hint"))
    rows.append(nav(t))
    return with_note("\n".join(lines), note), rows


def owner_name(t: Translator, flow: VisitFlow, slot: Slot) -> str:
    """Whose photo a slot is: a new resident's or a staying resident's name, or the house."""
    if slot.rid:
        resident = flow.resident(slot.rid)
        return resident.name if resident else "?"
    return flow.new[slot.new].name if slot.new is not None else t("visit.photo.house")


def slot_label(t: Translator, flow: VisitFlow, slot: Slot) -> str:
    """ "李四 · 人脸" / "本户 · 便民联系卡": whose photo of what."""
    return f"{owner_name(t, flow, slot)} · {t(PHOTO_LABELS[slot.kind])}"


def photo_prompt(t: Translator, flow: VisitFlow, problem: str = "") -> Screen:
    ask = flow.ask
    assert ask is not None
    assert ask.photo is not None
    slot = Slot(ask.index, ask.photo, ask.rid)
    who, what = owner_name(t, flow, slot), t(PHOTO_LABELS[slot.kind])
    text = header(t, flow) + "\n\n" + t("visit.photo.send", who=who, what=what)
    if slot.kind is PhotoKind.FACE:
        text += "\n" + t("visit.photo.face_tips")
    if slot.rid:
        text += "\n" + t("visit_faces.prompt")
    rows = [[vb(t("visit.back"), A.SLOT_BACK), cancel_button(t)]]
    if slot.rid and flow.slot_file(*slot) is not None:  # taken by mistake: it can go again
        rows.insert(0, [vb(t("visit_faces.drop"), A.FACE_DROP, rid=slot.rid)])
    return with_note(text, problem, first=True), rows


def summary_screen(t: Translator, flow: VisitFlow, problem: str = "") -> Screen:
    """Step 5: everything that will be written, and the one button that writes it."""
    assert flow.house is not None
    counts = {action: 0 for action in ResidentAction}
    for check in flow.checks.values():
        counts[check.action] += 1
    lines = [header(t, flow), ""]
    if flow.quick:
        lines.append(t(QUICK_SUMMARY[bool(flow.residents)]))
    lines.append(
        t(
            "visit.summary.checks",
            stays=counts[ResidentAction.STAYS],
            moved_out=counts[ResidentAction.MOVED_OUT],
            corrected=counts[ResidentAction.CORRECTED],
        )
    )
    names = {str(r.rid): r.name for r in flow.residents}
    for rid, check in flow.checks.items():
        if check.action is ResidentAction.MOVED_OUT and check.moved_out is not None:
            when = t.short_date(check.moved_out)
            lines.append(t("visit.summary.moved_out", name=names.get(rid, "?"), date=when))
        elif check.action is ResidentAction.CORRECTED:
            changed = [d for d in Detail if getattr(check, d.value) is not None]
            what = t("list.separator").join(t(DETAIL_LABELS[d]) for d in changed)
            lines.append(t("visit.summary.corrected", name=names.get(rid, "?"), fields=what))
    fresh = [names.get(rid, "?") for rid, check in flow.checks.items() if check.face]
    if fresh:
        lines.append(t("visit_faces.summary", names=t("list.separator").join(fresh)))
    for number, item in enumerate(flow.new, 1):
        lines.append(resident_line(t, number, item))
        if item.existing_name:
            lines.append(t("visit.summary.linked", name=item.existing_name))
        if not item.face:
            lines.append(t("visit.summary.no_face", name=item.name))
    taken = sum(1 for slot in flow.photo_slots() if flow.slot_file(*slot) is not None)
    lines.append(t("visit.summary.photos", n=taken))
    if not flow.house.assigned:
        lines.append(t("visit.summary.covering"))
    lines += ["", t("visit.summary.confirm_hint")]
    rows: Buttons = [[vb(t("visit.summary.confirm"), A.CONFIRM)]]
    if flow.quick:
        rows.append([vb(t("visit_quick.review"), A.REVIEW)])
    rows.append([vb(t("visit.back"), A.BACK), cancel_button(t)])
    return with_note("\n".join(lines), problem, first=True), rows
