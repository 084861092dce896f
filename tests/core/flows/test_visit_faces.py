"""A fresh face photo of a resident who stays, in the visit's draft: its slot, what keeps or
drops it, the look-alike decision, the plan, and drafts saved before it existed."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from core.flows.visit import AskKind, Check, FaceDraft, Slot, VisitFlow, to_plan
from core.models import PhotoKind
from core.serial import decode, encode
from core.services.visits import ResidentAction
from tests.core.flows.test_visit import LATER, NOW, _sheet

FACE = FaceDraft(file_id="f1", embedding="s:AAAAAA==", quality=0.8, backend="b", dims=1)


def at_photos(*residents: tuple[int, str]) -> VisitFlow:
    """A visit at step 4 of a house with these residents, every one still living there."""
    flow = VisitFlow.start(1, NOW)
    flow.open(_sheet(*residents), NOW)
    flow.all_stay()
    flow.next(LATER)
    flow.next(LATER)
    return flow


def test_each_resident_who_stays_has_an_optional_face_slot() -> None:
    flow = VisitFlow.start(1, NOW)
    flow.open(_sheet((1, "张三"), (2, "李四")), NOW)
    flow.stays(1)
    assert flow.move_out(2, date(2026, 11, 27))
    slots = flow.photo_slots()
    assert Slot(None, PhotoKind.FACE, 1) in slots
    assert Slot(None, PhotoKind.FACE, 2) not in slots  # moved out: no face to refresh
    assert slots[-1] == Slot(None, PhotoKind.CONTACT_CARD)
    # A photo sent without pressing an item fills the house's card, not the optional face.
    assert flow.next_empty_slot() == Slot(None, PhotoKind.CONTACT_CARD)
    assert not flow.ask_photo(None, PhotoKind.FACE, 2)
    assert flow.ask_photo(None, PhotoKind.FACE, 1)
    assert flow.ask is not None
    assert (flow.ask.kind, flow.ask.rid) == (AskKind.PHOTO, 1)
    assert flow.nothing_changed() is False  # a move-out
    flow.accept_face(None, FACE, 1)
    assert flow.ask is None
    assert flow.slot_file(None, PhotoKind.FACE, 1) == "f1"
    assert flow.file_ids() == {"f1"}


def test_a_fresh_face_is_a_change_kept_through_corrections_and_lost_on_moving_out() -> None:
    flow = at_photos((1, "张三"))
    assert flow.nothing_changed()
    flow.accept_face(None, FACE, 1)
    assert not flow.nothing_changed()  # no quick "nothing changed" visit with a new photo
    assert not flow.confirm_unchanged(LATER)
    flow.correct(1, name="张叁")
    assert flow.checks["1"].face == FACE
    flow.stays(1)
    assert flow.checks["1"].face == FACE
    assert flow.move_out(1, date(2026, 11, 27))
    assert flow.checks["1"].face is None
    assert Slot(None, PhotoKind.FACE, 1) not in flow.photo_slots()


def test_a_face_taken_by_mistake_can_go_and_a_lost_file_empties_its_slot() -> None:
    flow = at_photos((1, "张三"))
    assert not flow.drop_face(1)
    flow.accept_face(None, FACE, 1)
    assert flow.drop_face(1)
    assert flow.checks["1"].face is None
    flow.accept_face(None, FACE, 1)
    assert flow.forget_file("f1") == [Slot(None, PhotoKind.FACE, 1)]
    assert flow.checks["1"].face is None


def test_a_look_alike_of_a_resident_who_stays_is_kept_or_taken_again_never_linked() -> None:
    flow = at_photos((1, "张三"))
    flow.ask_lookalike(None, FACE, person_id=9, name="王五", rid=1)
    assert flow.decide_lookalike(True) is None  # no merge of two records in a visit
    assert flow.ask is not None
    assert (flow.ask.kind, flow.ask.rid, flow.ask.photo) == (AskKind.PHOTO, 1, PhotoKind.FACE)
    assert flow.checks["1"].face is None
    flow.ask_lookalike(None, FACE, person_id=9, name="王五", rid=1)
    assert flow.decide_lookalike(None) is None  # retake
    assert flow.checks["1"].face is None
    flow.ask_lookalike(None, FACE, person_id=9, name="王五", rid=1)
    assert flow.decide_lookalike(False) is None  # it is 张三: kept as his
    assert flow.checks["1"].face == FACE
    assert flow.ask is None


def test_the_draft_survives_the_codec_and_the_plan_carries_the_face() -> None:
    flow = at_photos((1, "张三"), (2, "李四"))
    flow.accept_face(None, FACE, 2)
    stored = decode(encode(flow))
    assert stored == flow
    visits: Any = SimpleNamespace(unseal=lambda sealed: sealed.removeprefix("s:"))
    plan = to_plan(stored, visits, {"f1": b"jpeg"})
    by_rid = {check.residency_id: check for check in plan.checks}
    assert by_rid[1].face is None
    face = by_rid[2].face
    assert face is not None
    assert (face.data, face.embedding, face.backend) == (b"jpeg", b"\0\0\0\0", "b")
    assert by_rid[2].action is ResidentAction.STAYS


def without_check_faces(value: Any) -> Any:
    """A stored draft as an older release wrote it: its checks had no `face` field."""
    if isinstance(value, list):
        return [without_check_faces(item) for item in value]
    if not isinstance(value, dict):
        return value
    tagged = value.get("__dc__")
    if tagged is not None and tagged[0] == "flow.visit.check":
        return {"__dc__": [tagged[0], {k: v for k, v in tagged[1].items() if k != "face"}]}
    return {key: without_check_faces(item) for key, item in value.items()}


def test_a_draft_saved_before_faces_of_staying_residents_still_loads() -> None:
    flow = at_photos((1, "张三"))
    flow.correct(1, name="张叁")
    old = without_check_faces(encode(flow))
    assert "face" not in str(old["__dc__"][1]["checks"])
    loaded = decode(old)
    assert isinstance(loaded, VisitFlow)
    assert loaded.checks == {"1": Check(ResidentAction.CORRECTED, name="张叁")}
    assert loaded == flow
