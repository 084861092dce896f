"""Dahua ITC plate cameras' platform push (protocol V1.19): ``/NotificationInfo/…``.

The camera posts JSON to ``/NotificationInfo/TollgateInfo`` (a plate passage, the scene as
base64 in ``Picture.NormalPic.Content``) and ``/NotificationInfo/KeepAlive``. It resends a
notification until it is answered ``{"Result": true}``, so that answer is given only once the
event is stored (a resend of the same body is stored once); a body we cannot use is kept as
sent (`camera_raw_events`) and answered true too, since resending it would not help.
Which camera: HTTP Basic (user = our camera id, password = its secret) on the bare paths,
or the id and secret in the path, ``/api/v1/cameras/{id}/dahua/{secret}/NotificationInfo/…``,
for firmware that cannot send credentials.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.cameras.push import (
    Outcome,
    Pushed,
    authenticate,
    basic_auth,
    body_key,
    keep_raw,
    store,
)
from bot.http import DEPS
from core.models import Camera, CameraSource

TOLLGATE = "/NotificationInfo/TollgateInfo"
KEEP_ALIVE = "/NotificationInfo/KeepAlive"
PREFIX = "/api/v1/cameras/{camera_id}/dahua/{secret}"
DIRECTIONS = {"0": "in", "1": "out", "approach": "in", "leave": "out"}  # unconfirmed values


class BadPayload(Exception):
    pass


def parse_tollgate(body: bytes, zone: Any) -> Pushed:
    """The plate passage of a TollgateInfo body (BadPayload when it is not one)."""
    try:
        data = json.loads(body)
        picture = data["Picture"]
        content = picture["NormalPic"]["Content"]
        image = base64.b64decode(content, validate=False)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise BadPayload(str(exc)) from None
    if not image:
        raise BadPayload("empty picture")
    plate = picture.get("Plate") or {}
    snap = picture.get("SnapInfo") or {}
    captured_at = None
    if when := str(snap.get("AccurateTime") or "").strip():
        try:
            captured_at = datetime.strptime(when, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=zone)
        except ValueError:
            captured_at = None
    number = str(plate.get("PlateNumber") or "").strip()
    raw_direction = str(snap.get("Direction") or "").strip()
    details: dict[str, Any] = {
        "vendor": "dahua",
        "plate_color": plate.get("PlateColor"),
        "confidence": plate.get("Confidence"),
        "bounding_box": plate.get("BoundingBox"),
        "direction": raw_direction or None,
    }
    cutout = (picture.get("CutoutPic") or {}).get("Content")  # the plate crop, when sent
    plate_image = None
    if cutout:
        try:
            plate_image = base64.b64decode(cutout) or None
        except (ValueError, binascii.Error):
            plate_image = None
    return Pushed(
        image=image,
        plate=number if number and number not in {"无车牌", "未识别"} else None,
        plate_image=plate_image,
        captured_at=captured_at,
        direction=DIRECTIONS.get(raw_direction.lower(), ""),
        key=body_key(body),
        details={k: v for k, v in details.items() if v is not None},
    )


def answer(outcome: Outcome) -> web.Response:
    """The protocol's answer: ``{"Result": true}`` only when the camera may forget it."""
    if outcome in {Outcome.STORED, Outcome.ALIVE, Outcome.RAW}:
        return web.json_response({"Result": True})
    status = {
        Outcome.UNAUTHORIZED: 401,
        Outcome.NOT_FOUND: 404,
        Outcome.INVALID: 400,
        Outcome.BUSY: 503,
    }[outcome]
    return web.json_response({"Result": False, "Error": outcome.value}, status=status)


async def _camera(request: web.Request) -> Camera | Outcome:
    if "camera_id" in request.match_info:
        camera_id, secret = request.match_info["camera_id"], request.match_info["secret"]
    else:
        credentials = basic_auth(request.headers.get("Authorization"))
        if credentials is None:
            return Outcome.UNAUTHORIZED
        camera_id, secret = credentials
    return await authenticate(request, camera_id, secret, CameraSource.DAHUA)


async def tollgate(request: web.Request) -> web.Response:
    """A plate passage: stored, then ``{"Result": true}``."""
    camera = await _camera(request)
    if isinstance(camera, Outcome):
        return answer(camera)
    body = await request.read()
    text = body.decode("utf-8", "replace")
    try:
        pushed = parse_tollgate(body, request.app[DEPS].settings.zone)
    except BadPayload:  # resending it would not help: kept as sent, and the camera told so
        return answer(await keep_raw(request, camera, "TollgateInfo", text, request.content_type))
    outcome = await store(request, camera, pushed)
    if outcome is Outcome.INVALID:  # a field we refuse (an odd plate): kept, not lost
        outcome = await keep_raw(request, camera, "TollgateInfo", text, request.content_type)
    return answer(outcome)


async def keep_alive(request: web.Request) -> web.Response:
    """The camera's keep-alive: it is healthy (authenticating marked it as heard from)."""
    camera = await _camera(request)
    return answer(camera if isinstance(camera, Outcome) else Outcome.ALIVE)


def add_routes(app: web.Application) -> None:
    for prefix in ("", PREFIX):
        app.router.add_post(prefix + TOLLGATE, tollgate)
        app.router.add_post(prefix + KEEP_ALIVE, keep_alive)
