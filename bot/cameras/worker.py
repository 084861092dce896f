"""The camera worker: queued events → recognition (in the pool) → passage, rules, alerts.

Started with the application (a job at start creates the task) and stopped with it (the
loop ends once the application stops running; PTB awaits the task). Events come from the
`EventQueue` (the database by default); each is recognised outside any transaction, then its
outcome is written in one (`svc.camera_events.record`): killed in between, the event is still
queued and is processed again after the restart, and its alerts are written once.
"""

from __future__ import annotations

import asyncio
import logging
import time as time_module
import weakref
from datetime import time, timedelta
from typing import Any

from telegram.ext import Application

from bot.cameras.pictures import beside
from bot.cameras.strangers import StrangerKeys
from bot.context import BotDeps
from bot.recognition import sync_gallery
from core.errors import NotFound
from core.event_queue import DatabaseQueue, EventQueue
from core.models import CameraKind, FaceTemplate, MatchBand
from core.roles import Actor
from core.services.camera_events import EventInput, camera_actor
from core.sightings import FaceSighting, Observation, PlateMatcher, PlateSighting, exact_plates
from recognition import RecognitionCore
from recognition.errors import ImageError, Overloaded
from recognition.faces.base import FaceMatchConfig

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
JOB_NAME, ABSENCE_JOB = "camera-worker", "long-absence"
GALLERY_SYNC = 30.0  # seconds between bringing the face gallery in step with the database
POLL = 0.5  # seconds between looks at the queue when nothing woke the worker
IN_FLIGHT_PER_WORKER = 2  # events processed at once per recognition worker (keeps it fed)
STOP_WAIT = 10.0  # seconds events being processed get to finish when the bot stops
OVERLOADED_WAIT = timedelta(seconds=1)
CANDIDATES = 3  # closest templates kept per face (a passage's frames weigh them together)
_QUEUES: weakref.WeakKeyDictionary[AnyApp, EventQueue] = weakref.WeakKeyDictionary()
_STRANGERS: weakref.WeakKeyDictionary[RecognitionCore, StrangerKeys] = weakref.WeakKeyDictionary()


def _deps(application: AnyApp) -> BotDeps:
    return application.deps  # type: ignore[attr-defined,no-any-return]


def queue_of(application: AnyApp) -> EventQueue:
    """The application's event queue (the database-backed default unless one was set)."""
    queue = _QUEUES.get(application)
    if queue is None:
        queue = _QUEUES[application] = DatabaseQueue(_deps(application).storage.services)
    return queue


def use_queue(application: AnyApp, queue: EventQueue) -> None:
    """Carry events over another queue (a broker) instead of the database default."""
    _QUEUES[application] = queue


def schedule(application: AnyApp) -> None:
    """Start the worker when the application starts; check long absences every morning.

    Old snapshots are purged by the daily retention job (`handlers/privacy`), not here.
    """
    assert application.job_queue is not None, "the job-queue extra is required"
    application.job_queue.run_once(_start, 0, name=JOB_NAME)
    zone = _deps(application).settings.zone
    application.job_queue.run_daily(_absence_job, time=time(8, 0, tzinfo=zone), name=ABSENCE_JOB)


async def _start(context: Any) -> None:
    application: AnyApp = context.application
    application.create_task(run(application), name=JOB_NAME)


async def _absence_job(context: Any) -> None:
    async with _deps(context.application).storage.services() as svc:
        raised = await svc.alerts.check_absences()
    if raised:
        log.info("long absence: %d alerts", len(raised))


async def run(application: AnyApp) -> None:
    """Process queued events until the application stops.

    A pipeline, not batches: up to `in flight` events are processed at once (one per camera,
    so each camera's events stay in order), and a camera's next event is taken as soon as
    its last one is done, so the recognition pool never idles behind the slowest of a batch.
    """
    deps = _deps(application)
    async with deps.storage.services() as svc:
        await svc.alerts.ensure_default_rules()
        await svc.watchlists.ensure_builtin(Actor.system(JOB_NAME))
    queue = queue_of(application)
    capacity = max(2, IN_FLIGHT_PER_WORKER * deps.settings.recognition_workers)
    inflight: dict[int, asyncio.Task[bool]] = {}

    def finished(task: asyncio.Task[bool]) -> None:
        event_id = next((e for e, t in inflight.items() if t is task), None)
        if event_id is not None:
            del inflight[event_id]
            queue.done(event_id)

    synced = time_module.monotonic()
    try:
        while application.running:
            if deps.recognition is not None and time_module.monotonic() - synced >= GALLERY_SYNC:
                synced = time_module.monotonic()
                try:  # faces added by the CLI or another process, faces purged
                    await sync_gallery(
                        deps.recognition, deps.storage, deps.recognition.face_info.backend
                    )
                except Exception:
                    log.exception("gallery sync failed")
            free = capacity - len(inflight)
            if free <= 0:
                await asyncio.wait(
                    list(inflight.values()), timeout=POLL, return_when=asyncio.FIRST_COMPLETED
                )
                continue
            try:
                ready = await queue.take(POLL, busy=set(inflight), limit=free)
            except Exception:
                log.exception("camera queue unavailable")
                await asyncio.sleep(POLL)
                continue
            for event_id in ready:
                task = asyncio.create_task(process(application, event_id))
                inflight[event_id] = task
                task.add_done_callback(finished)
    finally:
        # Events still being processed finish (or stay queued for the next start).
        if inflight:
            _done, pending = await asyncio.wait(list(inflight.values()), timeout=STOP_WAIT)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


