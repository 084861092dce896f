"""The visit's typed flow: typed dates, the photos it asks for, its transitions, its plan."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from core.flows.visit import (
    AskKind,
    FaceDraft,
    NewResidentDraft,
    Question,
    Slot,
    VisitFlow,
    VisitStep,
    parse_date,
    to_plan,
)
from core.models import PersonKind, PhotoKind, ResidencyRole
from core.serial import decode, encode
from core.services.persons import PersonView, ResidentView
from core.services.visits import HouseSheet, ResidentAction

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 28, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("2026/11/20", date(2026, 11, 20)),
        ("2026.11.20", date(2026, 11, 20)),
        ("2026年11月20日", date(2026, 11, 20)),
        ("11-20", date(2026, 11, 20)),
        ("11月20日", date(2026, 11, 20)),
        ("12-01", date(2025, 12, 1)),  # month-day after today: last year's
        ("2026-11-29", None),  # the future
        ("2026-02-30", None),
        ("1949-10-01", None),
        ("soon", None),
        ("", None),
    ],
)
def test_typed_dates(typed: str, expected: date | None) -> None:
    assert parse_date(typed, TODAY) == expected


def test_photos_asked_for_depend_on_the_kind_of_resident() -> None:
    flow = VisitFlow.start(1, NOW)
    flow.new = [NewResidentDraft(name="本地", kind=PersonKind.REGISTERED), NewResidentDraft()]
    slots = flow.photo_slots()
    assert Slot(0, PhotoKind.RESIDENCE_PERMIT) not in slots  # a local resident has no permit
    assert Slot(1, PhotoKind.RESIDENCE_PERMIT) in slots
    assert Slot(0, PhotoKind.FACE) in slots
    assert Slot(1, PhotoKind.FACE) in slots
    assert slots[-1] == Slot(None, PhotoKind.CONTACT_CARD)


def _sheet(*residents: tuple[int, str], house_id: int = 7) -> HouseSheet:
    views = tuple(
        ResidentView(
            residency_id=rid,
            person=PersonView(
                id=rid * 10,
                name=name,
                kind=PersonKind.FLOATING,
                id_number_masked="1101**********002X",
                phone_masked=None,
            ),
            role=ResidencyRole.TENANT,
            relation="",
            moved_in=date(2026, 1, 1),
        )
        for rid, name in residents
    )
    return HouseSheet(
        house_id=house_id,
        code="A-1-101",
        address="安宁路1号",
        grid_code="G1",
        risk_colour="green",
        landlord=None,
        cadre_name="王芳",
        residents=views,
        last_visit_at=None,
        last_visit_by="",
        assigned_to_actor=True,
    )


def test_the_quick_visit_marks_everybody_staying_and_goes_to_the_summary() -> None:
    flow = VisitFlow.start(1, NOW)
    flow.open(_sheet((1, "张三"), (2, "李四")), NOW)
    assert flow.step is VisitStep.VERIFY
    assert flow.nothing_changed()
    assert flow.confirm_unchanged(LATER)
    assert flow.step is VisitStep.UPLOAD
    assert flow.quick
    assert {rid: c.action for rid, c in flow.checks.items()} == {
        "1": ResidentAction.STAYS,
        "2": ResidentAction.STAYS,
    }
    assert [log.step for log in flow.steps] == [
        VisitStep.SCAN,
        VisitStep.VERIFY,
        VisitStep.UPLOAD,
    ]  # the steps reached, no more
    assert flow.back()
    assert flow.step is VisitStep.PHOTOGRAPH  # the full steps stay one tap away
    assert not flow.quick


def test_the_quick_visit_is_refused_once_something_changed() -> None:
    flow = VisitFlow.start(1, NOW)
    flow.open(_sheet((1, "张三")), NOW)
    assert flow.move_out(1, date(2026, 11, 27))
    assert not flow.nothing_changed()
    assert not flow.confirm_unchanged(LATER)
    assert flow.step is VisitStep.VERIFY


def test_checks_corrections_and_the_same_card_again() -> None:
    flow = VisitFlow.start(1, NOW)
    flow.open(_sheet((1, "张三"), (2, "李四")), NOW)
    assert not flow.next(LATER)  # two residents unchecked
    assert not flow.move_out(1, date(2025, 12, 31))  # before moving in
    flow.correct(2, name="李肆", phone=("sealed", "139****5678"))
    assert flow.resident(2) is not None
    assert flow.resident(2).name == "李肆"  # type: ignore[union-attr]
    flow.stays(1)
    flow.open(_sheet((2, "李四")), LATER)  # the same house: 1 moved out meanwhile
    assert list(flow.checks) == ["2"]
    assert flow.checks["2"].name == "李肆"
    flow.open(_sheet((3, "王五"), house_id=8), LATER)  # another house: nothing kept
    assert flow.checks == {}


def test_a_new_resident_question_by_question_and_back() -> None:
    flow = VisitFlow.start(1, NOW)
    flow.open(_sheet(), NOW)
    assert flow.next(LATER)
    flow.add_resident()
    assert flow.adding is not None
    flow.adding.name = "李四"
    flow.advance()
    assert flow.ask is not None
    assert flow.ask.question is Question.ID
    flow.question_back()
    assert flow.ask.question is Question.NAME
    for _ in Question:
        flow.advance()
    assert flow.ask is None
    assert [item.name for item in flow.new] == ["李四"]
    assert flow.ask_photo(0, PhotoKind.FACE)
    assert not flow.ask_photo(3, PhotoKind.FACE)
    face = FaceDraft(file_id="f1", embedding="sealed", quality=0.9, backend="b", dims=512)
    flow.ask_lookalike(0, face, person_id=5, name="李思")
    assert flow.ask is not None
    assert flow.ask.kind is AskKind.LOOKALIKE
    assert flow.decide_lookalike(True) == "李思"
    assert flow.new[0].existing_id == 5
    assert flow.slot_file(0, PhotoKind.FACE) == "f1"
    assert flow.file_ids() == {"f1"}


def test_the_flow_survives_the_codec_and_becomes_the_plan() -> None:
    flow = VisitFlow.start(1, NOW)
    flow.open(_sheet((1, "张三")), NOW)
    flow.correct(1, kind=PersonKind.REGISTERED, id_number=("s:110105198001010016", "1101…"))
    flow.next(LATER)
    flow.add_resident()
    assert flow.adding is not None
    flow.adding.name, flow.adding.phone = "李四", "s:13912345678"
    for _ in Question:
        flow.advance()
    flow.set_photo(None, PhotoKind.CONTACT_CARD, "card")
    stored = decode(encode(flow))
    assert stored == flow
    visits: Any = SimpleNamespace(unseal=lambda sealed: sealed.removeprefix("s:"))
    plan = to_plan(stored, visits, {"card": b"jpeg"})
    assert plan.house_id == 7
    assert plan.checks[0].id_number == "110105198001010016"
    assert plan.checks[0].kind is PersonKind.REGISTERED
    assert plan.new_residents[0].phone == "13912345678"
    assert plan.house_photos[0].data == b"jpeg"
    assert [s["step"] for s in plan.steps] == ["scan", "verify", "update"]
