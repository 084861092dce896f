"""Camera events (ingest → queue → passage): stored first, then processed in camera order.

`accept` stores the snapshot (through the photo store) and the event row in the caller's
unit of work: once that commits the event cannot be lost, and `POST …/events` answers 202.
The worker then takes `due` events (the oldest queued event of each camera, so a camera's
events are handled in the order they arrived), asks recognition, and `record` writes the
passage, the alerts and their deliveries in one transaction with the event marked done: a
process killed in between leaves the event queued, and it is processed again, once.
"""

from __future__ import annotations

import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from core import frames
from core.crypto import token_hash
from core.errors import DomainError, InvalidInput, InvalidToken, NotFound
from core.frames import FaceJudge, FrameEvidence
from core.models import (
    Alert,
    Camera,
    CameraEvent,
    CameraKind,
    CameraRawEvent,
    EventStatus,
    FaceTemplate,
    Passage,
    PhotoKind,
)
from core.roles import Actor
from core.services import passage_frames
from core.services.base import Service
from core.sightings import FaceSighting, Observation, PlateMatcher

DIRECTIONS = frozenset({"", "in", "out"})
MAX_KEY = 120
MAX_TRACK = 64
MAX_RAW = 64 * 1024  # characters of an unknown event kept
MAX_ATTEMPTS = 5
RETRY_DELAY = timedelta(seconds=2)
HEADS_SCAN = 500  # queued rows looked at per call to find each camera's oldest


class Backlogged(DomainError):
    """Too many events wait to be processed: the camera should retry later."""

    code = "backlogged"


@dataclass(frozen=True)
class Accepted:
    event_id: int
    duplicate: bool  # the Idempotency-Key was seen before: nothing new was stored


@dataclass(frozen=True)
class EventInput:
    """What the worker needs to recognise one event."""

    id: int
    camera_id: str
    camera_kind: CameraKind
    image_id: int | None  # photos to read through the photo store
    face_id: int | None
    plate_text: str | None
    attempts: int


def camera_actor(camera_id: str) -> Actor:
    return Actor.system(f"camera:{camera_id}")


