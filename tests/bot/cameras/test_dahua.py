"""Dahua ITC platform push: a recorded TollgateInfo body (a real plate photo) end to end."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp

from core.models import CameraSource, EventStatus, GroupRole, WatchlistKind
from tests.bot.cameras.conftest import Receiver, photo, until
from tests.e2e import SYSTEM


def tollgate(picture: bytes, plate: str = "皖A195K9") -> dict[str, Any]:
    """A TollgateInfo notification in the shape of protocol V1.19 (fields from the notes)."""
    return {
        "Picture": {
            "Plate": {
                "PlateNumber": plate,
                "PlateColor": "Blue",
                "Confidence": 92,
                "BoundingBox": [312, 770, 466, 820],
            },
            "SnapInfo": {"AccurateTime": "2026-11-28 14:05:00.123", "Direction": "Approach"},
            "NormalPic": {"Content": base64.b64encode(picture).decode()},
        }
    }


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def post(
    url: str, body: bytes, auth: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=auth) as response,
    ):
        return response.status, await response.json()


async def test_a_plate_passage_is_stored_then_answered_and_becomes_a_passage(
    receiver: Receiver,
) -> None:
    secret = await receiver.camera("dahua-gate", CameraSource.DAHUA)
    body = json.dumps(tollgate(photo("plates/ccpd_demo_0.jpg"))).encode()
    auth = basic("dahua-gate", secret)
    url = receiver.base + "/NotificationInfo/TollgateInfo"
    assert await post(url, body, auth) == (200, {"Result": True})
    assert await post(url, body, auth) == (200, {"Result": True})  # the camera resends
    [event] = await receiver.events()
    assert (event.camera_id, event.plate_text, event.direction) == ("dahua-gate", "皖A195K9", "in")
    assert event.captured_at == datetime(2026, 11, 28, 6, 5, 0, 123000, tzinfo=UTC)
    assert event.details == {
        "vendor": "dahua",
        "plate_color": "Blue",
        "confidence": 92,
        "bounding_box": [312, 770, 466, 820],
        "direction": "Approach",
    }
    passage = await until(lambda: receiver.passage(event.id))
    assert passage.plate == "皖A195K9"
    assert passage.raw["device"]["plate_color"] == "Blue"
    [done] = await receiver.events()
    assert done.status is EventStatus.DONE


async def test_the_secret_in_the_path_and_the_keep_alive(receiver: Receiver) -> None:
    secret = await receiver.camera("dahua-2", CameraSource.DAHUA)
    prefix = f"{receiver.base}/api/v1/cameras/dahua-2/dahua/{secret}/NotificationInfo"
    body = json.dumps(tollgate(photo("plates/ccpd_demo_1.jpg"), "皖AUJ299")).encode()
    assert await post(prefix + "/TollgateInfo", body) == (200, {"Result": True})
    assert await post(prefix + "/KeepAlive", b"{}") == (200, {"Result": True})
    [event] = await receiver.events()
    assert event.plate_text == "皖AUJ299"
    async with receiver.env.services() as svc:
        camera = await svc.cameras.get(SYSTEM, "dahua-2")
        assert camera.last_seen_at is not None


async def test_wrong_secrets_other_sources_and_bad_bodies_are_refused(
    receiver: Receiver,
) -> None:
    secret = await receiver.camera("dahua-3", CameraSource.DAHUA)
    http_token = await receiver.camera("plain", CameraSource.HTTP)
    url = receiver.base + "/NotificationInfo/TollgateInfo"
    body = json.dumps(tollgate(b"\xff\xd8\xff\xe0 not really")).encode()
    assert (await post(url, body))[0] == 401
    assert (await post(url, body, basic("dahua-3", "cam_wrong")))[0] == 401
    assert (await post(url, body, basic("plain", http_token)))[0] == 404
    kept = await post(url, b"{not json", basic("dahua-3", secret))
    assert kept == (200, {"Result": True})  # resending would not help: kept raw
    assert await receiver.events() == []
    async with receiver.env.services() as svc:
        assert await svc.camera_events.raw_count() == 1


async def test_a_watched_plate_from_a_dahua_camera_alerts_the_guards(receiver: Receiver) -> None:
    env = receiver.env
    guards = await env.group(GroupRole.GUARDS)
    async with env.services() as svc:
        vehicles = await svc.watchlists.create(
            SYSTEM, kind=WatchlistKind.VEHICLES, name="布控车辆"
        )
        await svc.watchlists.add_plate(
            SYSTEM, vehicles.id, "皖A195K9", reason="套牌嫌疑", authority="协查 2"
        )
    secret = await receiver.camera("dahua-alert", CameraSource.DAHUA)
    body = json.dumps(tollgate(photo("plates/ccpd_demo_0.jpg"))).encode()
    url = receiver.base + "/NotificationInfo/TollgateInfo"
    assert await post(url, body, basic("dahua-alert", secret)) == (200, {"Result": True})
    sent = await env.wait_for_call(
        "sendPhoto", lambda p: str(p.get("chat_id")) == str(guards), timeout=15
    )
    assert "皖A195K9" in sent["caption"]
