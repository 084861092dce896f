"""Long absence: a person needing care not seen by any camera for N days (frozen clock)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.bootstrap import Storage
from core.models import AlertKind, AlertRule, WatchlistKind
from core.services import ServiceFactory
from tests.core.notices import Told
from tests.core.supervision_factories import FrozenClock, with_context
from tests.core.test_camera_events import SYSTEM, face, post, record, world

ZONE = ZoneInfo("Asia/Shanghai")


async def test_a_person_not_seen_for_days_raises_one_alert_per_absence(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    start = datetime(2026, 11, 23, 8, 0, tzinfo=ZONE)
    clock = FrozenClock(start)
    services: ServiceFactory = with_context(storage.services, clock=clock)
    async with services() as svc:
        care = await svc.watchlists.create(SYSTEM, kind=WatchlistKind.CARE, name="独居老人")
        entry = await svc.watchlists.add_person(
            SYSTEM, care.id, int(w["person"]), reason="独居需每日关注", authority="社区"
        )
        entry.created_at = start
        svc.session.add(AlertRule(kind=AlertKind.LONG_ABSENCE, params={"days": 3}))
    # Seen by the gate camera on day 1.
    event = await post(storage, str(w["token"]), captured_at=start + timedelta(hours=2))
    await record(storage, event, face(w["template"]))
    told.clear()

    async def daily() -> list[int]:
        async with services() as svc:
            return [a.id for a in await svc.alerts.check_absences()]

    clock.advance(days=3)  # 3 days minus 2 hours since the sighting: not yet
    assert await daily() == []
    clock.advance(days=1)
    [alert_id] = await daily()
    assert [(n.kind, r.chat_id) for n, r in told] == [("alert", -100), ("alert", -200)]
    async with services() as svc:
        view = await svc.alerts.view(await svc.alerts._get(alert_id))
    assert view.kind is AlertKind.LONG_ABSENCE
    assert (view.subject, view.list_name, view.reason) == ("张三", "独居老人", "独居需每日关注")
    assert view.last_seen == start + timedelta(hours=2)
    clock.advance(days=1)
    assert await daily() == []  # the same absence is told once
    # Seen again, then absent again: a new alert.
    again = await post(storage, str(w["token"]), captured_at=clock.now)
    await record(storage, again, face(w["template"]))
    clock.advance(days=3, hours=1)
    [second] = await daily()
    assert second != alert_id
