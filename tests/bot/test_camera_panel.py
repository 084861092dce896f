"""The sandbox page's camera panel: pick a camera and a photo, send → the product's camera
endpoint → the alert arrives in the guard group (the HTTP part; real face models)."""

from __future__ import annotations

import aiohttp
import pytest

from bot.sandbox.cameras import CameraPanel
from core.models import WatchlistKind
from tests.e2e import MakeBotEnv
from tests.handlers.test_alerts import astronaut, gate, watch_face

pytestmark = pytest.mark.slow


async def test_a_sample_photo_sent_from_the_panel_alerts_the_guard_group(
    make_bot_env: MakeBotEnv,
) -> None:
    async with gate(make_bot_env) as g:
        await watch_face(g.env, astronaut(), WatchlistKind.PERSONS_OF_INTEREST, "张三", "民警布控")
        sandbox = g.env.sandbox
        sandbox.camera_panel = CameraPanel(
            g.url, [{"id": "gate-1", "name": "北门人脸抓拍", "token": g.token}],
            {"astronaut": astronaut()},
        )  # fmt: skip
        async with aiohttp.ClientSession() as session:
            async with session.get(sandbox.url) as page:
                html = await page.text()
            assert 'id="camera-form"' in html
            assert "北门人脸抓拍 (gate-1)" in html
            assert g.token not in html, "the camera's token stays on the server"
            form = {"camera": "gate-1", "sample": "astronaut"}
            async with session.post(sandbox.url + "_sandbox/api/camera_event", data=form) as r:
                answer = await r.json()
            assert answer["ok"], answer
            assert answer["result"]["status"] == 202
            upload = aiohttp.FormData()
            upload.add_field("camera", "gate-1")
            upload.add_field("image", b"not an image", filename="x.jpg")
            async with session.post(sandbox.url + "_sandbox/api/camera_event", data=upload) as r:
                refused = await r.json()
            assert refused["result"]["status"] == 422
        [alert] = await g.alerts()
        assert "张三" in alert.text
        assert alert.button_labels == ["✅ 接警", "❌ 误报", "🚓 出警"]


async def test_without_cameras_the_page_has_no_panel_and_the_action_says_why(
    make_bot_env: MakeBotEnv,
) -> None:
    async with make_bot_env() as env, aiohttp.ClientSession() as session:
        async with session.get(env.sandbox.url) as page:
            assert 'id="camera-form"' not in await page.text()
        url = env.sandbox.url + "_sandbox/api/camera_event"
        async with session.post(url, data={"camera": "gate-1", "sample": "x"}) as r:
            assert r.status == 400
            assert "no camera panel" in (await r.json())["error"]