async def process(application: AnyApp, event_id: int) -> bool:
    """Recognise one event and write its outcome; False when it must be tried again."""
    deps = _deps(application)
    services = deps.storage.services
    try:
        async with services() as svc:
            item = await svc.camera_events.load(event_id)
        if item is None:
            return True
        core = deps.recognition
        observation = await observe(deps, core, item)
        matcher: PlateMatcher = core.match_watchlist if core is not None else exact_plates
        judge = BandJudge(core.face_info.match) if core is not None else None
        async with services() as svc:
            alerts = await svc.camera_events.record(event_id, observation, matcher, judge)
    except Overloaded:
        async with services() as svc:
            await svc.camera_events.retry(
                event_id, "recognition overloaded", after=OVERLOADED_WAIT
            )
        return False
    except Exception as exc:
        log.exception("camera event %s failed", event_id)
        async with services() as svc:
            await svc.camera_events.retry(event_id, f"{type(exc).__name__}: {exc}")
        return False
    if alerts:
        log.info("camera event %s: %d alerts", event_id, len(alerts))
    return True


async def observe(deps: BotDeps, core: RecognitionCore | None, item: EventInput) -> Observation:
    """What the snapshot shows: faces (quality-gated) and the plate, boxed for the alert."""
    plate_text = item.plate_text
    if core is None or item.image_id is None:
        plate = PlateSighting(plate_text, "camera") if plate_text else None
        return Observation(plate=plate)
    actor = camera_actor(item.camera_id)
    async with deps.storage.services() as svc:
        _photo, image = await svc.photos.read(actor, item.image_id)
        crop = (await svc.photos.read(actor, item.face_id))[1] if item.face_id else None
    try:
        faces = await _faces(core, image, crop)
        plate = await _plate(core, image, plate_text, item.camera_kind)
    except ImageError as exc:
        log.info("camera event %s: snapshot unreadable (%s)", item.id, exc.code)
        plate = PlateSighting(plate_text, "camera") if plate_text else None
        return Observation(plate=plate, problem=exc.code)
    boxes = [(f.box, "alert") for f in faces if f.box and f.band is not MatchBand.NO_MATCH]
    boxes += [(f.box, "face") for f in faces if f.box and f.band is MatchBand.NO_MATCH]
    if plate is not None and plate.box is not None:
        boxes.append((plate.box, "plate"))
    interesting = any(f.band is not MatchBand.NO_MATCH for f in faces) or plate is not None
    annotated = await core.annotate(image, boxes) if interesting else None
    # Only a look-alike ("please verify"): the enrolled photo goes beside the snapshot.
    possible = [f for f in faces if f.band is MatchBand.POSSIBLE and f.template_id]
    if annotated and possible and not any(f.band is MatchBand.MATCH for f in faces):
        enrolled = await _enrolled_photo(deps, item, possible[0].template_id)
        if enrolled is not None:
            try:
                annotated = await asyncio.to_thread(beside, annotated, enrolled)
            except (OSError, ValueError):
                log.warning("camera event %s: enrolled photo unreadable", item.id)
    return Observation(tuple(faces), plate, annotated)


async def _enrolled_photo(
    deps: BotDeps, item: EventInput, template_id: int | None
) -> bytes | None:
    """The photo the look-alike's template was enrolled from, if it was kept (read audited)."""
    async with deps.storage.services() as svc:
        template = await svc.session.get(FaceTemplate, template_id)
        if template is None or template.photo_id is None:
            return None
        try:
            _photo, data = await svc.photos.read(
                camera_actor(item.camera_id), template.photo_id, reason="please verify alert"
            )
        except NotFound:
            return None
    return data


def strangers_of(core: RecognitionCore) -> StrangerKeys:
    keys = _STRANGERS.get(core)
    if keys is None:
        info = core.face_info
        keys = _STRANGERS[core] = StrangerKeys(info.embedding_size, info.match)
    return keys


class BandJudge:
    """The recognition core's bands in core's terms (frames of a passage decide together)."""

    def __init__(self, match: FaceMatchConfig) -> None:
        self._match = match

    def band(self, similarity: float) -> MatchBand:
        return MatchBand(self._match.band(similarity).value)

    def score(self, similarity: float) -> float:
        return self._match.score(similarity)


async def _faces(core: RecognitionCore, image: bytes, crop: bytes | None) -> list[FaceSighting]:
    found = await core.identify(image, k=CANDIDATES)
    boxed = True
    if not found and crop is not None:
        found, boxed = await core.identify(crop, k=CANDIDATES), False
    sightings = []
    for face in found:
        best = face.best
        box = face.face.box
        # Every face gets a look key: frames of one passage are told apart by them, and the
        # stranger rule counts the keys of faces that matched nobody.
        stranger = strangers_of(core).key(face.embedding) if face.embedding is not None else None
        sightings.append(
            FaceSighting(
                template_id=int(best.key) if best is not None else None,
                band=MatchBand(best.band.value) if best is not None else MatchBand.NO_MATCH,
                score=best.score if best is not None else None,
                box=(box.left, box.top, box.right, box.bottom) if boxed else None,
                size=face.face.quality.face_px,
                stranger=stranger,
                sharpness=face.face.quality.sharpness,
                candidates=tuple(
                    (c.key, c.similarity) for c in face.candidates if isinstance(c.key, int)
                ),
            )
        )
    return sightings


async def _plate(
    core: RecognitionCore, image: bytes, camera_text: str | None, kind: CameraKind
) -> PlateSighting | None:
    """The camera's own reading when it sent one, else the core's (plate cameras only)."""
    if camera_text:
        return PlateSighting(camera_text, "camera")
    if kind is not CameraKind.PLATE:
        return None
    result = await core.read_plates(image)
    if not result.text:
        return None
    first = result.readings[0] if result.readings else None
    return PlateSighting(
        result.text,
        "image",
        first.box if first is not None else None,
        first.confidence if first is not None else None,
    )
