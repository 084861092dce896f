"""Long absence: a person on a watched list not seen by any camera for N days (checked daily).

A *long_absence* rule (`params["days"]`, default 3; its list: `watchlist_id`, else every
list of people needing care) is checked by a daily job. A person not seen since the later of
their last passage and the day their entry was added raises one alert per absence: the alert's
key carries the time they were last seen, so the next day's check does not repeat it, and a
new sighting followed by a new absence makes a new alert.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select

from core.models import (
    Alert,
    AlertKind,
    AlertRule,
    AlertStatus,
    Passage,
    Watchlist,
    WatchlistEntry,
    WatchlistKind,
)
from core.notify import Audience, Notice

if TYPE_CHECKING:
    from core.services.alerts.service import AlertService

DEFAULT_DAYS = 3


async def check(service: AlertService) -> list[Alert]:
    """Raise the long-absence alerts due now (the caller's transaction)."""
    session, now = service.session, service.now()
    rules = (
        await session.scalars(
            select(AlertRule).where(
                AlertRule.enabled.is_(True), AlertRule.kind == AlertKind.LONG_ABSENCE
            )
        )
    ).all()
    raised: list[Alert] = []
    for rule in rules:
        days = int(rule.params.get("days", DEFAULT_DAYS))
        query = (
            select(WatchlistEntry, Watchlist)
            .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
            .where(
                WatchlistEntry.person_id.is_not(None),
                WatchlistEntry.ended_at.is_(None),
                or_(WatchlistEntry.valid_until.is_(None), WatchlistEntry.valid_until > now),
            )
        )
        if rule.watchlist_id is not None:
            query = query.where(Watchlist.id == rule.watchlist_id)
        else:
            query = query.where(Watchlist.kind == WatchlistKind.CARE)
        for entry, watchlist in await session.execute(query.order_by(WatchlistEntry.id)):
            assert entry.person_id is not None
            last = await session.scalar(
                select(func.max(Passage.seen_at)).where(Passage.person_id == entry.person_id)
            )
            since = max(last, entry.created_at) if last else entry.created_at
            if now - since < timedelta(days=days):
                continue
            alert = await _raise(service, rule, entry, watchlist, since, now)
            if alert is not None:
                raised.append(alert)
    return raised


async def _raise(
    service: AlertService,
    rule: AlertRule,
    entry: WatchlistEntry,
    watchlist: Watchlist,
    since: datetime,
    now: datetime,
) -> Alert | None:
    key = f"{rule.id}:p{entry.person_id}:absent:{since.isoformat(timespec='seconds')}"[:120]
    if await service.session.scalar(select(Alert.id).where(Alert.dedup_key == key)):
        return None
    alert = Alert(
        kind=AlertKind.LONG_ABSENCE,
        rule_id=rule.id,
        person_id=entry.person_id,
        status=AlertStatus.OPEN,
        dedup_key=key,
        created_at=now,
        last_seen_at=since,
        sightings=1,
        verify=False,
        entry_id=entry.id,
        note="",
    )
    service.session.add(alert)
    await service.session.flush()
    view = await service.view(alert)
    await service.uow.notifications.notify(
        Notice(
            "alert",
            Audience.grid_guards(rule.grid_id or watchlist.grid_id),
            {"view": view},
            alert_id=alert.id,
        )
    )
    return alert
