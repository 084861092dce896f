"""📝 The cadre's visit as a typed flow (state, transitions, buttons, the plan it becomes)."""

from core.flows.visit.buttons import VisitAction, VisitButton
from core.flows.visit.flow import PERSONAL_PHOTOS, VisitFlow
from core.flows.visit.plan import parse_date, to_plan
from core.flows.visit.state import (
    Ask,
    AskKind,
    Check,
    Detail,
    FaceDraft,
    HouseCard,
    NewResidentDraft,
    Question,
    ResidentRow,
    Slot,
    StepLog,
    VisitStep,
)

__all__ = [
    "PERSONAL_PHOTOS",
    "Ask",
    "AskKind",
    "Check",
    "Detail",
    "FaceDraft",
    "HouseCard",
    "NewResidentDraft",
    "Question",
    "ResidentRow",
    "Slot",
    "StepLog",
    "VisitAction",
    "VisitButton",
    "VisitFlow",
    "VisitStep",
    "parse_date",
    "to_plan",
]
