"""How reports read: the staff card (in the staff group), the reporter's updates, the labels.

The staff card is one message per report, photo first when there is one, with buttons every
staff member may press; it is edited to show who took it. An anonymous report's card has no
name in it: the service leaves the name out of the view.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, Translator
from core.flows.report import ReporterAction, ReporterButton, StaffAction, StaffButton
from core.models import HazardKind, ReportCategory, ReportClosure, ReportStatus
from core.notify import ButtonRows, Notice, Rendered
from core.services.reports import Change, ReportView

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
CATEGORY_LABELS = {
    ReportCategory.DISPUTE: N_("report.category.dispute"),
    ReportCategory.HAZARD: N_("report.category.hazard"),
    ReportCategory.PUBLIC_ORDER: N_("report.category.public_order"),
    ReportCategory.OTHER: N_("report.category.other"),
}
HAZARD_LABELS = {
    HazardKind.FIRE: N_("report.hazard.fire"),
    HazardKind.ELECTRICAL: N_("report.hazard.electrical"),
    HazardKind.GAS: N_("report.hazard.gas"),
    HazardKind.STRUCTURE: N_("report.hazard.structure"),
    HazardKind.BLOCKED_PASSAGE: N_("report.hazard.blocked_passage"),
}
STATUS_LABELS = {
    ReportStatus.NEW: N_("report.status.new"),
    ReportStatus.ACKNOWLEDGED: N_("report.status.acknowledged"),
    ReportStatus.IN_PROGRESS: N_("report.status.in_progress"),
    ReportStatus.RESOLVED: N_("report.status.resolved"),
    ReportStatus.CLOSED: N_("report.status.closed"),
}
EVENT_LINES = {
    "acknowledged": N_("report.event.acknowledged"),
    "assigned": N_("report.event.assigned"),
    "update": N_("report.event.update"),
    "resolved": N_("report.event.resolved"),
    "reopened": N_("report.event.reopened"),
}
CLOSURE_LINES = {
    ReportClosure.DUPLICATE: N_("report.closed.duplicate"),
    ReportClosure.NOT_RESPONSIBLE: N_("report.closed.not_responsible"),
    ReportClosure.NO_ACTION: N_("report.closed.no_action"),
}


def kind_label(t: Translator, category: ReportCategory, hazard: HazardKind | None) -> str:
    label = t(CATEGORY_LABELS[category])
    return f"{label} · {t(HAZARD_LABELS[hazard])}" if hazard is not None else label


def status_label(t: Translator, status: ReportStatus) -> str:
    return t(STATUS_LABELS[status])


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def staff_card(t: Translator, view: ReportView, *, photo: bool, head: str = "") -> str:
    """The report as staff read it (a photo's caption must stay within 1,024 characters)."""
    lines = [
        t("report.card.title", id=view.id, kind=kind_label(t, view.category, view.hazard)),
        t(
            "report.card.status",
            status=status_label(t, view.status),
            time=t.short_datetime(view.created_at),
        ),
    ]
    if view.place:
        lines.append(t("report.card.place", place=view.place))
    if view.latitude is not None and view.longitude is not None:
        lines.append(t("report.card.map", lat=f"{view.latitude:.5f}", lon=f"{view.longitude:.5f}"))
    if view.anonymous:
        lines.append(t("report.card.anonymous"))
    elif view.reporter_name:
        lines.append(t("report.card.reporter", name=view.reporter_name))
    if view.assignee_name:
        lines.append(t("report.card.assignee", name=view.assignee_name))
    if len(view.photos) > 1:
        lines.append(t("report.card.photos", n=len(view.photos)))
    if view.has_voice:
        lines.append(t("report.card.voice"))
    if view.closure is not None:
        lines.append(closure_line(t, view))
    budget = (CAPTION_LIMIT if photo else TEXT_LIMIT) - len("\n".join([head, *lines])) - 40
    if view.text:
        lines.append("")
        lines.append(t("report.card.text", text=_short(view.text, max(60, min(budget, 900)))))
    text = "\n".join([head, *lines]) if head else "\n".join(lines)
    return _short(text, CAPTION_LIMIT if photo else TEXT_LIMIT)


def closure_line(t: Translator, view: ReportView) -> str:
    assert view.closure is not None
    return t(
        CLOSURE_LINES[view.closure], original=view.duplicate_of_id or "", body=view.referred_to
    )


def staff_buttons(t: Translator, view: ReportView) -> list[list[tuple[str, object]]]:
    """The card's buttons while the report is open (none once it is resolved or closed)."""
    if not view.is_open:
        return []
    r = view.id
    rows: list[list[tuple[str, object]]] = [
        [
            (t("report.button.take"), StaffButton(StaffAction.TAKE, r)),
            (t("report.button.assign"), StaffButton(StaffAction.ASSIGN, r)),
        ],
        [
            (t("report.button.update"), StaffButton(StaffAction.UPDATE, r)),
            (t("report.button.resolve"), StaffButton(StaffAction.RESOLVE, r)),
        ],
        [(t("report.button.close"), StaffButton(StaffAction.CLOSE, r))],
    ]
    media: list[tuple[str, object]] = []
    if view.has_voice:
        media.append((t("report.button.voice"), StaffButton(StaffAction.VOICE, r)))
    if len(view.photos) > 1:
        label = t("report.button.photos", n=len(view.photos))
        media.append((label, StaffButton(StaffAction.PHOTOS, r)))
    if media:
        rows.append(media)
    return rows


def markup(rows: ButtonRows) -> InlineKeyboardMarkup | None:
    kept = [
        [InlineKeyboardButton(str(label), callback_data=data) for label, data in row]
        for row in rows
    ]
    kept = [row for row in kept if row]
    return InlineKeyboardMarkup(kept) if kept else None


def new_notice(t: Translator, notice: Notice) -> Rendered:
    """A new (or reopened) report for the staff group."""
    view: ReportView = notice.params["view"]
    head = ""
    if notice.params.get("event") == "reopened":
        note = notice.params.get("note") or ""
        head = t("report.card.reopened", reason=note or t("report.card.not_fixed"))
    text = staff_card(t, view, photo=notice.photo is not None, head=head)
    return Rendered(text, staff_buttons(t, view))


def change_line(t: Translator, view: ReportView, change: Change) -> str:
    if change.event == "closed" and view.closure is not None:
        return closure_line(t, view)
    return t(EVENT_LINES.get(change.event, "report.event.update"))


def change_notice(t: Translator, notice: Notice) -> Rendered:
    """A step of the report, as the reporter (or a follower) reads it, in their language."""
    view: ReportView = notice.params["view"]
    change: Change = notice.params["change"]
    reporter = bool(notice.params.get("reporter"))
    title = "report.change.title" if reporter else "report.change.title_followed"
    lines = [
        t(title, id=view.id, kind=kind_label(t, view.category, view.hazard)),
        t("report.change.status", status=status_label(t, view.status)),
        change_line(t, view, change),
    ]
    if change.note:
        lines.append(t("report.change.note", note=change.note))
    buttons: list[list[tuple[str, object]]] = []
    if reporter and change.event == "resolved":
        lines += ["", t("report.survey.fixed")]
        buttons = [
            [
                (t("report.button.fixed"), ReporterButton(ReporterAction.FIXED, view.id)),
                (t("report.button.not_fixed"), ReporterButton(ReporterAction.NOT_FIXED, view.id)),
            ]
        ]
    elif reporter and change.event == "closed":
        buttons = [[(t("report.button.reopen"), ReporterButton(ReporterAction.REOPEN, view.id))]]
    text = "\n".join(lines)
    return Rendered(_short(text, CAPTION_LIMIT if notice.photo else TEXT_LIMIT), buttons)


def assigned_notice(t: Translator, notice: Notice) -> Rendered:
    view: ReportView = notice.params["view"]
    return Rendered(
        t("report.assigned", id=view.id, kind=kind_label(t, view.category, view.hazard))
        + "\n"
        + staff_card(t, view, photo=False)
    )
