"""Tailgating: someone without authorisation comes in with, or right after, an authorised entry.

Authorised are people with an active residency or a live entry on a residents' or visitors'
list, and plates on such a list or of a visitor whose visit is valid now. A *tailgating*
rule (`params["seconds"]`, default 10) takes an entry (direction "in", or none given) when
- the snapshot shows more faces than authorised people (an authorised face and another face
  that matches nobody authorised), or
- a face or plate without authorisation passes within `seconds` after an authorised entry at
  the same camera.
Each passage keeps how many authorised and unauthorised faces or plates it had (`raw`), so
the next passage can look back. Possible-band faces count as neither: they are not sure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from core.models import (
    AlertKind,
    AlertRule,
    Camera,
    MatchBand,
    Passage,
    Residency,
    ResidencyStatus,
    Visitor,
    Watchlist,
    WatchlistEntry,
    WatchlistKind,
)
from core.services.alerts.matching import Hit, HitKey
from core.sightings import Observation

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

AUTHORISING = (WatchlistKind.RESIDENTS, WatchlistKind.VISITORS)
DEFAULT_SECONDS = 10


async def check(
    session: AsyncSession,
    rules: Sequence[AlertRule],
    camera: Camera,
    passage: Passage,
    observation: Observation,
    persons: dict[int, int],
    now: datetime,
) -> dict[HitKey, Hit]:
    tail_rules = [r for r in rules if r.kind is AlertKind.TAILGATING]
    if not tail_rules or passage.direction == "out":
        return {}
    matched = {
        persons[f.template_id]
        for f in observation.faces
        if f.band is MatchBand.MATCH and f.template_id in persons
    }
    allowed = await _authorised_persons(session, matched, now)
    authorised = len(matched & allowed)
    unauthorised = sum(
        1
        for f in observation.faces
        if f.band is MatchBand.NO_MATCH
        or (f.band is MatchBand.MATCH and persons.get(f.template_id or -1) not in allowed)
    )
    plate = observation.plate
    if plate is not None and plate.text:
        if await _authorised_plate(session, plate.text, now):
            authorised += 1
        else:
            unauthorised += 1
    passage.raw = {**passage.raw, "authorised": authorised, "unauthorised": unauthorised}
    hits: dict[HitKey, Hit] = {}
    for rule in tail_rules:
        seconds = int(rule.params.get("seconds", DEFAULT_SECONDS))
        together = authorised >= 1 and unauthorised >= 1
        after = unauthorised >= 1 and await _authorised_before(
            session, camera, passage, timedelta(seconds=seconds)
        )
        if together or after:
            hits[(rule.id, "tail", False)] = Hit(rule, None, "tail", False, None, None)
    return hits


async def _authorised_before(
    session: AsyncSession, camera: Camera, passage: Passage, window: timedelta
) -> bool:
    rows = await session.scalars(
        select(Passage).where(
            Passage.camera_id == camera.id,
            Passage.id != passage.id,
            Passage.seen_at >= passage.seen_at - window,
            Passage.seen_at <= passage.seen_at,
            Passage.direction != "out",
        )
    )
    return any(int(p.raw.get("authorised", 0)) > 0 for p in rows)


async def _authorised_persons(
    session: AsyncSession, person_ids: set[int], now: datetime
) -> set[int]:
    if not person_ids:
        return set()
    residents = await session.scalars(
        select(Residency.person_id).where(
            Residency.person_id.in_(person_ids), Residency.status == ResidencyStatus.ACTIVE
        )
    )
    listed = await session.scalars(
        _live(now)
        .where(WatchlistEntry.person_id.in_(person_ids))
        .with_only_columns(WatchlistEntry.person_id)
    )
    return {p for p in [*residents, *listed] if p is not None}


async def _authorised_plate(session: AsyncSession, plate: str, now: datetime) -> bool:
    found = await session.scalar(
        _live(now).where(WatchlistEntry.plate == plate).with_only_columns(WatchlistEntry.id)
    )
    if found is not None:
        return True
    visitor = await session.scalar(
        select(Visitor.id).where(
            Visitor.plate == plate, Visitor.valid_from <= now, Visitor.valid_until > now
        )
    )
    return visitor is not None


def _live(now: datetime):  # type: ignore[no-untyped-def]
    return (
        select(WatchlistEntry)
        .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
        .where(
            Watchlist.kind.in_(AUTHORISING),
            WatchlistEntry.ended_at.is_(None),
            or_(WatchlistEntry.valid_until.is_(None), WatchlistEntry.valid_until > now),
        )
    )
