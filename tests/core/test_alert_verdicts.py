"""Guards' verdicts on "please verify" alerts, and persons with several face templates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.bootstrap import Storage
from core.models import AlertStatus, AlertVerdict, AuditEntry, FaceTemplate, MatchBand
from core.services import actor_for
from core.services.alerts import NotVerifiable
from core.sightings import FaceSighting, Observation
from tests.core.notices import Told
from tests.core.test_camera_events import SYSTEM, face, post, record, world


async def guard_actor(storage: Storage):  # type: ignore[no-untyped-def]
    async with storage.services() as svc:
        guard = await svc.members.add(SYSTEM, telegram_id=555, role="guard", name="李保安")
    return actor_for(guard)


async def test_not_this_person_keeps_the_look_alike_quiet_at_that_camera(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token = str(w["token"])
    [alert] = await record(
        storage, await post(storage, token), face(w["template"], MatchBand.POSSIBLE)
    )
    guard = await guard_actor(storage)
    async with storage.services() as svc:
        view = await svc.alerts.act(guard, alert.id, "not")
    assert (view.status, view.verdict, view.taken_by) == (AlertStatus.FALSE_ALARM, False, "李保安")
    # The same look-alike again at the same camera: no alert, but the match is audited.
    again = await post(storage, token)
    assert await record(storage, again, face(w["template"], MatchBand.POSSIBLE)) == []
    # A confident match of the person is not the look-alike the guard judged: it alerts.
    [confirmed] = await record(storage, await post(storage, token), face(w["template"]))
    assert not confirmed.verify
    async with storage.services() as svc:
        quiet = await svc.session.scalars(select(AuditEntry).where(AuditEntry.action == "match"))
        assert any(e.details.get("quiet") for e in quiet)
        verdict = await svc.session.scalar(select(AlertVerdict))
        assert verdict is not None
        assert verdict.quiet_until is not None
        later_view = await svc.alerts.view(confirmed)
    # The earlier verdict is shown on later alerts for that person.
    assert later_view.history is not None
    assert (later_view.history.same, later_view.history.other) == (0, 1)
    assert later_view.history.last_by == "李保安"
    # Once the quiet time (24 h by default) is over, the look-alike raises "please verify" again.
    day_later = datetime.now(UTC) + timedelta(hours=25)
    late = await post(storage, token, captured_at=day_later)
    [fresh] = await record(storage, late, face(w["template"], MatchBand.POSSIBLE))
    assert fresh.verify
    assert fresh.id != alert.id


async def test_same_person_is_stored_and_only_verify_alerts_take_a_verdict(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token = str(w["token"])
    [possible] = await record(
        storage, await post(storage, token), face(w["template"], MatchBand.POSSIBLE)
    )
    guard = await guard_actor(storage)
    async with storage.services() as svc:
        view = await svc.alerts.act(guard, possible.id, "same")
    assert (view.status, view.verdict) == (AlertStatus.TAKEN, True)
    assert told[-1][0].kind == "alert.edit"
    later = await post(storage, token, captured_at=datetime.now(UTC) + timedelta(days=1))
    [confirmed] = await record(storage, later, face(w["template"]))
    async with storage.services() as svc:
        later_view = await svc.alerts.view(confirmed)
        assert later_view.history is not None
        assert (later_view.history.same, later_view.history.last_same) == (1, True)
        with pytest.raises(NotVerifiable):
            await svc.alerts.act(guard, confirmed.id, "not")
        entries = await svc.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "verdict")
        )
        assert [e.details.get("same") for e in entries] == [True]


async def test_a_person_with_several_templates_is_named_once(storage: Storage, told: Told) -> None:
    w = await world(storage)
    async with storage.services() as svc:
        second = FaceTemplate(
            person_id=int(w["person"]), backend="dlib", dimensions=1, vector=b"y"
        )
        svc.session.add(second)
        await svc.flush()
        second_id = second.id
    # The closest template is the second one: the alert names the same person.
    both = Observation(
        faces=(
            FaceSighting(second_id, MatchBand.MATCH, 0.3, (1, 1, 20, 20), 19.0),
            FaceSighting(int(w["template"]), MatchBand.POSSIBLE, 0.5, (30, 1, 50, 20), 19.0),
        )
    )
    [alert] = await record(storage, await post(storage, str(w["token"])), both)
    assert alert.person_id == w["person"]
    assert not alert.verify  # the confident face decides; the look-alike is not a second alert
    assert [n.kind for n, _ in told] == ["alert"]
