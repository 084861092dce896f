"""Pieces every visit screen uses: the labels, the header with the progress, the nav rows."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton

from bot.i18n import N_, Translator
from core.flows.visit import (
    Detail,
    NewResidentDraft,
    VisitAction,
    VisitButton,
    VisitFlow,
    VisitStep,
)
from core.models import PersonKind, PhotoKind, ResidencyRole
from handlers.cancel import cancel_button
from handlers.kit.buttons import button

Buttons = list[list[InlineKeyboardButton]]
Screen = tuple[str, Buttons]
A = VisitAction
KIND_LABELS = {
    PersonKind.REGISTERED: N_("visit.kind.registered"),
    PersonKind.FLOATING: N_("visit.kind.floating"),
    PersonKind.FOREIGN: N_("visit.kind.foreign"),
}
ROLE_LABELS = {
    ResidencyRole.TENANT: N_("visit.role.tenant"),
    ResidencyRole.FAMILY: N_("visit.role.family"),
    ResidencyRole.OTHER: N_("visit.role.other"),
}
DETAIL_LABELS = {
    Detail.NAME: N_("visit.field.name"),
    Detail.PHONE: N_("visit.field.phone"),
    Detail.ID_NUMBER: N_("visit.field.id_number"),
    Detail.KIND: N_("visit.field.kind"),
}
STEP_LABELS = {
    VisitStep.SCAN: N_("visit.step.scan"),
    VisitStep.VERIFY: N_("visit.step.verify"),
    VisitStep.UPDATE: N_("visit.step.update"),
    VisitStep.PHOTOGRAPH: N_("visit.step.photograph"),
    VisitStep.UPLOAD: N_("visit.step.upload"),
}
PHOTO_LABELS = {
    PhotoKind.FACE: N_("visit.photo.face"),
    PhotoKind.ID_FRONT: N_("visit.photo.id_front"),
    PhotoKind.ID_BACK: N_("visit.photo.id_back"),
    PhotoKind.RESIDENCE_PERMIT: N_("visit.photo.residence_permit"),
    PhotoKind.GUARANTEE_LETTER: N_("visit.photo.guarantee_letter"),
    PhotoKind.CONTACT_CARD: N_("visit.photo.contact_card"),
}


def vb(label: str, action: VisitAction, **fields: Any) -> InlineKeyboardButton:
    return button(label, VisitButton(action, **fields))


def header(t: Translator, flow: VisitFlow) -> str:
    step = flow.step
    total = len(VisitStep)
    progress = t("visit.progress", n=step.number, total=total, step=t(STEP_LABELS[step]))
    if flow.house is None:
        return progress
    house = t("visit.house_line", address=flow.house.address, code=flow.house.code)
    return house + "\n" + progress


def with_note(text: str, note: str, *, first: bool = False) -> str:
    if not note:
        return text
    return note + "\n\n" + text if first else text + "\n\n" + note


def nav(t: Translator, *, back: bool = True, next_: bool = True) -> list[InlineKeyboardButton]:
    row = []
    if back:
        row.append(vb(t("visit.back"), A.BACK))
    if next_:
        row.append(vb(t("visit.next"), A.NEXT))
    row.append(cancel_button(t))
    return row


def ask_nav(t: Translator) -> list[InlineKeyboardButton]:
    return [vb(t("visit.back"), A.ASK_BACK), cancel_button(t)]


def resident_line(t: Translator, number: int, item: NewResidentDraft) -> str:
    return t(
        "visit.update.resident",
        n=number,
        name=item.name,
        id=item.id_masked or "—",
        kind=t(KIND_LABELS[item.kind]),
        role=t(ROLE_LABELS[item.role]),
        moved_in=t.short_date(item.moved_in) if item.moved_in else "—",
    )
