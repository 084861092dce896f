"""What a person's record shows (`records`): its lines, and how a search query is read."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from core.errors import InvalidIdNumber, InvalidPhone
from core.idnumber import normalize_id_number, normalize_phone
from core.models import (
    MatchBand,
    Person,
    PersonKind,
    PhotoKind,
    ReportCategory,
    ReportStatus,
    ResidencyRole,
    ResidencyStatus,
    VisitStatus,
    WatchlistKind,
)
from core.text import clean_line, normalize

REASON_MAX = 200
_ID_SUFFIX = re.compile(r"^[0-9]{3,17}[0-9X]?$|^[0-9]{2,17}X$")
_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}$")


class SearchKind:
    NAME = "name"
    ID_NUMBER = "id_number"
    ID_SUFFIX = "id_suffix"
    PHONE = "phone"
    PLATE = "plate"


@dataclass(frozen=True)
class PersonMatch:
    id: int
    name: str
    kind: PersonKind
    id_number_masked: str | None
    phone_masked: str | None
    erased: bool


@dataclass(frozen=True)
class ResidencyLine:
    house_id: int
    house_code: str
    address: str
    role: ResidencyRole
    relation: str
    moved_in: date | None
    moved_out: date | None
    status: ResidencyStatus


@dataclass(frozen=True)
class VisitLine:
    id: int
    house_code: str
    started_at: datetime
    cadre: str
    status: VisitStatus


@dataclass(frozen=True)
class ReportLine:
    id: int
    category: ReportCategory
    status: ReportStatus
    created_at: datetime


@dataclass(frozen=True)
class WatchLine:
    entry_id: int
    watchlist: str
    kind: WatchlistKind
    note: str
    valid_until: datetime | None
    active: bool
    authority: str  # what the entry rests on (e.g. a police request), else who added it


@dataclass(frozen=True)
class PassageLine:
    id: int
    camera: str
    seen_at: datetime
    band: MatchBand | None
    plate: str | None
    direction: str


@dataclass(frozen=True)
class PictureLine:
    id: int
    kind: PhotoKind
    created_at: datetime


@dataclass(frozen=True)
class PersonRecord:
    person: PersonMatch
    erased_at: datetime | None
    erasure_reason: str
    pictures_purged_at: datetime | None
    residencies: tuple[ResidencyLine, ...]
    visits: tuple[VisitLine, ...]
    reports: tuple[ReportLine, ...]
    watchlist: tuple[WatchLine, ...]
    passages: tuple[PassageLine, ...]
    passage_days: int
    pictures: tuple[PictureLine, ...]
    templates: int


def match_of(person: Person) -> PersonMatch:
    return PersonMatch(
        id=person.id,
        name=person.name,
        kind=person.kind,
        id_number_masked=person.id_number_masked,
        phone_masked=person.phone_masked,
        erased=person.erased_at is not None,
    )


def classify(query: str) -> tuple[str, str]:
    """(search kind, the query in the canonical form that kind compares)."""
    text = normalize(query)
    compact = "".join(text.split()).upper()
    try:
        return SearchKind.ID_NUMBER, normalize_id_number(compact)
    except InvalidIdNumber:
        pass
    try:
        return SearchKind.PHONE, normalize_phone(compact)
    except InvalidPhone:
        pass
    if _ID_SUFFIX.match(compact):
        return SearchKind.ID_SUFFIX, compact
    if _PLATE.match(compact):
        return SearchKind.PLATE, compact
    return SearchKind.NAME, clean_line(text, field="query", max_length=80)


def stated_reason(reason: str) -> str:
    """The reason an officer typed, normalised; empty or overlong is refused."""
    return clean_line(reason, field="reason", max_length=REASON_MAX)


def latest_picture(record: PersonRecord, kinds: Sequence[PhotoKind]) -> PictureLine | None:
    """The newest of the record's pictures of one of `kinds` (a face before an ID card)."""
    for kind in kinds:
        found = [p for p in record.pictures if p.kind is kind]
        if found:
            return found[-1]
    return None
