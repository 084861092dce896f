"""The Frigate link (0.16+): MQTT events in, snapshots from Frigate's HTTP API, our events out.

A task started with the application (a job at start, like the camera worker) and ended when it
stops. It subscribes to ``<prefix>/events`` and ``<prefix>/available`` and reconnects with a
back-off when the broker goes away. For each tracked object of a taken label (person, car) on
a mapped camera it stores an event of our camera at ``new``, when Frigate first reads a plate
(``recognized_license_plate``) and at ``end``: the snapshot comes from
``/api/events/{id}/snapshot.jpg``, retried while Frigate answers 404 (recognition still runs).
All of one object's events carry its id as ``track_id``: they make one passage (each adds a
frame). ``available`` = ``offline`` reports every mapped camera to camera health at once;
``<prefix>/stats`` (every minute) marks the cameras whose stream runs as heard from.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import aiomqtt
from telegram.ext import Application

from bot.cameras.push import Pushed
from bot.cameras.worker import queue_of
from bot.context import BotDeps
from core.errors import DomainError
from core.settings import Settings

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
JOB_NAME = "frigate-link"
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)  # seconds between reconnects
SNAPSHOT_RETRY = 0.5  # seconds before asking again for a snapshot that answered 404
STOP_POLL = 0.5
MAX_FETCHES = 4  # snapshots fetched at once
MAX_OBJECTS = 10_000  # plates remembered per tracked object (oldest dropped first)


@dataclass
class Link:
    application: AnyApp
    settings: Settings
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _plates: dict[str, str] = field(default_factory=dict)  # Frigate id → plate seen
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _fetches: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_FETCHES))
    # One object's events are stored in the order Frigate sent them (a lock is FIFO).
    _objects: dict[str, asyncio.Lock] = field(default_factory=dict)

    @property
    def deps(self) -> BotDeps:
        return self.application.deps  # type: ignore[attr-defined,no-any-return]

    async def run(self) -> None:
        """Stay subscribed (reconnecting) until the application stops."""
        inner = asyncio.create_task(self._subscribe(), name=JOB_NAME + "-mqtt")
        try:
            # PTB has no stop event to await: look at `running` (as the camera worker does)
            while self.application.running and not inner.done():  # noqa: ASYNC110
                await asyncio.sleep(STOP_POLL)
        finally:
            inner.cancel()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(inner, *self._tasks, return_exceptions=True)

    async def _subscribe(self) -> None:
        url = urlsplit(self.settings.frigate_mqtt_url or "")
        prefix, attempt = self.settings.frigate_topic_prefix, 0
        while True:
            try:
                async with aiomqtt.Client(
                    url.hostname or "127.0.0.1",
                    url.port or 1883,
                    username=url.username,
                    password=url.password,
                ) as client:
                    await client.subscribe(f"{prefix}/events", qos=1)
                    await client.subscribe(f"{prefix}/available", qos=1)
                    await client.subscribe(f"{prefix}/stats", qos=0)
                    attempt = 0
                    self.connected.set()
                    log.info("frigate: subscribed to %s/events", prefix)
                    async for message in client.messages:
                        await self.handle(str(message.topic), bytes(message.payload or b""))
            except aiomqtt.MqttError as exc:
                self.connected.clear()
                wait = BACKOFF[min(attempt, len(BACKOFF) - 1)]
                attempt += 1
                log.warning("frigate: MQTT unavailable (%s); again in %.0f s", exc, wait)
                await asyncio.sleep(wait)

    async def handle(self, topic: str, payload: bytes) -> None:
        """One MQTT message (never raises: a bad message must not drop the link)."""
        try:
            if topic.endswith("/available"):
                await self._available(payload.decode("utf-8", "replace").strip())
            elif topic.endswith("/stats"):
                stats = json.loads(payload)
                if isinstance(stats, dict):
                    await self._stats(stats)
            elif topic.endswith("/events"):
                message = json.loads(payload)
                if isinstance(message, dict):
                    await self._event(message)
        except Exception:
            log.exception("frigate: could not handle a message on %s", topic)

    async def _cameras(self) -> dict[str, str]:
        async with self.deps.storage.services() as svc:
            mapping = await svc.cameras.by_external_names()
        return {**mapping, **self.settings.frigate_cameras}

    async def _available(self, state: str) -> None:
        ids = sorted(set((await self._cameras()).values()))
        async with self.deps.storage.services() as svc:
            if state == "offline":
                marked = await svc.camera_health.offline(ids)
                log.warning("frigate: offline; cameras reported: %s", marked)
            elif state == "online":
                for camera_id in ids:
                    await svc.camera_events.trusted(camera_id)

    async def _stats(self, stats: dict[str, Any]) -> None:
        """Frigate's periodic stats: a camera whose stream runs (fps > 0) is alive, even when
        nothing passes in front of it (a quiet gate at night is not a dead camera)."""
        cameras = stats.get("cameras")
        if not isinstance(cameras, dict):
            return
        mapping = await self._cameras()
        alive = [
            mapping[name]
            for name, state in cameras.items()
            if name in mapping and isinstance(state, dict) and (state.get("camera_fps") or 0) > 0
        ]
        if alive:
            async with self.deps.storage.services() as svc:
                for camera_id in alive:
                    await svc.camera_events.trusted(camera_id)

    async def _event(self, message: dict[str, Any]) -> None:
        kind, after = message.get("type"), message.get("after") or {}
        if not isinstance(after, dict) or after.get("false_positive"):
            return
        if after.get("label") not in self.settings.frigate_labels:
            return
        camera_id = (await self._cameras()).get(str(after.get("camera", "")))
        object_id = str(after.get("id", ""))
        if camera_id is None or not object_id:
            return
        plate = str(after.get("recognized_license_plate") or "").strip()
        first_plate = bool(plate) and self._plates.get(object_id) != plate
        if kind == "end":
            self._plates.pop(object_id, None)
        elif plate:
            if len(self._plates) >= MAX_OBJECTS:  # objects whose end never came
                self._plates.pop(next(iter(self._plates)))
            self._plates[object_id] = plate
        if not (kind in {"new", "end"} or (kind == "update" and first_plate)):
            return
        if kind == "new" and not after.get("has_snapshot", True):
            return
        lock = self._objects.setdefault(object_id, asyncio.Lock())
        task = asyncio.create_task(self._ordered(lock, camera_id, str(kind), after, plate or None))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _ordered(
        self,
        lock: asyncio.Lock,
        camera_id: str,
        kind: str,
        after: dict[str, Any],
        plate: str | None,
    ) -> None:
        async with lock:
            await self._ingest(camera_id, kind, after, plate)
        if kind == "end" and not lock.locked():
            self._objects.pop(str(after["id"]), None)

    async def _ingest(
        self, camera_id: str, kind: str, after: dict[str, Any], plate: str | None
    ) -> None:
        object_id = str(after["id"])
        async with self._fetches:
            image = await self.snapshot(object_id)
        if image is None:
            log.warning("frigate: no snapshot for %s (%s)", object_id, kind)
            return
        sub_label = after.get("sub_label")
        pushed = Pushed(
            image=image,
            plate=plate,
            key=f"frigate:{object_id}:{kind}:{plate or ''}"[:120],
            details={
                "vendor": "frigate",
                "frigate_id": object_id,
                "type": kind,
                "label": after.get("label"),
                "score": after.get("score"),
                "top_score": after.get("top_score"),
                "sub_label": sub_label if isinstance(sub_label, list) else None,
                "zones": after.get("entered_zones") or [],
                "plate_score": after.get("recognized_license_plate_score"),
            },
        )
        start = after.get("start_time")
        try:
            async with self.deps.storage.services() as svc:
                camera = await svc.camera_events.trusted(camera_id)
                accepted = await svc.camera_events.store(
                    camera,
                    image=pushed.image,
                    plate=pushed.plate,
                    captured_at=_when(start),
                    track_id=object_id[:64],
                    idempotency_key=pushed.key,
                    max_backlog=self.deps.settings.camera_backlog,
                    details={k: v for k, v in pushed.details.items() if v is not None},
                )
        except DomainError as exc:
            log.warning("frigate: event %s of %s refused (%s)", object_id, camera_id, exc)
            return
        if not accepted.duplicate:
            queue_of(self.application).published(accepted.event_id)

    async def snapshot(self, object_id: str) -> bytes | None:
        """The object's snapshot; Frigate answers 404 for a few seconds while it recognises."""
        url = f"{self.settings.frigate_url.rstrip('/')}/api/events/{object_id}/snapshot.jpg"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.frigate_snapshot_wait
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                try:
                    async with session.get(url, params={"quality": "95"}) as response:
                        if response.status == 200:
                            return await response.read()
                        if response.status != 404:
                            log.warning("frigate: snapshot %s answered %s", url, response.status)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    log.warning("frigate: snapshot %s failed (%s)", url, exc)
                if loop.time() + SNAPSHOT_RETRY > deadline:
                    return None
                await asyncio.sleep(SNAPSHOT_RETRY)


def _when(value: Any) -> datetime | None:
    """Frigate's ``start_time`` (seconds since the epoch)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return datetime.fromtimestamp(float(value), tz=UTC)


def schedule(application: AnyApp) -> Link | None:
    """Start the link with the application when a broker is configured."""
    settings: Settings = application.deps.settings  # type: ignore[attr-defined]
    if not settings.frigate_mqtt_url:
        return None
    assert application.job_queue is not None, "the job-queue extra is required"
    link = Link(application, settings)

    async def start(_context: Any) -> None:
        application.create_task(link.run(), name=JOB_NAME)

    application.job_queue.run_once(start, 0, name=JOB_NAME)
    return link
