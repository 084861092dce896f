"""📝 The cadre's visit (入户走访) as typed state: scan → verify → update → photograph → upload.

Everything the visit collects waits here until the summary's ✅: the house as opened (masked
personal data only), each resident's check, the new residents with their photos and face,
the house's photos, a fresh face photo of a resident who stays (on their `Check`), and the
sub-step being asked (`Ask`: a move-out date, a correction, a question about a new resident,
a photo, a look-alike decision). Personal data the cadre typed or the ID card gave (ID
numbers, phones) and face embeddings are stored sealed by `VisitService.seal`; photos are kept
as the front end's file ids. The step changes only through the methods below; `to_plan`
turns the finished draft into the service's plan.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from core.models import PersonKind, PhotoKind, ResidencyRole
from core.serial import persistable
from core.services.visits import ResidentAction


class VisitStep(enum.StrEnum):
    SCAN = "scan"
    VERIFY = "verify"
    UPDATE = "update"
    PHOTOGRAPH = "photograph"
    UPLOAD = "upload"

    @property
    def number(self) -> int:
        return list(VisitStep).index(self) + 1


class AskKind(enum.StrEnum):
    """The sub-step the form is asking, inside a step."""

    MOVED_OUT = "moved_out"  # step 2: since when has this resident left?
    CORRECT = "correct"  # step 2: which detail is wrong (then: its value)
    NEW = "new"  # step 3: one question about a new resident
    PHOTO = "photo"  # step 4: the next photo goes into this slot
    LOOKALIKE = "lookalike"  # step 4: the face resembles an enrolled one; same person?


class Detail(enum.StrEnum):
    """A resident's detail the cadre may correct."""

    NAME = "name"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    KIND = "kind"


class Question(enum.StrEnum):
    """The questions about a new resident, in the order they are asked."""

    NAME = "name"
    ID = "id"
    PHONE = "phone"
    KIND = "kind"
    ROLE = "role"
    MOVED_IN = "moved_in"

    @property
    def number(self) -> int:
        return list(Question).index(self) + 1


@persistable("flow.visit.house")
@dataclass
class HouseCard:
    """The opened house, as the screens show it."""

    id: int
    code: str
    address: str
    colour: str
    grid: str = ""
    landlord: str = ""  # name · masked phone
    cadre: str = ""
    last_at: datetime | None = None
    last_by: str = ""
    assigned: bool = True


@persistable("flow.visit.resident")
@dataclass
class ResidentRow:
    """A resident living in the house when it was opened (masked data only)."""

    rid: int  # the residency
    pid: int  # the person
    name: str
    kind: PersonKind
    moved_in: date | None = None
    id_masked: str = ""
    phone_masked: str = ""


@persistable("flow.visit.face")
@dataclass
class FaceDraft:
    """A checked face photo: its file and its embedding (biometric: sealed)."""

    file_id: str
    embedding: str  # sealed base64 of the float32 vector
    quality: float
    backend: str
    dims: int


@persistable("flow.visit.check")
@dataclass
class Check:
    """What the cadre found about one resident; corrected values only (phone, ID sealed)."""

    action: ResidentAction
    moved_out: date | None = None
    name: str | None = None
    phone: str | None = None  # sealed
    kind: PersonKind | None = None
    id_number: str | None = None  # sealed
    # A fresh face photo of a resident who stays (one more template); drafts saved before
    # there was one load with None.
    face: FaceDraft | None = None


@persistable("flow.visit.new_resident")
@dataclass
class NewResidentDraft:
    name: str = ""
    id_number: str | None = None  # sealed
    id_masked: str = ""
    phone: str | None = None  # sealed
    phone_masked: str = ""
    kind: PersonKind = PersonKind.FLOATING
    role: ResidencyRole = ResidencyRole.TENANT
    relation: str = ""
    moved_in: date | None = None
    existing_id: int | None = None  # an already registered person (same ID number or face)
    existing_name: str = ""
    photos: dict[str, str] = field(default_factory=dict)  # PhotoKind value → file id
    face: FaceDraft | None = None

    def set_id_number(self, sealed: str, masked: str) -> None:
        self.id_number, self.id_masked = sealed, masked
        self.existing_id, self.existing_name = None, ""

    def link(self, person_id: int, name: str, kind: PersonKind | None = None) -> None:
        """The number (or face) is an already registered person's."""
        self.existing_id, self.existing_name = person_id, name
        if kind is not None:
            self.kind = kind

    def no_id_card(self) -> None:
        """No resident ID card: a foreign resident; forget a number typed before going back."""
        self.kind = PersonKind.FOREIGN
        self.id_number, self.id_masked = None, ""
        self.existing_id, self.existing_name = None, ""


@persistable("flow.visit.ask")
@dataclass
class Ask:
    """The sub-step being asked; which fields matter depends on `kind`."""

    kind: AskKind
    rid: int = 0  # MOVED_OUT, CORRECT; PHOTO, LOOKALIKE of a staying resident's face
    detail: Detail | None = None  # CORRECT: the detail being typed (None: still choosing)
    question: Question | None = None  # NEW
    item: NewResidentDraft | None = None  # NEW: the resident being added
    read: str | None = None  # NEW at ID: the number read from the card photo (sealed)
    read_masked: str = ""  # … and masked, for the screen
    index: int | None = None  # PHOTO, LOOKALIKE: a new resident's (None, no rid: the house's)
    photo: PhotoKind | None = None  # PHOTO: which photo
    face: FaceDraft | None = None  # LOOKALIKE: the new face, waiting for the decision
    person_id: int = 0  # LOOKALIKE: the enrolled person it resembles
    person_name: str = ""


@persistable("flow.visit.step_log")
@dataclass
class StepLog:
    """When each step was first reached (the visit log)."""

    step: VisitStep
    at: datetime


class Slot(NamedTuple):
    """Whose photo of what: a new resident's (`new`: their index in `VisitFlow.new`), the face
    of a resident who stays (`rid`: their residency), else the house's."""

    new: int | None
    kind: PhotoKind
    rid: int = 0
