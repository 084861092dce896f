"""Passages of several frames at their edges: two people in a frame, upgrades after earlier
alerts, out-of-order and reused tracks, folded passages (found in review)."""

from __future__ import annotations

from datetime import timedelta

from core.bootstrap import Storage
from core.models import AlertKind, MatchBand
from core.sightings import FaceSighting, Observation
from tests.core.notices import Told
from tests.core.test_camera_events import post, tolerant, world
from tests.core.test_passage_frames import (
    JUDGE,
    T0,
    alerts,
    frame,
    other_person,
    passages,
    seen,
)
from tests.core.test_tailgating import resident


def two(
    first: list[tuple[int, float]], second: list[tuple[int, float]], keys: str = "ab"
) -> Observation:
    """Two sharp faces in one frame, each with its closest templates."""

    def face(candidates: list[tuple[int, float]], key: str) -> FaceSighting:
        top, similarity = candidates[0]
        return FaceSighting(
            top,
            JUDGE.band(similarity),
            JUDGE.score(similarity),
            (1, 1, 20, 20),
            200,
            key,
            300,
            tuple(candidates),
        )

    return Observation(faces=(face(first, keys[0]), face(second, keys[1])))


async def test_a_key_person_beside_a_stranger_is_alerted(storage: Storage, told: Told) -> None:
    w = await world(storage)
    token, x, y = str(w["token"]), int(w["template"]), await other_person(storage)
    # The stranger's closest is resident Y, far off: Y has no face of their own here.
    [alert] = await frame(storage, token, two([(x, 0.95)], [(y, 0.3)]), T0)
    assert (alert.verify, alert.band) == (False, MatchBand.MATCH)


async def test_a_neighbours_runner_up_does_not_name_a_stranger(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token, x, y = str(w["token"]), int(w["template"]), await other_person(storage)
    # A stranger whose closest is X at 0.5, beside Y whose runner-up is X at 0.92.
    seen_now = two([(x, 0.5), (y, 0.2)], [(y, 0.97), (x, 0.92)])
    assert await frame(storage, token, seen_now, T0) == []
    [passage] = await passages(storage)
    assert passage.person_id != w["person"]


async def test_a_tailgater_who_looks_a_little_like_the_resident_is_tailgating(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    r = await resident(storage)
    event = await post(storage, str(w["token"]), captured_at=T0, direction="in")
    async with storage.services() as svc:
        raised = await svc.camera_events.record(
            event, two([(r, 0.95)], [(r, 0.3)]), tolerant, JUDGE
        )
    assert [a.kind for a in raised] == [AlertKind.TAILGATING]


async def test_later_frames_confirm_the_look_alike_even_after_older_alerts(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token, x = str(w["token"]), int(w["template"])
    # An older confirmed alert here whose cool-down is over, then one still in it (10 min).
    for at, older in ((T0 - timedelta(days=2), timedelta(days=1)), (T0, timedelta(minutes=5))):
        await frame(storage, token, seen([(x, 0.97)], key="o"), at - older)
        [verify] = await frame(storage, token, seen([(x, 0.85)], size=70, sharp=45), at)
        assert verify.verify
        [confirmed] = await frame(storage, token, seen([(x, 0.97)]), at + timedelta(seconds=1))
        assert (confirmed.id, confirmed.verify) == (verify.id, False)


async def test_a_sure_passage_does_not_ask_to_verify_later(storage: Storage, told: Told) -> None:
    w = await world(storage)
    token, x = str(w["token"]), int(w["template"])
    [sure] = await frame(storage, token, seen([(x, 0.92)]), T0, track_id="t")
    [same] = await frame(
        storage, token, seen([(x, 0.85)]), T0 + timedelta(seconds=1), track_id="t"
    )
    assert same.id == sure.id
    assert len(await alerts(storage)) == 1
    [passage] = await passages(storage)
    assert (passage.person_id, passage.band) == (w["person"], MatchBand.MATCH)


async def test_a_frame_captured_earlier_but_sent_later_joins_its_passage(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token, y = str(w["token"]), await other_person(storage)
    await frame(storage, token, seen([(y, 0.95)], key="a"), T0 + timedelta(seconds=2))
    await frame(storage, token, seen([(y, 0.95)], key="a"), T0)
    assert [p.raw["frames"] for p in await passages(storage)] == [2]


async def test_two_people_who_both_look_a_little_like_somebody_stay_two(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token, x = str(w["token"]), int(w["template"])
    await frame(storage, token, seen([(x, 0.85)], key="alice"), T0)
    await frame(storage, token, seen([(x, 0.82)], key="bob"), T0 + timedelta(seconds=3))
    assert len(await passages(storage)) == 2


async def test_frames_of_a_folded_passage_are_one_sighting(storage: Storage, told: Told) -> None:
    w = await world(storage)
    token, x = str(w["token"]), int(w["template"])
    await frame(storage, token, seen([(x, 0.97)], key="o"), T0, track_id="A")
    later = T0 + timedelta(minutes=3)
    for i in range(3):
        await frame(storage, token, seen([(x, 0.97)]), later + timedelta(seconds=i), track_id="B")
    assert [a.sightings for a in await alerts(storage)] == [2]


async def test_a_track_id_used_again_a_day_later_is_a_new_passage(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token, x = str(w["token"]), int(w["template"])
    await frame(storage, token, seen([(x, 0.97)]), T0, track_id="1")
    await frame(storage, token, seen([(x, 0.97)]), T0 + timedelta(days=1), track_id="1")
    assert len(await alerts(storage)) == 2
    assert len(await passages(storage)) == 2
