"""The filing form's screens: one message, edited as the reporter answers (rendering only)."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.i18n import Translator
from core.flows.report import ReportAction, ReportButton, ReportFlow, ReportStep
from core.models import HazardKind, ReportCategory
from core.services.reports import MAX_PHOTOS, MAX_PLACE, MAX_TEXT, Place, Similar
from handlers.cancel import cancel_button
from handlers.kit.buttons import button
from handlers.reports.notices import CATEGORY_LABELS, HAZARD_LABELS, kind_label, status_label

Rows = list[list[InlineKeyboardButton]]
STEP_NAMES = {
    ReportStep.CATEGORY: "report.step.category",
    ReportStep.HAZARD: "report.step.category",
    ReportStep.TEXT: "report.step.text",
    ReportStep.PHOTOS: "report.step.photos",
    ReportStep.PLACE: "report.step.place",
    ReportStep.BUILDING: "report.step.place",
    ReportStep.PLACE_TEXT: "report.step.place",
    ReportStep.ANONYMOUS: "report.step.anonymous",
    ReportStep.CONFIRM: "report.step.confirm",
}


def _b(label: str, action: ReportAction, value: str = "") -> InlineKeyboardButton:
    return button(label, ReportButton(action, value))


def _nav(t: Translator, flow: ReportFlow) -> list[InlineKeyboardButton]:
    back = [_b(t("menu.back"), ReportAction.BACK)] if flow.step is not ReportStep.CATEGORY else []
    return [*back, cancel_button(t)]


def progress(t: Translator, flow: ReportFlow) -> str:
    number, total = flow.position
    return t("report.progress", step=number, total=total, name=t(STEP_NAMES[flow.step]))


def screen(
    t: Translator,
    flow: ReportFlow,
    *,
    own_house: Place | None = None,
    buildings: list[Place] | None = None,
    similar: list[Similar] | None = None,
) -> tuple[str, Rows]:
    """The text and buttons of the flow's current step."""
    head = progress(t, flow)
    step = flow.step
    if step is ReportStep.CATEGORY:
        rows = [
            [_b(t(CATEGORY_LABELS[c]), ReportAction.CATEGORY, c.value)] for c in ReportCategory
        ]
        return f"{head}\n{t('report.ask.category')}", [*rows, _nav(t, flow)]
    if step is ReportStep.HAZARD:
        rows = [[_b(t(HAZARD_LABELS[h]), ReportAction.HAZARD, h.value)] for h in HazardKind]
        return f"{head}\n{t('report.ask.hazard')}", [*rows, _nav(t, flow)]
    if step is ReportStep.TEXT:
        return f"{head}\n{t('report.ask.text', max=MAX_TEXT)}", [_nav(t, flow)]
    if step is ReportStep.PHOTOS:
        text = t("report.ask.photos", max=MAX_PHOTOS, n=len(flow.photos))
        label = t("report.button.photos_done") if flow.photos else t("report.button.no_photos")
        return f"{head}\n{text}", [[_b(label, ReportAction.PHOTOS_DONE)], _nav(t, flow)]
    if step is ReportStep.PLACE:
        rows = []
        if own_house is not None:
            rows.append([_b(t("report.button.my_house"), ReportAction.HOUSE)])
        rows.append([_b(t("report.button.buildings"), ReportAction.BUILDINGS)])
        rows.append([_b(t("report.button.type_place"), ReportAction.TYPE_PLACE)])
        return f"{head}\n{t('report.ask.place')}", [*rows, _nav(t, flow)]
    if step is ReportStep.BUILDING:
        rows = [[_b(p.label, ReportAction.BUILDING, str(p.id))] for p in buildings or []]
        key = "report.ask.building" if rows else "report.ask.no_buildings"
        return f"{head}\n{t(key)}", [*rows, _nav(t, flow)]
    if step is ReportStep.PLACE_TEXT:
        return f"{head}\n{t('report.ask.place_text', max=MAX_PLACE)}", [_nav(t, flow)]
    if step is ReportStep.ANONYMOUS:
        rows = [
            [_b(t("report.button.named"), ReportAction.ANONYMOUS, "0")],
            [_b(t("report.button.anonymous"), ReportAction.ANONYMOUS, "1")],
        ]
        return f"{head}\n{t('report.ask.anonymous')}", [*rows, _nav(t, flow)]
    return confirm(t, flow, similar or [])


def summary(t: Translator, flow: ReportFlow) -> str:
    assert flow.category is not None
    lines = [
        t("report.summary.kind", kind=kind_label(t, flow.category, flow.hazard)),
        t("report.summary.text", text=flow.text) if flow.text else t("report.summary.voice"),
        t("report.summary.photos", n=len(flow.photos)),
        t("report.summary.place", place=flow.place_label or "—"),
        t("report.summary.anonymous") if flow.anonymous else t("report.summary.named"),
    ]
    return "\n".join(lines)


def confirm(t: Translator, flow: ReportFlow, similar: list[Similar]) -> tuple[str, Rows]:
    parts = [progress(t, flow), t("report.ask.confirm"), "", summary(t, flow)]
    rows: Rows = []
    if similar:
        parts += ["", t("report.similar.title", n=len(similar))]
        for item in similar:
            parts.append(
                t(
                    "report.similar.line",
                    id=item.id,
                    kind=kind_label(t, item.category, item.hazard),
                    status=status_label(t, item.status),
                    summary=item.summary,
                    place=item.place or "—",
                    time=t.short_datetime(item.created_at),
                )
            )
            rows.append(
                [_b(t("report.button.follow", id=item.id), ReportAction.FOLLOW, str(item.id))]
            )
    rows.insert(0, [_b(t("report.button.submit"), ReportAction.SUBMIT)])
    return "\n".join(parts), [*rows, _nav(t, flow)]
