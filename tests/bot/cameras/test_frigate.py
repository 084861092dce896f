"""The Frigate link against a real Mosquitto broker and a small fake Frigate HTTP API."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiomqtt
import pytest
from aiohttp import web

from bot.cameras.frigate import Link
from core.models import CameraKind, CameraSource
from tests.bot.cameras.conftest import Receiver, photo, until
from tests.e2e import SYSTEM, MakeBotEnv

BROKER = ("127.0.0.1", 1883)


def broker_up() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(BROKER) == 0


pytestmark = pytest.mark.skipif(not broker_up(), reason="no MQTT broker on 127.0.0.1:1883")


class FakeFrigate:
    """``GET /api/events/{id}/snapshot.jpg``: 404 for the first asks (recognition runs)."""

    def __init__(self, picture: bytes, not_yet: int = 2) -> None:
        self.picture, self.not_yet, self.asked = picture, not_yet, list[str]()

    async def snapshot(self, request: web.Request) -> web.Response:
        self.asked.append(request.match_info["id"])
        if self.asked.count(request.match_info["id"]) <= self.not_yet:
            return web.json_response({"success": False, "message": "not found"}, status=404)
        return web.Response(body=self.picture, content_type="image/jpeg")


@pytest.fixture
async def frigate() -> AsyncIterator[tuple[FakeFrigate, str]]:
    fake = FakeFrigate(photo("plates/ccpd_demo_0.jpg"))
    app = web.Application()
    app.router.add_get("/api/events/{id}/snapshot.jpg", fake.snapshot)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield fake, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def event(kind: str, object_id: str, **after: Any) -> bytes:
    """A ``frigate/events`` message in Frigate 0.16's shape."""
    state = {
        "id": object_id,
        "camera": "driveway",
        "label": "car",
        "sub_label": None,
        "score": 0.81,
        "top_score": 0.86,
        "start_time": 1764669900.475377,
        "end_time": None,
        "has_snapshot": True,
        "current_zones": ["gate"],
        "entered_zones": ["gate"],
        "false_positive": False,
        "recognized_license_plate": None,
        "recognized_license_plate_score": None,
        **after,
    }
    return json.dumps({"type": kind, "before": state, "after": state}).encode()


async def test_one_frigate_object_is_one_passage_with_frigates_plate(
    receiver: Receiver, frigate: tuple[FakeFrigate, str]
) -> None:
    fake, url = frigate
    await receiver.camera(
        "drive-1", CameraSource.FRIGATE, kind=CameraKind.FACE, external_name="driveway"
    )
    prefix = f"frigate-test-{uuid.uuid4().hex[:8]}"
    settings = receiver.env.settings.model_copy(
        update={
            "frigate_mqtt_url": f"mqtt://{BROKER[0]}:{BROKER[1]}",
            "frigate_url": url,
            "frigate_topic_prefix": prefix,
        }
    )
    link = Link(receiver.env.application, settings)
    task = asyncio.create_task(link.run())
    try:
        async with asyncio.timeout(10):
            await link.connected.wait()
        object_id = "1764669900.475377-mxklsc"
        plate = {"recognized_license_plate": "皖A195K9", "recognized_license_plate_score": 0.93}
        async with aiomqtt.Client(*BROKER) as client:
            topic = f"{prefix}/events"
            await client.publish(topic, event("new", object_id), qos=1)
            await client.publish(topic, event("update", object_id, **plate), qos=1)
            await client.publish(topic, event("update", object_id, **plate), qos=1)  # no news
            await client.publish(topic, event("end", object_id, end_time=1764669905.0, **plate))
            await client.publish(topic, event("new", "other", camera="not-ours"), qos=1)
            await client.publish(topic, event("new", "dog", label="dog"), qos=1)

        async def three_done() -> bool:
            found = await receiver.events()
            return len(found) == 3 and all(e.passage_id for e in found)

        await until(three_done, timeout=20)
        events = await receiver.events()
        assert {e.track_id for e in events} == {object_id}
        assert [e.plate_text for e in events] == [None, "皖A195K9", "皖A195K9"]
        assert len({e.passage_id for e in events}) == 1
        passage = await receiver.passage(events[0].id)
        assert passage is not None
        assert passage.plate == "皖A195K9"
        assert passage.raw["frames"] == 3
        assert passage.raw["device"]["label"] == "car"
        assert fake.asked.count(object_id) >= 3  # 404 twice before the first snapshot

        async with aiomqtt.Client(*BROKER) as client:
            await client.publish(f"{prefix}/available", b"offline", qos=1)

        async def offline() -> bool:
            async with receiver.env.services() as svc:
                camera = await svc.cameras.get(SYSTEM, "drive-1")
                return camera.offline_since is not None

        await until(offline)
        stats = {"cameras": {"driveway": {"camera_fps": 5.1, "detection_fps": 0.2}}}
        async with aiomqtt.Client(*BROKER) as client:  # the stream runs again
            await client.publish(f"{prefix}/stats", json.dumps(stats).encode(), qos=1)

        async def back() -> bool:
            return not await offline()

        await until(back)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_link_starts_with_the_application_and_reports_frigate_offline(
    make_bot_env: MakeBotEnv,
) -> None:
    prefix = f"frigate-test-{uuid.uuid4().hex[:8]}"
    overrides = {
        "frigate_mqtt_url": f"mqtt://{BROKER[0]}:{BROKER[1]}",
        "frigate_topic_prefix": prefix,
        "frigate_cameras": {"porch": "porch-1"},
    }
    try:
        async with make_bot_env(overrides=overrides) as env:
            async with env.services() as svc:
                await svc.cameras.add(
                    SYSTEM,
                    camera_id="porch-1",
                    kind=CameraKind.FACE,
                    name="porch",
                    source=CameraSource.FRIGATE,
                    external_name="porch",
                )
            async with aiomqtt.Client(*BROKER) as client:  # retained, as Frigate sends it
                await client.publish(f"{prefix}/available", b"offline", qos=1, retain=True)

            async def offline() -> bool:
                async with env.services() as svc:
                    camera = await svc.cameras.get(SYSTEM, "porch-1")
                    return camera.offline_since is not None

            await until(offline)
    finally:
        async with aiomqtt.Client(*BROKER) as client:
            await client.publish(f"{prefix}/available", b"", qos=1, retain=True)
