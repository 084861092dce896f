"""What a visit reads and writes: the opened house, the plan `VisitService.commit` writes in
one go (each resident's check, the new residents, the photos), and what it did."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from core.models import PersonKind, PhotoKind, ResidencyRole
from core.services.face_templates import FaceEnrolment
from core.services.persons import PersonView, ResidentView


class ResidentAction(enum.StrEnum):
    STAYS = "stays"
    MOVED_OUT = "moved_out"
    CORRECTED = "corrected"  # still lives here; some details were wrong


@dataclass(frozen=True)
class HouseSheet:
    """What the cadre sees when the house is opened (masked personal data only)."""

    house_id: int
    code: str
    address: str
    grid_code: str
    risk_colour: str
    landlord: PersonView | None
    cadre_name: str
    residents: tuple[ResidentView, ...]
    last_visit_at: datetime | None
    last_visit_by: str
    assigned_to_actor: bool


@dataclass(frozen=True)
class ResidentCheck:
    residency_id: int
    action: ResidentAction
    moved_out: date | None = None
    name: str | None = None
    phone: str | None = None
    kind: PersonKind | None = None
    id_number: str | None = None
    face: FaceEnrolment | None = None  # a fresh photo of a resident who stays: one more template


@dataclass(frozen=True)
class PhotoUpload:
    kind: PhotoKind
    data: bytes


@dataclass(frozen=True)
class NewResident:
    name: str
    kind: PersonKind = PersonKind.FLOATING
    role: ResidencyRole = ResidencyRole.TENANT
    relation: str = ""
    moved_in: date | None = None
    id_number: str | None = None
    phone: str | None = None
    # The cadre confirmed this is somebody already registered (same face or ID number).
    existing_person_id: int | None = None
    photos: tuple[PhotoUpload, ...] = ()
    face: FaceEnrolment | None = None


@dataclass(frozen=True)
class VisitPlan:
    house_id: int
    started_at: datetime
    checks: tuple[ResidentCheck, ...] = ()
    new_residents: tuple[NewResident, ...] = ()
    house_photos: tuple[PhotoUpload, ...] = ()
    steps: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class VisitOutcome:
    visit_id: int
    assigned: bool
    confirmed: int = 0
    corrected: int = 0
    moved_out: int = 0
    added: int = 0
    photos: int = 0
    refreshed: int = 0  # residents who stay and gave a fresh face photo
    # (template id, embedding) of the faces enrolled, and the older templates dropped over
    # the per-person limit: for the running gallery.
    enrolled: tuple[tuple[int, bytes], ...] = field(default=())
    dropped: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class FaceOwner:
    """Whose enrolled face a new photo resembles (shown side by side before saving)."""

    person: PersonView
    photo_id: int | None
    addresses: tuple[str, ...]