class CameraEventService(Service):
    """System-side: cameras authenticate with their token, not as members."""

    async def authenticate(self, camera_id: str, token: str) -> Camera:
        """The camera, if enabled (else NotFound) and `token` is its own (else InvalidToken)."""
        camera = await self.session.get(Camera, camera_id)
        if camera is None or not camera.enabled:
            raise NotFound("camera", id=camera_id)
        if not token or not hmac.compare_digest(camera.token_hash, token_hash(token)):
            raise InvalidToken("camera")
        await self.uow.camera_health.seen(camera)
        return camera

    async def trusted(self, camera_id: str) -> Camera:
        """A camera whose events come through a link we opened ourselves (Frigate's MQTT)."""
        camera = await self.session.get(Camera, camera_id)
        if camera is None or not camera.enabled:
            raise NotFound("camera", id=camera_id)
        await self.uow.camera_health.seen(camera)
        return camera

    async def keep_raw(
        self, camera: Camera, event_type: str, body: str, content_type: str = ""
    ) -> int:
        """Store an event we do not act on (an unknown type) as sent; its id."""
        row = CameraRawEvent(
            camera_id=camera.id,
            event_type=event_type[:64],
            received_at=self.now(),
            content_type=content_type[:120],
            body=body[:MAX_RAW],
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def raw_count(self) -> int:
        return int(await self.session.scalar(select(func.count(CameraRawEvent.id))) or 0)

    async def backlog(self) -> int:
        return int(
            await self.session.scalar(
                select(func.count(CameraEvent.id)).where(CameraEvent.status == EventStatus.QUEUED)
            )
            or 0
        )

    async def existing(self, camera_id: str, key: str | None) -> int | None:
        if not key:
            return None
        return await self.session.scalar(
            select(CameraEvent.id).where(
                CameraEvent.camera_id == camera_id, CameraEvent.idempotency_key == key
            )
        )

    async def accept(
        self,
        camera_id: str,
        token: str,
        *,
        image: bytes,
        face: bytes | None = None,
        plate: str | None = None,
        captured_at: datetime | None = None,
        direction: str = "",
        track_id: str = "",
        idempotency_key: str | None = None,
        max_backlog: int | None = None,
    ) -> Accepted:
        """Store the event (snapshot first); the same Idempotency-Key returns the first one."""
        camera = await self.authenticate(camera_id, token)
        return await self.store(
            camera,
            image=image,
            face=face,
            plate=plate,
            captured_at=captured_at,
            direction=direction,
            track_id=track_id,
            idempotency_key=idempotency_key,
            max_backlog=max_backlog,
        )

    async def store(
        self,
        camera: Camera,
        *,
        image: bytes,
        face: bytes | None = None,
        plate: str | None = None,
        captured_at: datetime | None = None,
        direction: str = "",
        track_id: str = "",
        idempotency_key: str | None = None,
        max_backlog: int | None = None,
        plate_image: bytes | None = None,
        details: dict[str, Any] | None = None,
    ) -> Accepted:
        """Store an authenticated camera's event (see `accept`); `plate_image` is a plate
        crop, `details` what the device said beyond the fields (kept with the passage)."""
        key = (idempotency_key or "").strip() or None
        if key is not None and len(key) > MAX_KEY:
            raise InvalidInput("idempotency_key", max=MAX_KEY)
        found = await self.existing(camera.id, key)
        if found is not None:
            return Accepted(found, duplicate=True)
        direction = direction.strip().lower()
        if direction not in DIRECTIONS:
            raise InvalidInput("direction")
        if len(track_id) > MAX_TRACK:
            raise InvalidInput("track_id", max=MAX_TRACK)
        plate = "".join((plate or "").split()).upper() or None
        if plate is not None and len(plate) > 16:
            raise InvalidInput("plate")
        now = self.now()
        if captured_at is not None and captured_at.tzinfo is None:
            raise InvalidInput("captured_at")
        if max_backlog is not None and await self.backlog() >= max_backlog:
            raise Backlogged("camera_events")
        actor = camera_actor(camera.id)
        snapshot = await self.uow.photos.store(actor, PhotoKind.SNAPSHOT, image)
        crop = await self.uow.photos.store(actor, PhotoKind.SNAPSHOT, face) if face else None
        plate_crop = (
            await self.uow.photos.store(actor, PhotoKind.SNAPSHOT, plate_image)
            if plate_image
            else None
        )
        event = CameraEvent(
            camera_id=camera.id,
            idempotency_key=key,
            received_at=now,
            captured_at=captured_at or now,
            direction=direction,
            track_id=track_id.strip(),
            plate_text=plate,
            image_id=snapshot.id,
            face_id=crop.id if crop else None,
            plate_image_id=plate_crop.id if plate_crop else None,
            details=details or {},
            status=EventStatus.QUEUED,
            attempts=0,
            next_attempt_at=now,
            last_error="",
        )
        self.session.add(event)
        await self.session.flush()
        return Accepted(event.id, duplicate=False)

    async def due(self, limit: int = 8, *, busy: Collection[int] = ()) -> list[int]:
        """Ids of events to process now: each camera's oldest queued event, if it is due and
        not `busy` (being processed: the camera's next event waits for it)."""
        rows = await self.session.execute(
            select(CameraEvent.id, CameraEvent.camera_id, CameraEvent.next_attempt_at)
            .where(CameraEvent.status == EventStatus.QUEUED)
            .order_by(CameraEvent.id)
            .limit(HEADS_SCAN)
        )
        now, ready = self.now(), list[int]()
        # A camera with an event being processed waits for it, even when an older event of
        # it was committed meanwhile (concurrent ingest may commit ids out of order).
        seen = set(
            await self.session.scalars(
                select(CameraEvent.camera_id).where(CameraEvent.id.in_(list(busy)))
            )
            if busy
            else ()
        )
        for event_id, camera_id, next_at in rows:
            if camera_id in seen:
                continue
            seen.add(camera_id)
            if next_at <= now:
                ready.append(event_id)
                if len(ready) >= limit:
                    break
        return ready

    async def load(self, event_id: int) -> EventInput | None:
        """The queued event's input; None once it was handled."""
        event = await self.session.get(CameraEvent, event_id)
        if event is None or event.status is not EventStatus.QUEUED:
            return None
        camera = await self.session.get(Camera, event.camera_id)
        assert camera is not None
        # A Frigate camera sees people and cars: a car is read as a plate camera would read it
        # (when Frigate sent no plate of its own).
        car = (event.details or {}).get("label") == "car"
        return EventInput(
            event.id,
            event.camera_id,
            CameraKind.PLATE if car else camera.kind,
            event.image_id,
            event.face_id,
            event.plate_text,
            event.attempts,
        )

    async def record(
        self,
        event_id: int,
        observation: Observation,
        match_plate: PlateMatcher,
        judge: FaceJudge | None = None,
    ) -> list[Alert]:
        """The passage, its alerts and their deliveries; the event is done (same transaction).

        The frame joins its passage (`passage_frames`); the passage's frames decide together
        what its faces are (`judge` gives the bands of the recognition core; without one
        each frame decides alone). Returns the alerts raised or updated; [] when the event
        was already handled.
        """
        event = await self.session.get(CameraEvent, event_id, with_for_update=True)
        if event is None or event.status is not EventStatus.QUEUED:
            return []
        camera = await self.session.get(Camera, event.camera_id)
        assert camera is not None
        persons = await self._persons(_templates(observation.faces))
        subjects = frames.subjects(observation.faces, persons)
        plate = observation.plate
        passage = await passage_frames.continued(
            self.session, event, subjects, plate, match_plate, self.context.alerts.passage_gap
        )
        evidence = [
            *passage_frames.evidence_of(passage),
            frames.frame_of(event.id, event.image_id, observation.faces),
        ]
        persons.update(await self._persons(_evidence_templates(evidence, persons)))
        decisions = passage_frames.decisions(evidence, persons)
        if passage is None:
            passage = Passage(
                camera_id=camera.id,
                seen_at=event.captured_at,
                plate=None,
                snapshot_id=event.image_id,
                direction=event.direction,
                raw={},
            )
            self.session.add(passage)
        passage_frames.settle(
            passage,
            evidence,
            decisions,
            judge,
            observation,
            persons,
            passage_frames.frame_raw(event, observation),
            event.image_id,
        )
        await self.session.flush()
        annotated = None
        if observation.annotated:
            annotated = await self.uow.photos.store(
                camera_actor(camera.id), PhotoKind.SNAPSHOT, observation.annotated
            )
        alerts = await self.uow.alerts.evaluate(
            camera,
            passage,
            passage_frames.decided(observation, decisions, persons, judge),
            persons,
            match_plate,
            snapshot_id=annotated.id if annotated else event.image_id,
            best_views=frozenset(
                f"p{d.person_id}"
                for d in decisions.values()
                if len(evidence) > 1 and d.image_id == event.image_id
            ),
        )
        if annotated is not None:  # stored for an alert that did not take it
            await self.uow.retention.drop_unreferenced([annotated.id])
        event.status, event.passage_id = EventStatus.DONE, passage.id
        event.attempts += 1
        event.processed_at = self.now()
        return alerts

    async def retry(self, event_id: int, error: str, *, after: timedelta | None = None) -> bool:
        """Count a failed attempt; after `MAX_ATTEMPTS` the event fails (False)."""
        event = await self.session.get(CameraEvent, event_id)
        if event is None or event.status is not EventStatus.QUEUED:
            return False
        event.attempts += 1
        event.last_error = error[:500]
        if after is None and event.attempts >= MAX_ATTEMPTS:
            event.status = EventStatus.FAILED
            return False
        event.next_attempt_at = self.now() + (after or RETRY_DELAY * event.attempts)
        return True

    async def _persons(self, template_ids: list[int | None]) -> dict[int, int]:
        wanted = [t for t in template_ids if t is not None]
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(FaceTemplate.id, FaceTemplate.person_id).where(FaceTemplate.id.in_(wanted))
        )
        return {template_id: person_id for template_id, person_id in rows}


def _templates(faces: tuple[FaceSighting, ...]) -> list[int | None]:
    """The templates a frame's faces name: their closest and their other candidates."""
    return [t for face in faces for t in (face.template_id, *(c for c, _ in face.candidates))]


def _evidence_templates(evidence: list[FrameEvidence], known: dict[int, int]) -> list[int | None]:
    """The templates the passage's earlier frames name that are not looked up yet."""
    wanted = {t for frame in evidence for f in frame.faces for t, _ in f.candidates}
    return [t for t in wanted if t not in known]
