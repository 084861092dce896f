"""Watchlist entries as people read them, their safeguards' rules, and the service base.

See `core.services.watchlists` for what the safeguards are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_

from core.errors import InvalidInput, NotFound
from core.models import Member, Person, Watchlist, WatchlistEntry, WatchlistKind
from core.roles import Actor
from core.services.base import Service
from core.services.face_templates import TemplateAdded
from core.text import normalize

# The lists a camera event is matched against, and how long an entry lives by default.
WATCH_KINDS = (
    WatchlistKind.PERSONS_OF_INTEREST,
    WatchlistKind.CARE,
    WatchlistKind.MISSING,
    WatchlistKind.VEHICLES,
)
PERSON_KINDS = frozenset(WATCH_KINDS) - {WatchlistKind.VEHICLES}
DEFAULT_DAYS: dict[WatchlistKind, int | None] = {
    WatchlistKind.PERSONS_OF_INTEREST: 90,
    WatchlistKind.CARE: 90,
    WatchlistKind.VEHICLES: 90,
    WatchlistKind.MISSING: None,  # until found
}
# The name a built-in list gets when it is made on first use (an admin may rename it).
DEFAULT_NAMES: dict[WatchlistKind, str] = {
    WatchlistKind.PERSONS_OF_INTEREST: "重点人员",
    WatchlistKind.CARE: "关注人员",
    WatchlistKind.MISSING: "走失人员",
    WatchlistKind.VEHICLES: "布控车辆",
}
FOUND_KEEP = timedelta(days=30)  # a found person's entry is kept this long, not matching
MAX_DAYS = 366  # an entry longer than a year must be renewed, not set once
MAX_REASON, MAX_AUTHORITY = 300, 120
EXPIRING_KIND = "watchlists.expiring"
END_REASONS = frozenset({"removed", "found"})


@dataclass(frozen=True)
class ListView:
    id: int
    kind: WatchlistKind
    name: str
    live: int  # entries that match now


@dataclass(frozen=True)
class EntryView:
    """An entry as police and admins read it (words are the front end's)."""

    id: int
    watchlist_id: int
    list_kind: WatchlistKind
    list_name: str
    subject: str  # the person's name or the plate
    person_id: int | None
    plate: str | None
    reason: str
    authority: str
    added_by: str
    added_at: datetime
    expires: datetime | None  # None: until ended (a missing person until found)
    ended_at: datetime | None
    end_reason: str

    @property
    def live(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class FaceAdded:
    entry: EntryView
    template_id: int  # for the gallery of the running recognition core
    embedding: bytes


@dataclass(frozen=True)
class PhotoAdded:
    """One more face photo of a watched person (`template.dropped`: out of the gallery)."""

    entry: EntryView
    template: TemplateAdded


@dataclass(frozen=True)
class EntryFaces:
    entry: EntryView
    count: int  # the person's face templates of the backend asked about
    limit: int


@dataclass(frozen=True)
class Purged:
    entries: int
    template_ids: tuple[int, ...]  # to drop from the running gallery
    photos: int


def clean_reason(text: str) -> str:
    value = " ".join(normalize(text).split())
    if not value or len(value) > MAX_REASON:
        raise InvalidInput("reason", max=MAX_REASON)
    return value


def clean_authority(text: str) -> str:
    value = " ".join(normalize(text).split())
    if not value or len(value) > MAX_AUTHORITY:
        raise InvalidInput("authority", max=MAX_AUTHORITY)
    return value


def clean_plate(text: str) -> str:
    cleaned = "".join(normalize(text).split()).upper()  # full-width 浙Ａ… is 浙A…
    if not 7 <= len(cleaned) <= 8:
        raise InvalidInput("plate")
    return cleaned


class WatchlistBase(Service):
    """What the watchlist services share: the live rule, views, look-ups."""

    async def _who(self, actor: Actor) -> str:
        if actor.member_id is not None:
            member = await self.session.get(Member, actor.member_id)
            if member is not None:
                return member.name[:120]
        return actor.display[:120]

    def _live_clause(self) -> ColumnElement[bool]:
        now = self.now()
        return and_(
            WatchlistEntry.ended_at.is_(None),
            or_(WatchlistEntry.valid_until.is_(None), WatchlistEntry.valid_until > now),
        )

    async def _view(self, entry: WatchlistEntry) -> EntryView:
        watchlist = await self._watchlist(entry.watchlist_id)
        person = await self.session.get(Person, entry.person_id) if entry.person_id else None
        expired = entry.valid_until is not None and entry.valid_until <= self.now()
        ended = entry.ended_at or (entry.valid_until if expired else None)
        return EntryView(
            id=entry.id,
            watchlist_id=watchlist.id,
            list_kind=watchlist.kind,
            list_name=watchlist.name,
            subject=person.name if person else entry.plate or "?",
            person_id=entry.person_id,
            plate=entry.plate,
            reason=entry.note,
            authority=entry.authority,
            added_by=entry.added_by,
            added_at=entry.created_at,
            expires=entry.valid_until,
            ended_at=ended,
            end_reason=entry.end_reason or ("expired" if expired else ""),
        )

    async def _get(self, entry_id: int) -> WatchlistEntry:
        entry = await self.session.get(WatchlistEntry, entry_id)
        if entry is None:
            raise NotFound("watchlist_entry", id=entry_id)
        return entry

    async def _watchlist(self, watchlist_id: int) -> Watchlist:
        watchlist = await self.session.get(Watchlist, watchlist_id)
        if watchlist is None:
            raise NotFound("watchlist", id=watchlist_id)
        return watchlist
