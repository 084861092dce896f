"""Hikvision ISAPI push receiver: ``POST /api/v1/cameras/{id}/isapi/{secret}``.

Set on the device under ``/ISAPI/Event/notification/httpHosts`` (the CLI prints the URL).
The body is an ``EventNotificationAlert`` as XML or JSON, alone or as multipart/form-data with
pictures (ANPR: an XML part plus ``detectionPicture.jpg``, the scene, and
``licensePlatePicture.jpg``, the plate crop; face capture: an XML part plus a JPEG). Tag names
are matched without their namespace (``isapi.org`` or ``hikvision.com``).

``heartBeat`` marks the camera alive and stores nothing. ``ANPR`` and ``faceCapture`` become
events of the camera (stored first: the device is answered after the commit; a resend of the
same body is stored once). Any other type, an event without a picture, or a body we cannot
read is kept as sent (`camera_raw_events`, counted in /metrics) and answered 200: a device
must never see a 500 for what it is allowed to send.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

from aiohttp import BodyPartReader, web
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from bot.cameras.push import Outcome, Pushed, alive, authenticate, body_key, keep_raw, store
from bot.http import DEPS
from core.models import Camera, CameraSource

log = logging.getLogger(__name__)

PATH = "/api/v1/cameras/{camera_id}/isapi/{secret}"
SCENE = "detectionPicture.jpg"
PLATE_CROP = "licensePlatePicture.jpg"
DIRECTIONS = {"forward": "in", "reverse": "out", "enter": "in", "exit": "out"}
ANPR_FIELDS = (
    "licensePlate",
    "plateColor",
    "confidenceLevel",
    "plateCharBelieve",
    "direction",
    "vehicleType",
    "plateType",
    "vehicleListName",
    "listType",
)
HEAD_FIELDS = ("ipAddress", "macAddress", "channelID", "eventState", "eventDescription")


class Unreadable(Exception):
    pass


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _to_dict(element: Element) -> Any:
    """An XML element as JSON-like data, tag names without their namespace."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        name, value = _local(child.tag), _to_dict(child)
        if name in out:
            out[name] = out[name] if isinstance(out[name], list) else [out[name]]
            out[name].append(value)
        else:
            out[name] = value
    return out


def parse_alert(text: bytes) -> dict[str, Any]:
    """An EventNotificationAlert (XML or JSON) as a dict (Unreadable when it is neither)."""
    stripped = text.strip()
    if stripped.startswith(b"{"):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            raise Unreadable(str(exc)) from None
        alert = data.get("EventNotificationAlert", data) if isinstance(data, dict) else None
        if not isinstance(alert, dict):
            raise Unreadable("not an object")
        return alert
    try:
        root = ElementTree.fromstring(stripped)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise Unreadable(str(exc)) from None
    if _local(root.tag) != "EventNotificationAlert":
        raise Unreadable(_local(root.tag))
    data = _to_dict(root)
    if not isinstance(data, dict):
        raise Unreadable("empty")
    return data


def _time(value: Any, zone: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _number(value: Any) -> float | int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else number


def to_event(alert: dict[str, Any], pictures: dict[str, bytes], zone: Any) -> Pushed | None:
    """ANPR and face capture as our event; None for a type we do not act on or no picture."""
    kind = str(alert.get("eventType", ""))
    head = {k: alert[k] for k in HEAD_FIELDS if k in alert}
    captured_at = _time(alert.get("dateTime", ""), zone)
    jpegs = [data for data in pictures.values() if data]
    if kind == "ANPR":
        anpr = alert.get("ANPR") or {}
        if not isinstance(anpr, dict):
            return None
        image = pictures.get(SCENE) or next(
            (d for n, d in pictures.items() if n != PLATE_CROP and d), None
        )
        crop = pictures.get(PLATE_CROP)
        image = image or crop
        if not image:
            return None
        plate = str(anpr.get("licensePlate") or "").strip()
        details = {k: anpr[k] for k in ANPR_FIELDS if anpr.get(k) not in (None, "")}
        for name in ("confidenceLevel",):
            if name in details:
                details[name] = _number(details[name])
        return Pushed(
            image=image,
            plate=plate if plate and plate not in {"unknown", "无车牌"} else None,
            plate_image=crop if crop is not image else None,
            captured_at=captured_at,
            direction=DIRECTIONS.get(str(anpr.get("direction", "")).lower(), ""),
            details={"vendor": "hikvision", "event_type": kind, **head, **details},
        )
    if kind == "faceCapture":
        if not jpegs:
            return None
        return Pushed(
            image=jpegs[0],
            face=jpegs[1] if len(jpegs) > 1 else None,
            captured_at=captured_at,
            details={"vendor": "hikvision", "event_type": kind, **head},
        )
    return None


async def _read(request: web.Request, limit: int) -> tuple[bytes, dict[str, bytes], str]:
    """(the alert's text, pictures by file name, the text parts for a raw record)."""
    if not request.content_type.startswith("multipart/"):
        body = await request.read()
        if len(body) > limit:
            raise Unreadable("too large")
        return body, {}, body.decode("utf-8", "replace")
    reader = await request.multipart()
    alert, pictures, texts, total = b"", {}, [], 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = bytes(await part.read(decode=False))
        total += len(data)
        if total > limit:
            raise Unreadable("too large")
        name = part.filename or part.name or ""
        kind = part.headers.get("Content-Type", "")
        if data[:3] == b"\xff\xd8\xff" or kind.startswith("image/"):
            pictures[name] = data
        else:
            texts.append(data.decode("utf-8", "replace"))
            if not alert and (b"EventNotificationAlert" in data or data.strip()[:1] == b"{"):
                alert = data
    return alert, pictures, "\n".join(texts)


async def receive(request: web.Request) -> web.Response:
    """One pushed alert: stored, a heartbeat, or kept raw; 200 unless the secret is wrong."""
    deps = request.app[DEPS]
    camera = await authenticate(
        request,
        request.match_info["camera_id"],
        request.match_info["secret"],
        CameraSource.HIKVISION,
    )
    if isinstance(camera, Outcome):
        return _answer(camera)
    try:
        text, pictures, raw = await _read(request, deps.settings.camera_max_bytes)
        alert = parse_alert(text)
    except (Unreadable, ValueError) as exc:
        log.info("camera %s: unreadable ISAPI push (%s)", camera.id, exc)
        return _answer(await _raw(request, camera, "unreadable", ""))
    kind = str(alert.get("eventType", ""))
    if kind == "heartBeat":
        return _answer(await alive(request, camera))
    pushed = to_event(alert, pictures, deps.settings.zone)
    if pushed is None:
        return _answer(await _raw(request, camera, kind or "unknown", raw or text.decode()))
    pushed.key = body_key(text + b"".join(pictures.values()))
    outcome = await store(request, camera, pushed)
    if outcome is Outcome.INVALID:  # a field we refuse (an odd plate): kept, not lost
        outcome = await _raw(request, camera, kind, raw or text.decode("utf-8", "replace"))
    return _answer(outcome)


async def _raw(request: web.Request, camera: Camera, kind: str, body: str) -> Outcome:
    return await keep_raw(request, camera, kind, body, request.content_type)


def _answer(outcome: Outcome) -> web.Response:
    status = {
        Outcome.UNAUTHORIZED: 401,
        Outcome.NOT_FOUND: 404,
        Outcome.BUSY: 503,
    }.get(outcome, 200)
    return web.json_response({"result": outcome.value}, status=status)


def add_routes(app: web.Application) -> None:
    app.router.add_post(PATH, receive)
