"""What the reports' service takes and returns: plain frozen data, no ORM rows, no words.

A `ReportView` is what staff may read: with `anonymous`, the reporter's name is left out
(the service never puts it in), so no renderer can show it by mistake. `Change` is one step
of the history as the reporter and followers hear it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from core.models import HazardKind, ReportCategory, ReportClosure, ReportStatus

MAX_TEXT = 800  # a description: it must fit a photo's caption (1,024) with the card around it
MAX_NOTE = 500  # a staff note, a reopen reason, a comment
MAX_PLACE = 120  # a typed place
MAX_REFERRED = 120  # the body a report was referred to
MAX_PHOTOS = 5
OPEN = frozenset({ReportStatus.NEW, ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS})
SATISFIED_FROM = 4  # a rating of 4 or 5 counts as satisfied
SATISFACTION_TARGET = 0.85  # the source plan's target

# Notice kinds (each has a renderer in handlers/reports/notices.py).
NEW_KIND = "report_new"  # a new (or reopened) report, to the grid's staff group
CHANGE_KIND = "report_change"  # a step of the report, to the reporter and followers
ASSIGNED_KIND = "report_assigned"  # to the member a report was assigned to
ESCALATION_KIND = "report_escalation"  # not acknowledged within the SLA, to the admins
DIGEST_KIND = "report_digest"  # daily, to each staff group
WEEKLY_KIND = "report_weekly"  # weekly, to the admins (with a chart)


@dataclass(frozen=True)
class Reporter:
    """Who files or follows: a Telegram account, a member or not (a tenant with a card)."""

    telegram_id: int
    locale: str | None = None
    name: str = ""  # the Telegram first name (shown to staff unless anonymous)
    member_id: int | None = None


@dataclass(frozen=True)
class NewReport:
    """A confirmed report as the front end hands it over (photos as downloaded bytes)."""

    category: ReportCategory
    text: str
    hazard: HazardKind | None = None
    voice: bytes | None = None  # the reporter's voice note (OGG/Opus), kept sealed
    photos: tuple[bytes, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    house_id: int | None = None
    building_id: int | None = None
    place_text: str = ""
    anonymous: bool = False


@dataclass(frozen=True)
class ReportView:
    id: int
    category: ReportCategory
    hazard: HazardKind | None
    text: str
    has_voice: bool  # a voice note is stored (staff play it from the card)
    place: str  # the typed place, the house's address or the building's name ("" if none)
    latitude: float | None
    longitude: float | None
    anonymous: bool
    reporter_name: str  # "" when anonymous
    status: ReportStatus
    closure: ReportClosure | None
    duplicate_of_id: int | None
    referred_to: str
    assignee_name: str
    grid_id: int | None
    created_at: datetime
    updated_at: datetime
    photos: tuple[str, ...] = ()  # paths under the data dir
    reopen_count: int = 0
    fixed: bool | None = None
    satisfaction: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class Change:
    """One step, as told: the event, the status after it, the staff's note."""

    event: str  # filed, acknowledged, assigned, update, resolved, closed, reopened, escalated
    status: ReportStatus
    note: str = ""
    at: datetime | None = None
    photo: str | None = None


@dataclass(frozen=True)
class Similar:
    """A report like the one being filed (same category, same building or close by)."""

    id: int
    category: ReportCategory
    hazard: HazardKind | None
    summary: str  # the description's first words
    place: str
    status: ReportStatus
    created_at: datetime
    meters: int | None  # distance when both have a location


@dataclass(frozen=True)
class Place:
    """A building to pick from the list, or the reporter's own house."""

    id: int
    label: str


@dataclass(frozen=True)
class Satisfaction:
    """Ratings of resolved reports: how many, how many satisfied (≥ 4 of 5)."""

    rated: int = 0
    satisfied: int = 0

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


@dataclass(frozen=True)
class DigestLine:
    id: int
    category: ReportCategory
    status: ReportStatus
    place: str
    created_at: datetime
    overdue: bool


@dataclass(frozen=True)
class Digest:
    """A staff group's daily digest: what is open, what is overdue, satisfaction."""

    open: tuple[DigestLine, ...]
    satisfaction: dict[str, Satisfaction] = field(default_factory=dict)  # by category value

    @property
    def overdue(self) -> int:
        return sum(line.overdue for line in self.open)


@dataclass(frozen=True)
class WeeklyStats:
    since: datetime
    until: datetime
    by_category: dict[str, int]
    by_status: dict[str, int]
    per_day: dict[str, list[int]]  # category value → reports filed each day
    days: tuple[datetime, ...]
    median_ack_hours: float | None
    median_resolve_hours: float | None
    satisfaction: Satisfaction

    @property
    def total(self) -> int:
        return sum(self.by_category.values())


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    radius = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))
