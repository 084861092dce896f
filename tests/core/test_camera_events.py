"""Camera events → passages → rules → alerts, at the service level (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from core.bootstrap import Storage
from core.errors import InvalidToken, NotFound
from core.models import (
    Alert,
    AlertKind,
    AlertRule,
    AlertStatus,
    AuditEntry,
    CameraEvent,
    CameraKind,
    Delivery,
    DeliveryStatus,
    EventStatus,
    FaceTemplate,
    GroupRole,
    MatchBand,
    Passage,
    StoredPhoto,
    WatchlistEntry,
    WatchlistKind,
)
from core.roles import Actor
from core.services.camera_events import Backlogged
from core.services.privacy.retention import enforce_retention
from core.sightings import FaceSighting, Observation, PlateSighting
from recognition.plates.text import best_match
from tests.core.notices import Told

SYSTEM = Actor.system("test")


def png(colour: tuple[int, int, int] = (120, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def tolerant(plate: str, watched: Iterable[str]):  # type: ignore[no-untyped-def]
    return best_match(plate, watched, max_distance=1, local_province="浙")


async def world(storage: Storage) -> dict[str, int | str]:
    """A grid with a guard group, a face camera, a key person with a template, a plate."""
    async with storage.services() as svc:
        await svc.houses.ensure_community(SYSTEM, "安宁社区", "0571-1")
        await svc.houses.ensure_grid(SYSTEM, "G1")
        await svc.houses.ensure_grid(SYSTEM, "G2")
        _camera, token = await svc.cameras.add(
            SYSTEM, camera_id="gate-1", kind=CameraKind.FACE, name="北门", grid_code="G1"
        )
        await svc.groups.add(SYSTEM, chat_id=-100, role=GroupRole.GUARDS, grid_codes=["G1"])
        await svc.groups.add(SYSTEM, chat_id=-200, role=GroupRole.GUARDS, grid_codes=["G2"])
        person = await svc.persons.add(SYSTEM, name="张三")
        template = FaceTemplate(person_id=person.id, backend="dlib", dimensions=1, vector=b"x")
        svc.session.add(template)
        key = await svc.watchlists.create(
            SYSTEM, kind=WatchlistKind.PERSONS_OF_INTEREST, name="重点人员"
        )
        entry = await svc.watchlists.add_person(
            SYSTEM, key.id, person.id, reason="民警布控", authority="协查 1"
        )
        vehicles = await svc.watchlists.create(
            SYSTEM, kind=WatchlistKind.VEHICLES, name="布控车辆"
        )
        await svc.watchlists.add_plate(
            SYSTEM, vehicles.id, "浙A12B45", reason="套牌嫌疑", authority="协查 2"
        )
        await svc.alerts.ensure_default_rules()
        await svc.flush()
        return {"token": token, "template": template.id, "person": person.id, "entry": entry.id}


async def post(storage: Storage, token: str, image: bytes | None = None, **fields: object) -> int:
    async with storage.services() as svc:
        accepted = await svc.camera_events.accept(
            "gate-1",
            token,
            image=image or png(),
            **fields,  # type: ignore[arg-type]
        )
    return accepted.event_id


async def record(storage: Storage, event_id: int, observation: Observation) -> list[Alert]:
    async with storage.services() as svc:
        return await svc.camera_events.record(event_id, observation, tolerant)


def face(template: int | str, band: MatchBand = MatchBand.MATCH) -> Observation:
    return Observation(faces=(FaceSighting(int(template), band, 0.3, (1, 1, 20, 20), 19.0),))


async def test_accept_stores_the_event_once_per_idempotency_key(storage: Storage) -> None:
    w = await world(storage)
    first = await post(storage, str(w["token"]), idempotency_key="k1", direction="in")
    again = await post(storage, str(w["token"]), idempotency_key="k1", direction="in")
    assert first == again
    async with storage.services() as svc:
        events = (await svc.session.scalars(select(CameraEvent))).all()
        assert [e.status for e in events] == [EventStatus.QUEUED]
        assert await svc.session.get(StoredPhoto, events[0].image_id) is not None
        assert await svc.camera_events.due() == [first]


async def test_accept_refuses_unknown_cameras_wrong_tokens_and_a_full_backlog(
    storage: Storage,
) -> None:
    w = await world(storage)
    async with storage.services() as svc:
        with pytest.raises(InvalidToken):
            await svc.camera_events.accept("gate-1", "cam_wrong", image=png())
    async with storage.services() as svc:
        with pytest.raises(NotFound):
            await svc.camera_events.accept("nope", str(w["token"]), image=png())
    await post(storage, str(w["token"]))
    async with storage.services() as svc:
        with pytest.raises(Backlogged):
            await svc.camera_events.accept("gate-1", str(w["token"]), image=png(), max_backlog=1)


async def test_events_of_one_camera_are_taken_in_order(storage: Storage) -> None:
    w = await world(storage)
    first = await post(storage, str(w["token"]))
    second = await post(storage, str(w["token"]))
    async with storage.services() as svc:
        assert await svc.camera_events.due() == [first]
        # While the worker processes the first, the camera's next one waits for it; and
        # while it processes the second, the first (committed late) waits too.
        assert await svc.camera_events.due(busy={first}) == []
        assert await svc.camera_events.due(busy={second}) == []
    await record(storage, first, Observation())
    async with storage.services() as svc:
        assert await svc.camera_events.due() == [second]


async def test_a_key_person_raises_one_alert_for_the_grid_guards_and_cool_down_folds(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    event = await post(storage, str(w["token"]), direction="in")
    [alert] = await record(storage, event, face(w["template"]))
    assert alert.person_id == w["person"]
    assert not alert.verify
    assert [(n.kind, r.chat_id) for n, r in told] == [("alert", -100)]
    assert await record(storage, event, face(w["template"])) == []  # processed once only
    later = await post(storage, str(w["token"]), captured_at=datetime.now(UTC) + timedelta(1))
    [folded] = await record(storage, await post(storage, str(w["token"])), face(w["template"]))
    assert folded.id == alert.id
    assert folded.sightings == 2
    assert [n.kind for n, _ in told] == ["alert", "alert.edit"]
    assert told[-1][0].edit_of is not None
    # A day later the cool-down is over: a new alert.
    [fresh] = await record(storage, later, face(w["template"]))
    assert fresh.id != alert.id
    async with storage.services() as svc:
        passages = await svc.session.scalar(select(func.count(Passage.id)))
        assert passages == 3
        view = await svc.alerts.view(alert)
        assert (view.subject, view.reason, view.camera) == ("张三", "民警布控", "北门")


async def test_without_a_cool_down_every_passage_is_its_own_alert(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    async with storage.services() as svc:
        await svc.session.execute(
            update(AlertRule)
            .where(AlertRule.kind == AlertKind.PERSON_OF_INTEREST)
            .values(cooldown_seconds=0)
        )
    now = datetime.now(UTC)
    # Cameras post concurrently: the one processed second may have been captured first.
    first = await post(storage, str(w["token"]), captured_at=now)
    second = await post(storage, str(w["token"]), captured_at=now - timedelta(minutes=1))
    [one] = await record(storage, first, face(w["template"]))
    [two] = await record(storage, second, face(w["template"]))
    assert one.id != two.id
    assert (one.sightings, two.sightings) == (1, 1)


async def test_a_possible_face_raises_only_a_please_verify_alert(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    event = await post(storage, str(w["token"]))
    [alert] = await record(storage, event, face(w["template"], MatchBand.POSSIBLE))
    assert alert.verify
    assert alert.band is MatchBand.POSSIBLE
    nobody = await post(storage, str(w["token"]))
    assert await record(storage, nobody, face(w["template"], MatchBand.NO_MATCH)) == []
    async with storage.services() as svc:  # neither passage is put in that person's record
        named = await svc.session.scalars(select(Passage.person_id))
        assert set(named) == {None}


async def test_an_expired_entry_no_longer_matches(storage: Storage, told: Told) -> None:
    w = await world(storage)
    async with storage.services() as svc:
        entry = await svc.session.get(WatchlistEntry, w["entry"])
        assert entry is not None
        entry.valid_until = datetime.now(UTC) - timedelta(minutes=1)
    event = await post(storage, str(w["token"]))
    assert await record(storage, event, face(w["template"])) == []


async def test_a_watched_plate_read_with_an_ocr_error_raises_an_alert(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    event = await post(storage, str(w["token"]), plate="浙A12845")  # B read as 8
    [alert] = await record(storage, event, Observation(plate=PlateSighting("浙A12845", "camera")))
    assert alert.plate == "浙A12845"
    async with storage.services() as svc:
        view = await svc.alerts.view(alert)
    assert (view.subject, view.plate_read, view.reason) == ("浙A12B45", "浙A12845", "套牌嫌疑")


async def test_a_missing_person_is_told_to_every_guard_group(storage: Storage, told: Told) -> None:
    w = await world(storage)
    async with storage.services() as svc:
        missing = await svc.watchlists.create(SYSTEM, kind=WatchlistKind.MISSING, name="走失")
        await svc.watchlists.add_person(
            SYSTEM, missing.id, int(w["person"]), reason="易走失", authority="家属"
        )
    event = await post(storage, str(w["token"]))
    alerts = await record(storage, event, face(w["template"]))
    assert [a.kind.value for a in alerts] == ["missing_person", "person_of_interest"]
    assert sorted(r.chat_id for n, r in told if n.alert_id == alerts[0].id) == [-200, -100]


async def test_a_guard_takes_an_alert_once_and_every_message_is_edited(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    [alert] = await record(storage, await post(storage, str(w["token"])), face(w["template"]))
    async with storage.services() as svc:
        guard = await svc.members.add(SYSTEM, telegram_id=555, role="guard", name="李保安")
    from core.services import actor_for
    from core.services.alerts import AlertTaken

    async with storage.services() as svc:
        view = await svc.alerts.act(actor_for(guard), alert.id, "ack")
    assert view.status is AlertStatus.TAKEN
    assert view.taken_by == "李保安"
    assert told[-1][0].kind == "alert.edit"
    async with storage.services() as svc:
        with pytest.raises(AlertTaken):
            await svc.alerts.act(actor_for(guard), alert.id, "false")
        edits = await svc.session.scalar(
            select(func.count(Delivery.id)).where(Delivery.kind == "alert.edit")
        )
    assert edits == 1


async def test_retention_purges_old_snapshots_unless_still_needed(
    storage: Storage, told: Told
) -> None:
    """The one snapshot purge is retention's: old snapshots go (events, passages and alerts
    stay, without them); an open alert's, a queued event's and an unsent message's wait."""
    w = await world(storage)
    token = str(w["token"])
    quiet = await post(storage, token, png((1, 2, 3)), face=png((4, 5, 6)))
    await record(storage, quiet, Observation())
    alerted = await post(storage, token, png((7, 8, 9)))
    [alert] = await record(storage, alerted, face(w["template"]))
    queued = await post(storage, token, png((10, 11, 12)))
    async with storage.services() as svc:
        assert (await svc.retention.due(SYSTEM)).snapshots == 0
        for photo in await svc.session.scalars(select(StoredPhoto)):
            photo.created_at = datetime.now(UTC) - timedelta(days=31)
    photos = storage.services.context.data_dir / "photos"
    assert len(list(photos.rglob("*.bin"))) == 4

    first = await enforce_retention(storage.services, SYSTEM)
    assert (first.snapshots, first.snapshots_held) == (2, 2)  # the quiet event's image and crop
    assert len(list(photos.rglob("*.bin"))) == 2
    async with storage.services() as svc:
        event = await svc.session.get(CameraEvent, quiet)
        assert event is not None
        assert (event.image_id, event.face_id, event.status) == (None, None, EventStatus.DONE)
        passage = await svc.session.get(Passage, event.passage_id)
        assert passage is not None
        assert passage.snapshot_id is None
        for kept in (alerted, queued):
            held = await svc.session.get(CameraEvent, kept)
            assert held is not None
            assert held.image_id is not None
        await svc.alerts.act(SYSTEM, alert.id, "ack")
    async with storage.services() as svc:  # taken, but its message is not sent yet
        assert (await svc.retention.due(SYSTEM)).snapshots_held == 2
        for delivery in await svc.session.scalars(select(Delivery)):
            delivery.status = DeliveryStatus.SENT

    second = await enforce_retention(storage.services, SYSTEM)
    assert (second.snapshots, second.snapshots_held) == (1, 1)  # the queued event's waits
    async with storage.services() as svc:
        taken = await svc.session.get(Alert, alert.id)
        assert taken is not None
        assert (taken.snapshot_id, taken.status) == (None, AlertStatus.TAKEN)
        counts = await svc.session.scalars(
            select(AuditEntry.details)
            .where(AuditEntry.action == "retention_purge", AuditEntry.subject_type == "retention")
            .order_by(AuditEntry.id)
        )
        assert [(c["counts"]["snapshots"], c["counts"]["snapshots_held"]) for c in counts] == [
            (2, 2),
            (1, 1),
        ]
