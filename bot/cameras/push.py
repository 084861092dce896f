"""What the vendors' push receivers share: find the camera by its secret, store, publish.

Each receiver (Hikvision ISAPI, Dahua ITC) parses its device's payload into `Pushed` and
calls `store`; the event then takes the same path as `POST …/events` (stored first, then the
worker). Errors are plain outcomes the receiver turns into the answer its device expects.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.cameras.worker import queue_of
from bot.http import APPLICATION, DEPS
from core.errors import InvalidInput, InvalidToken, NotFound
from core.models import Camera, CameraSource
from core.services.camera_events import Backlogged

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    STORED = "stored"
    ALIVE = "alive"  # a heartbeat: the camera is healthy, nothing stored
    RAW = "raw"  # an event type we do not act on: kept as sent
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    BUSY = "busy"  # backlog full or database away: the device should resend


@dataclass
class Pushed:
    """One device event, ready for `svc.camera_events.store`."""

    image: bytes
    plate: str | None = None
    plate_image: bytes | None = None
    face: bytes | None = None
    captured_at: datetime | None = None
    direction: str = ""
    key: str | None = None  # a resend of the same notification is stored once
    details: dict[str, Any] = field(default_factory=dict)


def basic_auth(header: str | None) -> tuple[str, str] | None:
    """(user, password) of an ``Authorization: Basic`` header."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def body_key(body: bytes) -> str:
    """An idempotency key from the body: the device resending a notification sends it again."""
    return "sha256:" + hashlib.sha256(body).hexdigest()[:48]


async def authenticate(
    request: web.Request, camera_id: str, secret: str, source: CameraSource
) -> Camera | Outcome:
    """The enabled camera of that source whose secret this is (marked as heard from)."""
    try:
        async with request.app[DEPS].storage.services() as svc:
            camera = await svc.camera_events.authenticate(camera_id, secret)
            if camera.source is not source:
                raise NotFound("camera", id=camera_id)
            return camera
    except NotFound:
        return Outcome.NOT_FOUND
    except InvalidToken:
        return Outcome.UNAUTHORIZED
    except (SQLAlchemyError, OSError):
        log.exception("camera %s: database unavailable", camera_id)
        return Outcome.BUSY


async def store(request: web.Request, camera: Camera, pushed: Pushed) -> Outcome:
    """Store the event (stored first: the device is answered after the commit) and publish it."""
    deps, application = request.app[DEPS], request.app[APPLICATION]
    try:
        async with deps.storage.services() as svc:
            found = await svc.session.get(Camera, camera.id)
            if found is None or not found.enabled:
                return Outcome.NOT_FOUND
            accepted = await svc.camera_events.store(
                found,
                image=pushed.image,
                face=pushed.face,
                plate=pushed.plate,
                captured_at=pushed.captured_at,
                direction=pushed.direction,
                idempotency_key=pushed.key,
                max_backlog=deps.settings.camera_backlog,
                plate_image=pushed.plate_image,
                details=pushed.details,
            )
    except Backlogged:
        return Outcome.BUSY
    except InvalidInput as exc:
        log.info("camera %s: refused a pushed event (%s)", camera.id, exc.detail)
        return Outcome.INVALID
    except IntegrityError:  # the same notification raced in twice: the first one is stored
        return Outcome.STORED
    except (SQLAlchemyError, OSError):
        log.exception("camera %s: could not store a pushed event", camera.id)
        return Outcome.BUSY
    if not accepted.duplicate:
        queue_of(application).published(accepted.event_id)
    return Outcome.STORED


async def keep_raw(
    request: web.Request, camera: Camera, event_type: str, body: str, content_type: str
) -> Outcome:
    """Keep an event we do not act on, as sent (counted in /metrics); never an error."""
    try:
        async with request.app[DEPS].storage.services() as svc:
            found = await svc.session.get(Camera, camera.id)
            assert found is not None
            await svc.camera_events.keep_raw(found, event_type, body, content_type)
    except (SQLAlchemyError, OSError):
        log.exception("camera %s: could not keep a raw event", camera.id)
        return Outcome.BUSY
    request.app[DEPS].metrics.camera_raw_events += 1
    log.info("camera %s: kept an event of unknown type %r", camera.id, event_type)
    return Outcome.RAW


async def alive(request: web.Request, camera: Camera) -> Outcome:
    """A heartbeat: `authenticate` already marked the camera as heard from."""
    return Outcome.ALIVE
