"""Tailgating: an unauthorised face or plate with, or just after, an authorised entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.bootstrap import Storage
from core.models import (
    AlertKind,
    AlertRule,
    FaceTemplate,
    MatchBand,
    Watchlist,
    WatchlistEntry,
    WatchlistKind,
)
from core.sightings import FaceSighting, Observation, PlateSighting
from tests.core.notices import Told
from tests.core.test_camera_events import SYSTEM, post, record, world

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


async def resident(storage: Storage) -> int:
    """李四 on the residents' list (one template), and a tailgating rule of 10 seconds."""
    async with storage.services() as svc:
        person = await svc.persons.add(SYSTEM, name="李四")
        template = FaceTemplate(person_id=person.id, backend="dlib", dimensions=1, vector=b"r")
        svc.session.add(template)
        # The residents' list is filled by the house register, not by the watchlist service.
        residents = Watchlist(kind=WatchlistKind.RESIDENTS, name="住户")
        svc.session.add(residents)
        await svc.flush()
        svc.session.add(WatchlistEntry(watchlist_id=residents.id, person_id=person.id))
        svc.session.add(WatchlistEntry(watchlist_id=residents.id, plate="浙A11111"))
        svc.session.add(AlertRule(kind=AlertKind.TAILGATING, params={"seconds": 10}))
        await svc.flush()
        return template.id


def faces(*sightings: tuple[int | None, MatchBand]) -> Observation:
    return Observation(
        faces=tuple(
            FaceSighting(t, band, 0.3, (i * 30, 1, i * 30 + 20, 20), 19.0)
            for i, (t, band) in enumerate(sightings)
        )
    )


async def test_two_faces_for_one_authorised_person_is_tailgating(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    template = await resident(storage)
    alone = await post(storage, str(w["token"]), captured_at=T0, direction="in")
    assert await record(storage, alone, faces((template, MatchBand.MATCH))) == []
    later = T0 + timedelta(minutes=5)
    two = await post(storage, str(w["token"]), captured_at=later, direction="in")
    [alert] = await record(
        storage, two, faces((template, MatchBand.MATCH), (None, MatchBand.NO_MATCH))
    )
    assert alert.kind is AlertKind.TAILGATING
    assert [(n.kind, r.chat_id) for n, r in told] == [("alert", -100)]
    leaving = await post(storage, str(w["token"]), captured_at=later, direction="out")
    both = faces((template, MatchBand.MATCH), (None, MatchBand.NO_MATCH))
    assert await record(storage, leaving, both) == []  # leaving together is no tailgating


async def test_an_unauthorised_entry_right_after_an_authorised_one(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    template = await resident(storage)
    token = str(w["token"])

    async def seen(seconds: int, observation: Observation) -> list[AlertKind]:
        at = T0 + timedelta(seconds=seconds)
        event = await post(storage, token, captured_at=at, direction="in")
        return [a.kind for a in await record(storage, event, observation)]

    assert await seen(0, faces((template, MatchBand.MATCH))) == []
    assert await seen(30, faces((None, MatchBand.NO_MATCH))) == []  # 30 s later: not with it
    assert await seen(100, Observation(plate=PlateSighting("浙A11111", "camera"))) == []
    assert await seen(105, Observation(plate=PlateSighting("浙C99999", "camera"))) == [
        AlertKind.TAILGATING
    ]
    # A look-alike (possible band) is not sure either way: no tailgating on its own.
    assert await seen(2000, faces((template, MatchBand.MATCH))) == []
    assert await seen(2003, faces((template, MatchBand.POSSIBLE))) == []
