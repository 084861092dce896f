"""The stranger rule's threshold, and rules' weekly time windows (a quiet time)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.bootstrap import Storage
from core.models import AlertKind, AlertRule, MatchBand
from core.services.alerts.scope import Window, WindowError, in_windows, parse_days, parse_window
from core.sightings import FaceSighting, Observation
from tests.core.notices import Told
from tests.core.test_camera_events import face, post, record, world

ZONE = ZoneInfo("Asia/Shanghai")
FRIDAY_NIGHT = datetime(2026, 11, 27, 23, 0, tzinfo=ZONE)  # a Friday
FRIDAY_NOON = datetime(2026, 11, 27, 12, 0, tzinfo=ZONE)


def stranger(key: str) -> Observation:
    return Observation(
        faces=(FaceSighting(None, MatchBand.NO_MATCH, None, (1, 1, 20, 20), 19.0, key),)
    )


async def add_rule(storage: Storage, kind: AlertKind, **params: object) -> None:
    async with storage.services() as svc:
        svc.session.add(AlertRule(kind=kind, enabled=True, params=params, cooldown_seconds=1800))


async def test_a_stranger_alerts_only_when_seen_often_enough(storage: Storage, told: Told) -> None:
    w = await world(storage)
    token = str(w["token"])
    await add_rule(storage, AlertKind.STRANGER, count=3, minutes=10)

    async def seen(key: str, track: str, minute: int) -> list[object]:
        at = FRIDAY_NIGHT + timedelta(minutes=minute)
        event = await post(storage, token, captured_at=at, track_id=track)
        return list(await record(storage, event, stranger(key)))

    assert await seen("k1", "a", 0) == []
    assert await seen("k1", "a", 0) == []  # more frames of the same passage: one passer-by
    assert await seen("k2", "x", 1) == []  # someone else, once
    assert await seen("k1", "b", 3) == []
    [alert] = await seen("k1", "c", 6)  # the third passage within 10 minutes
    assert alert.kind is AlertKind.STRANGER
    assert alert.sightings == 3
    async with storage.services() as svc:
        assert (await svc.alerts.view(alert)).subject == "北门"  # no name: where it was seen
    assert [(n.kind, r.chat_id) for n, r in told] == [("alert", -100)]
    [folded] = await seen("k1", "d", 8)  # cool-down: folded into the alert
    assert folded.id == alert.id
    # Passages spread over more than the rule's minutes are not enough.
    assert await seen("k3", "e", 20) == []
    assert await seen("k3", "f", 31) == []
    assert await seen("k3", "g", 42) == []


async def test_a_rule_keeps_quiet_outside_its_time_window(storage: Storage, told: Told) -> None:
    w = await world(storage)
    token = str(w["token"])
    async with storage.services() as svc:
        for rule in await svc.alerts._rules():  # the key-person rule: nights only
            if rule.kind is AlertKind.PERSON_OF_INTEREST:
                rule.params = {"windows": [{"days": "mon-fri", "start": "22:00", "end": "06:00"}]}
    noon = await post(storage, token, captured_at=FRIDAY_NOON)
    assert await record(storage, noon, face(w["template"])) == []
    night = await post(storage, token, captured_at=FRIDAY_NIGHT)
    [alert] = await record(storage, night, face(w["template"]))
    assert alert.kind is AlertKind.PERSON_OF_INTEREST


def test_windows_run_past_midnight_and_belong_to_the_day_they_start() -> None:
    nights = [{"days": "mon-fri", "start": "22:00", "end": "06:00"}]
    saturday_3am = datetime(2026, 11, 28, 3, 0, tzinfo=ZONE)
    monday_3am = datetime(2026, 11, 30, 3, 0, tzinfo=ZONE)
    saturday_night = datetime(2026, 11, 28, 22, 30, tzinfo=ZONE)
    assert in_windows(nights, FRIDAY_NIGHT, ZONE)
    assert in_windows(nights, saturday_3am, ZONE)  # Friday's night
    assert not in_windows(nights, monday_3am, ZONE)  # Sunday's night
    assert not in_windows(nights, saturday_night, ZONE)
    assert not in_windows(nights, FRIDAY_NOON, ZONE)
    assert in_windows(None, FRIDAY_NOON, ZONE)
    assert in_windows([{"days": "funday"}], FRIDAY_NOON, ZONE)  # unreadable: never silent
    assert parse_days("sat,sun") == frozenset({5, 6})
    assert parse_days("fri-mon") == frozenset({4, 5, 6, 0})
    assert parse_window({"start": "08:00", "end": "18:00"}) == Window(
        frozenset(range(7)), time(8, 0), time(18, 0)
    )
    for bad in ({"days": "funday"}, {"start": "25:00"}, {"start": "8"}, {"when": "now"}):
        with pytest.raises(WindowError):
            parse_window(bad)
