"""`VisitFlow`: the visit's typed draft and its transitions (see `core.flows.visit.state`;
step 4's photos are in `core.flows.visit.photos`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

from core.flows.base import Flow
from core.flows.visit.photos import VisitPhotos
from core.flows.visit.state import (
    Ask,
    AskKind,
    Check,
    Detail,
    HouseCard,
    NewResidentDraft,
    Question,
    ResidentRow,
    StepLog,
    VisitStep,
)
from core.models import PersonKind, PhotoKind
from core.serial import persistable
from core.services.visits import HouseSheet, ResidentAction

# The photos of a new resident that show their face or identity documents: deleted from the
# cadre's chat once the visit is written (the store keeps them).
PERSONAL_PHOTOS = frozenset(
    {PhotoKind.FACE, PhotoKind.ID_FRONT, PhotoKind.ID_BACK, PhotoKind.RESIDENCE_PERMIT}
)


@persistable("flow.visit")
@dataclass(kw_only=True)
class VisitFlow(VisitPhotos, Flow[VisitStep]):
    name: ClassVar[str] = "visit"
    step: VisitStep = VisitStep.SCAN
    started_at: datetime
    steps: list[StepLog] = field(default_factory=list)
    house: HouseCard | None = None
    residents: list[ResidentRow] = field(default_factory=list)
    checks: dict[str, Check] = field(default_factory=dict)  # str(residency id) → check
    new: list[NewResidentDraft] = field(default_factory=list)
    house_photos: dict[str, str] = field(default_factory=dict)  # PhotoKind value → file id
    ask: Ask | None = None
    quick: bool = False  # the summary was reached by "nothing changed"
    # The cadre's chat messages holding ID cards and faces: deleted after the upload.
    private_messages: list[int] = field(default_factory=list)

    @classmethod
    def start(cls, chat_id: int, now: datetime) -> VisitFlow:
        return cls(chat_id=chat_id, started_at=now, steps=[StepLog(VisitStep.SCAN, now)])

    # --- moving between steps -----------------------------------------------------------------

    def enter(self, step: VisitStep, now: datetime) -> None:
        """Move to `step`, logging the first time each step is reached (for the visit log)."""
        self.step, self.ask = step, None
        if all(entry.step is not step for entry in self.steps):
            self.steps.append(StepLog(step, now))

    def next(self, now: datetime) -> bool:
        """On to the next step; False (and stay) while a resident of step 2 is unchecked."""
        if self.step is VisitStep.VERIFY and self.unchecked():
            return False
        if self.step in (VisitStep.VERIFY, VisitStep.UPDATE, VisitStep.PHOTOGRAPH):
            steps = list(VisitStep)
            self.enter(steps[steps.index(self.step) + 1], now)
        return True

    def back(self) -> bool:
        self.ask, self.quick = None, False
        return super().back()

    def to_house(self) -> None:
        """From the scan screen back to the house already opened (nothing rescanned)."""
        if self.house is not None:
            self.step, self.ask = VisitStep.VERIFY, None

    def review(self) -> None:
        """From the quick summary to step 2, to go through every step."""
        self.step, self.ask, self.quick = VisitStep.VERIFY, None, False

    def nothing_changed(self) -> bool:
        """Whether "all still live here, nothing else changed" is still true of the draft."""
        return (
            all(c.action is ResidentAction.STAYS and not c.face for c in self.checks.values())
            and not self.new
            and not self.house_photos
        )

    def confirm_unchanged(self, now: datetime) -> bool:
        """The quick visit: every resident stays, nothing else changed → the summary.

        False (nothing done) when the draft already holds a change."""
        if self.step is not VisitStep.VERIFY or not self.nothing_changed():
            return False
        self.all_stay()
        self.enter(VisitStep.UPLOAD, now)
        self.quick = True
        return True

    # --- the house ----------------------------------------------------------------------------

    def open(self, sheet: HouseSheet, now: datetime) -> None:
        """The opened house at step 2 (the same card again keeps what was checked)."""
        if self.house is not None and self.house.id == sheet.house_id:
            self.reload_residents(sheet)
        else:
            self.load_house(sheet)
            self.new, self.house_photos = [], {}  # those belonged to the other house
        self.enter(VisitStep.VERIFY, now)

    def load_house(self, sheet: HouseSheet) -> None:
        """Copy what the screens show of the house (masked data only)."""
        landlord = ""
        if sheet.landlord is not None:
            parts = (sheet.landlord.name, sheet.landlord.phone_masked or "")
            landlord = " · ".join(part for part in parts if part)
        self.house = HouseCard(
            id=sheet.house_id,
            code=sheet.code,
            address=sheet.address,
            colour=sheet.risk_colour,
            grid=sheet.grid_code,
            landlord=landlord,
            cadre=sheet.cadre_name,
            last_at=sheet.last_visit_at,
            last_by=sheet.last_visit_by,
            assigned=sheet.assigned_to_actor,
        )
        self.residents = [
            ResidentRow(
                rid=r.residency_id,
                pid=r.person.id,
                name=r.person.name,
                kind=r.person.kind,
                moved_in=r.moved_in,
                id_masked=r.person.id_number_masked or "",
                phone_masked=r.person.phone_masked or "",
            )
            for r in sheet.residents
        ]
        self.checks = {}

    def reload_residents(self, sheet: HouseSheet) -> None:
        """Fresh residents from the database, keeping the checks of those still living here."""
        checks = self.checks
        self.load_house(sheet)
        current = {str(r.rid) for r in self.residents}
        self.checks = {rid: check for rid, check in checks.items() if rid in current}

    # --- step 2: verify -----------------------------------------------------------------------

    def resident(self, rid: int) -> ResidentRow | None:
        return next((r for r in self.residents if r.rid == rid), None)

    def unchecked(self) -> list[ResidentRow]:
        return [r for r in self.residents if str(r.rid) not in self.checks]

    def stays(self, rid: int) -> None:
        self.checks[str(rid)] = Check(ResidentAction.STAYS, face=self._fresh_face(rid))
        self.ask = None

    def all_stay(self) -> None:
        for resident in self.residents:
            self.checks.setdefault(str(resident.rid), Check(ResidentAction.STAYS))

    def ask_moved_out(self, rid: int) -> None:
        self.ask = Ask(AskKind.MOVED_OUT, rid=rid)

    def move_out(self, rid: int, when: date) -> bool:
        """Record the move-out; False when `when` is before the resident moved in."""
        resident = self.resident(rid)
        if resident is None or (resident.moved_in is not None and when < resident.moved_in):
            return False
        # A fresh face photo goes: the gate cameras must not learn the face of a leaver.
        self.checks[str(rid)] = Check(ResidentAction.MOVED_OUT, moved_out=when)
        self.ask = None
        return True

    def ask_correct(self, rid: int, detail: Detail | None = None) -> None:
        self.ask = Ask(AskKind.CORRECT, rid=rid, detail=detail)

    def correct(
        self,
        rid: int,
        *,
        name: str | None = None,
        kind: PersonKind | None = None,
        phone: tuple[str, str] | None = None,
        id_number: tuple[str, str] | None = None,
    ) -> None:
        """A corrected detail (`phone`, `id_number`: (sealed, masked)); the row shows it."""
        resident = self.resident(rid)
        if resident is None:
            return
        check = self.checks.get(str(rid))
        if check is None or check.action is not ResidentAction.CORRECTED:
            check = Check(ResidentAction.CORRECTED, face=self._fresh_face(rid))
            self.checks[str(rid)] = check
        if name is not None:
            check.name = resident.name = name
        if kind is not None:
            check.kind = resident.kind = kind
        if phone is not None:
            check.phone, resident.phone_masked = phone
        if id_number is not None:
            check.id_number, resident.id_masked = id_number
        self.ask = None

    def close_ask(self) -> None:
        self.ask = None

    # --- step 3: new residents ----------------------------------------------------------------

    def add_resident(self) -> None:
        self.ask = Ask(AskKind.NEW, question=Question.NAME, item=NewResidentDraft())

    @property
    def adding(self) -> NewResidentDraft | None:
        """The new resident being asked about, if any."""
        return self.ask.item if self.ask is not None and self.ask.kind is AskKind.NEW else None

    def advance(self) -> None:
        """To the next question about the new resident, or to the list when it is complete."""
        ask = self.ask
        if ask is None or ask.question is None or ask.item is None:
            return
        questions = list(Question)
        position = questions.index(ask.question)
        ask.read, ask.read_masked = None, ""
        if position + 1 < len(questions):
            ask.question = questions[position + 1]
            return
        self.new.append(ask.item)
        self.ask = None

    def question_back(self) -> None:
        """Back one question; from the first, back to the list (the resident is dropped)."""
        ask = self.ask
        if ask is None or ask.question is None or ask.question is Question.NAME:
            self.ask = None
            return
        questions = list(Question)
        ask.question = questions[questions.index(ask.question) - 1]
        ask.read, ask.read_masked = None, ""

    def discard_new(self) -> None:
        self.ask = None

    def remove_new(self, index: int) -> NewResidentDraft | None:
        if 0 <= index < len(self.new):
            return self.new.pop(index)
        return None

    # --- step 4: photographs (the slots: `VisitPhotos`) ---------------------------------------

    def keep_private(self, message_id: int) -> None:
        """A chat message holding an ID card or a face: delete it after the upload."""
        if message_id not in self.private_messages:
            self.private_messages.append(message_id)
