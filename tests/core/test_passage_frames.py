"""Frames of one passage (a track, or one camera within seconds) decide its faces together."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.bootstrap import Storage
from core.frames import weight
from core.models import Alert, FaceTemplate, MatchBand, Passage
from core.sightings import FaceSighting, Observation, PlateSighting
from tests.core.notices import Told
from tests.core.test_camera_events import SYSTEM, post, tolerant, world

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class Judge:
    """Bands over cosine similarity, as the recognition core gives them."""

    def band(self, similarity: float) -> MatchBand:
        if similarity >= 0.9:
            return MatchBand.MATCH
        return MatchBand.POSSIBLE if similarity >= 0.8 else MatchBand.NO_MATCH

    def score(self, similarity: float) -> float:
        return round(1 - similarity, 4)


JUDGE = Judge()


def seen(
    candidates: list[tuple[int, float]], *, size: float = 200, sharp: float = 300, key: str = "k"
) -> Observation:
    """One face as the worker reports it: its own band from its closest template."""
    top, similarity = candidates[0]
    face = FaceSighting(
        top,
        JUDGE.band(similarity),
        JUDGE.score(similarity),
        (1, 1, 20, 20),
        size,
        key,
        sharp,
        tuple(candidates),
    )
    return Observation(faces=(face,))


async def other_person(storage: Storage) -> int:
    """Somebody enrolled but on no list (a resident): a template of theirs."""
    async with storage.services() as svc:
        person = await svc.persons.add(SYSTEM, name="李四")
        template = FaceTemplate(person_id=person.id, backend="dlib", dimensions=1, vector=b"y")
        svc.session.add(template)
        await svc.flush()
        return template.id


async def frame(
    storage: Storage, token: str, observation: Observation, at: datetime, **fields: str
) -> list[Alert]:
    event_id = await post(storage, token, captured_at=at, **fields)
    async with storage.services() as svc:
        return await svc.camera_events.record(event_id, observation, tolerant, JUDGE)


async def passages(storage: Storage) -> list[Passage]:
    async with storage.services() as svc:
        return list((await svc.session.scalars(select(Passage).order_by(Passage.id))).all())


async def alerts(storage: Storage) -> list[Alert]:
    async with storage.services() as svc:
        return list((await svc.session.scalars(select(Alert).order_by(Alert.id))).all())


async def test_a_blurred_look_alike_among_sharp_frames_raises_nothing(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token, x, y = str(w["token"]), int(w["template"]), await other_person(storage)
    for i in range(2):  # the resident, sharp, walking through the gate
        sharp = seen([(y, 0.95), (x, 0.4)])
        await frame(storage, token, sharp, T0 + timedelta(seconds=i), track_id="t1")
    blurred = seen([(x, 0.85), (y, 0.8)], size=70, sharp=45)  # alone: "please verify" X
    assert await frame(storage, token, blurred, T0 + timedelta(seconds=2), track_id="t1") == []
    [passage] = await passages(storage)
    assert passage.raw["frames"] == 3
    assert passage.band is MatchBand.MATCH
    assert passage.person_id != w["person"]  # the resident, from the sharp frames
    # The same blurred frame as its own passage trusts itself: please verify.
    [alert] = await frame(storage, token, blurred, T0 + timedelta(minutes=5), track_id="t2")
    assert alert.verify


async def test_sharper_frames_confirm_the_look_alike_alert_of_their_passage(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token, x = str(w["token"]), int(w["template"])
    [verify] = await frame(storage, token, seen([(x, 0.85)], size=70, sharp=45), T0)
    assert verify.verify
    [confirmed] = await frame(storage, token, seen([(x, 0.97)]), T0 + timedelta(seconds=1))
    # The look-alike alert itself is confirmed (one walk past the gate, one message).
    assert confirmed.id == verify.id
    assert not confirmed.verify
    assert confirmed.band is MatchBand.MATCH
    assert [(n.kind, bool(n.photo)) for n, _ in told] == [("alert", True), ("alert.edit", True)]
    blurred = weight(70, 45)
    assert confirmed.score == JUDGE.score((blurred * 0.85 + 0.97) / (blurred + 1))
    # A third frame of the same passage is not another sighting.
    [again] = await frame(storage, token, seen([(x, 0.96)]), T0 + timedelta(seconds=2))
    assert again.id == confirmed.id
    assert [a.sightings for a in await alerts(storage)] == [1]
    [passage] = await passages(storage)
    assert (passage.raw["frames"], passage.person_id, passage.band) == (
        3,
        w["person"],
        MatchBand.MATCH,
    )


async def test_frames_without_a_track_join_by_time_and_face(storage: Storage) -> None:
    w = await world(storage)
    token, y = str(w["token"]), await other_person(storage)
    resident = seen([(y, 0.95)], key="a")
    await frame(storage, token, resident, T0)
    await frame(storage, token, resident, T0 + timedelta(seconds=3))  # same face, 3 s later
    await frame(storage, token, seen([(y, 0.3)], key="b"), T0 + timedelta(seconds=4))  # another
    await frame(storage, token, resident, T0 + timedelta(seconds=20))  # later: a new passage
    await frame(storage, token, resident, T0 + timedelta(seconds=21), direction="out")
    assert [p.raw["frames"] for p in await passages(storage)] == [2, 1, 1, 1]


async def test_plate_frames_read_differently_are_one_passage_and_one_alert(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token = str(w["token"])
    first = Observation(plate=PlateSighting("浙A12B45", "camera"))
    misread = Observation(plate=PlateSighting("浙A12845", "camera"))  # B read as 8
    [alert] = await frame(storage, token, first, T0)
    [same] = await frame(storage, token, misread, T0 + timedelta(seconds=2))
    assert same.id == alert.id
    [passage] = await passages(storage)
    assert passage.raw["frames"] == 2
    assert [a.sightings for a in await alerts(storage)] == [1]


async def test_a_better_view_replaces_a_confirmed_alerts_photo_not_a_verify_ones(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token, x = str(w["token"]), int(w["template"])
    [alert] = await frame(storage, token, seen([(x, 0.95)], size=100, sharp=100), T0)
    first_photo = alert.snapshot_id
    [same] = await frame(storage, token, seen([(x, 0.97)]), T0 + timedelta(seconds=1))
    assert same.id == alert.id
    assert same.snapshot_id != first_photo  # the sharper, bigger face is the alert's photo now
    edits = [n for n, _ in told if n.kind == "alert.edit"]
    assert [bool(n.photo) for n in edits] == [True]
    # A "please verify" alert keeps its picture (the enrolled photo goes beside it).
    later = T0 + timedelta(minutes=30)
    [verify] = await frame(storage, token, seen([(x, 0.85)], size=70, sharp=45), later)
    kept = verify.snapshot_id
    [again] = await frame(storage, token, seen([(x, 0.84)]), later + timedelta(seconds=1))
    assert again.id == verify.id
    assert again.verify
    assert again.snapshot_id == kept


async def test_a_passage_keeps_no_way_back_to_an_erased_person(storage: Storage) -> None:
    w = await world(storage)
    token, y = str(w["token"]), await other_person(storage)
    await frame(storage, token, seen([(y, 0.95)], key="a"), T0)
    await frame(storage, token, seen([(y, 0.85)], key="b"), T0 + timedelta(minutes=5))
    async with storage.services() as svc:
        template = await svc.session.get(FaceTemplate, y)
        assert template is not None
        person = template.person_id
        await svc.person_requests.erase(SYSTEM, person, "本人申请删除")
    for passage in await passages(storage):
        assert passage.person_id is None
        assert f"p{person}" not in json.dumps(passage.raw)  # look-alike or not
        assert set(passage.raw["subjects"]) <= {"sa", "sb", f"t{y}"}
    async with storage.services() as svc:
        assert await svc.session.get(FaceTemplate, y) is None  # t{y} leads nowhere now
