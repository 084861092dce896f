"""``POST /api/v1/cameras/{camera_id}/events``: a camera's snapshot, stored before the answer.

Multipart fields: ``image`` (the snapshot, required), ``face`` (a crop), ``plate`` (the text
the camera read), ``captured_at`` (ISO 8601, default now; without a zone the community's),
``direction`` (in/out), ``track_id``. ``Authorization: Bearer <camera token>``; an
``Idempotency-Key`` header makes a retry return the first event instead of a second one.

Answers: 202 ``{"event_id": n}`` once stored; 401 wrong or missing token; 404 unknown or
disabled camera; 413 body too large; 422 not an image or a bad field; 503 with Retry-After
when the backlog is full or the database is away. Errors are ``{"error": code, "message": …}``.
Pictures are only sniffed here (magic bytes); they are decoded in the recognition workers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import BodyPartReader, web
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.cameras.worker import queue_of
from bot.http import APPLICATION, DEPS
from core.errors import InvalidInput, InvalidToken, NotFound
from core.services.camera_events import Backlogged
from core.services.photos import sniff_content_type

log = logging.getLogger(__name__)

PATH = "/api/v1/cameras/{camera_id}/events"
FILE_FIELDS = frozenset({"image", "face"})
TEXT_FIELDS = frozenset({"plate", "captured_at", "direction", "track_id"})
MAX_TEXT = 256
RETRY_AFTER = 5  # seconds a camera should wait after a 503
MESSAGES = {
    "unauthorized": "missing or wrong camera token",
    "camera_not_found": "unknown or disabled camera",
    "too_large": "the request body is too large",
    "not_multipart": "send multipart/form-data",
    "image_missing": "the image field is required",
    "not_an_image": "the image is not a JPEG, PNG or WebP picture",
    "invalid_field": "a field has an invalid value",
    "overloaded": "too many events are waiting; retry later",
    "unavailable": "the service is unavailable; retry later",
}


class TooLarge(Exception):
    pass


class BadForm(Exception):
    pass


@dataclass
class Form:
    files: dict[str, bytes] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def error(status: int, code: str, **extra: object) -> web.Response:
    headers = {"Retry-After": str(RETRY_AFTER)} if status == 503 else None
    body = {"error": code, "message": MESSAGES.get(code, code), **extra}
    return web.json_response(body, status=status, headers=headers)


def bearer(header: str | None) -> str | None:
    scheme, _, token = (header or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def read_form(request: web.Request, limit: int) -> Form:
    """The multipart fields, refusing more than `limit` bytes in all (TooLarge)."""
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError, KeyError) as exc:
        raise BadForm(str(exc)) from None
    form, total = Form(), 0
    while True:
        try:
            part = await reader.next()
        except ValueError as exc:
            raise BadForm(str(exc)) from None
        if part is None:
            return form
        if not isinstance(part, BodyPartReader):
            raise BadForm("nested multipart")
        chunks: list[bytes] = []
        while chunk := await part.read_chunk(64 * 1024):
            total += len(chunk)
            if total > limit:
                raise TooLarge()
            chunks.append(chunk)
        data, name = b"".join(chunks), part.name or ""
        if name in FILE_FIELDS:
            form.files[name] = data
        elif name in TEXT_FIELDS:
            if len(data) > MAX_TEXT:
                raise BadForm(name)
            form.texts[name] = data.decode("utf-8", "replace").strip()


def parse_time(value: str, request: web.Request) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("captured_at") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=request.app[DEPS].settings.zone)
    return moment


async def post_event(request: web.Request) -> web.Response:
    """Store a camera's event; 202 with its id (see the module's docstring)."""
    deps, application = request.app[DEPS], request.app[APPLICATION]
    camera_id, token = (
        request.match_info["camera_id"],
        bearer(request.headers.get("Authorization")),
    )
    if token is None:
        return error(401, "unauthorized")
    limit = deps.settings.camera_max_bytes
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        return error(413, "too_large", limit=limit)
    services = deps.storage.services
    try:
        async with services() as svc:
            await svc.camera_events.authenticate(camera_id, token)
    except NotFound:
        return error(404, "camera_not_found")
    except InvalidToken:
        return error(401, "unauthorized")
    except (SQLAlchemyError, OSError):
        log.exception("camera %s: database unavailable", camera_id)
        return error(503, "unavailable")
    try:
        form = await read_form(request, limit)
    except TooLarge:
        return error(413, "too_large", limit=limit)
    except BadForm:
        return error(422, "not_multipart")
    image = form.files.get("image")
    if not image:
        return error(422, "image_missing")
    try:
        for picture in (image, form.files.get("face")):
            if picture:
                sniff_content_type(picture)
    except InvalidInput:
        return error(422, "not_an_image")
    key = request.headers.get("Idempotency-Key")
    try:
        async with services() as svc:
            accepted = await svc.camera_events.accept(
                camera_id,
                token,
                image=image,
                face=form.files.get("face") or None,
                plate=form.texts.get("plate") or None,
                captured_at=parse_time(form.texts.get("captured_at", ""), request),
                direction=form.texts.get("direction", ""),
                track_id=form.texts.get("track_id", ""),
                idempotency_key=key,
                max_backlog=deps.settings.camera_backlog,
            )
    except NotFound:
        return error(404, "camera_not_found")
    except InvalidToken:
        return error(401, "unauthorized")
    except Backlogged:
        return error(503, "overloaded")
    except InvalidInput as exc:
        if exc.detail == "photo_size":
            return error(413, "too_large", limit=limit)
        if exc.detail == "photo_format":
            return error(422, "not_an_image")
        return error(422, "invalid_field", field=exc.detail)
    except IntegrityError:  # the same Idempotency-Key raced in: answer with the first one
        async with services() as svc:
            found = await svc.camera_events.existing(camera_id, key)
        if found is None:
            return error(503, "unavailable")
        return web.json_response({"event_id": found}, status=202)
    except (SQLAlchemyError, OSError):
        log.exception("camera %s: could not store an event", camera_id)
        return error(503, "unavailable")
    if not accepted.duplicate:
        queue_of(application).published(accepted.event_id)
    return web.json_response({"event_id": accepted.event_id}, status=202)


def add_routes(app: web.Application) -> None:
    app.router.add_post(PATH, post_event)
