"""An alert as guards read it: the data a caption needs (words are the front end's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Alert,
    AlertKind,
    AlertStatus,
    Camera,
    MatchBand,
    Member,
    Person,
    StoredPhoto,
    Watchlist,
    WatchlistEntry,
)
from core.services.alerts import verdicts
from core.services.alerts.verdicts import VerdictHistory


@dataclass(frozen=True)
class AlertView:
    """An alert as guards read it (words are the front end's)."""

    id: int
    kind: AlertKind
    verify: bool
    status: AlertStatus
    subject: str  # the person's name or the plate
    plate_read: str | None  # the plate as read, when it differs from the watched one
    list_name: str
    reason: str
    camera: str
    layer: int
    first_seen: datetime
    last_seen: datetime
    sightings: int
    band: MatchBand | None
    score: float | None
    taken_by: str | None
    taken_at: datetime | None
    note: str
    photo: str | None  # the boxed snapshot (path under the data dir)
    verdict: bool | None = None  # a guard's verdict on this one (True: same person)
    history: VerdictHistory | None = None  # verdicts on earlier alerts for the person

    @property
    def open(self) -> bool:
        return self.status is AlertStatus.OPEN


async def build(session: AsyncSession, alert: Alert) -> AlertView:
    camera = await session.get(Camera, alert.camera_id) if alert.camera_id else None
    entry = await session.get(WatchlistEntry, alert.entry_id) if alert.entry_id else None
    watchlist = await session.get(Watchlist, entry.watchlist_id) if entry else None
    person = await session.get(Person, alert.person_id) if alert.person_id else None
    taker = await session.get(Member, alert.taken_by_id) if alert.taken_by_id else None
    photo = await session.get(StoredPhoto, alert.snapshot_id) if alert.snapshot_id else None
    read = alert.plate if entry is not None and alert.plate != entry.plate else None
    return AlertView(
        id=alert.id,
        kind=alert.kind,
        verify=alert.verify,
        status=alert.status,
        # Strangers and tailgating have no name or plate: the camera says where.
        subject=(person.name if person else (entry.plate if entry else alert.plate))
        or (camera.name if camera else "?"),
        plate_read=read,
        list_name=watchlist.name if watchlist else "",
        reason=entry.note if entry else "",
        camera=camera.name if camera else (alert.camera_id or ""),
        layer=camera.defence_layer if camera else 0,
        first_seen=alert.created_at,
        last_seen=alert.last_seen_at or alert.created_at,
        sightings=alert.sightings,
        band=alert.band,
        score=alert.score,
        taken_by=taker.name if taker else None,
        taken_at=alert.taken_at,
        note=alert.note,
        photo=photo.path if photo else None,
        verdict=await verdicts.of_alert(session, alert.id) if alert.verify else None,
        history=await verdicts.history(session, alert.person_id, before=alert.id),
    )
