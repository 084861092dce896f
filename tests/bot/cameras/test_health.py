"""Camera health end to end: a silent camera is told to its grid's staff group once, and once
more when its next heartbeat arrives (through the notification path and the outbox)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import aiohttp

from bot.http import HttpServer, create_http_app
from core.models import CameraKind, CameraSource, GroupRole
from handlers.cameras import check_health
from tests.e2e import SYSTEM, MakeBotEnv


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_a_silent_camera_is_reported_once_and_again_when_it_is_back(
    make_bot_env: MakeBotEnv,
) -> None:
    clock = Clock()
    async with make_bot_env(clock=clock, overrides={"camera_silent_minutes": 30}) as env:
        staff = await env.group(GroupRole.STAFF)
        guards = await env.group(GroupRole.GUARDS)
        async with env.services() as svc:
            _camera, secret = await svc.cameras.add(
                SYSTEM,
                camera_id="dahua-gate",
                kind=CameraKind.PLATE,
                name="北门车牌",
                source=CameraSource.DAHUA,
            )
        clock.now += timedelta(minutes=20)
        assert await check_health(env.application) == []
        clock.now += timedelta(minutes=11)
        assert await check_health(env.application) == ["dahua-gate"]
        assert await check_health(env.application) == []  # once
        await env.wait_for_call("sendMessage", lambda p: "北门车牌" in p["text"])
        [told] = env.messages(staff)
        assert "已失联" in told.text
        assert env.messages(guards) == []

        server = HttpServer(create_http_app(env.application, env.application.deps))
        await server.start("127.0.0.1", 0)
        try:
            auth = base64.b64encode(f"dahua-gate:{secret}".encode()).decode()
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    server.url + "/NotificationInfo/KeepAlive",
                    data=b"{}",
                    headers={"Authorization": f"Basic {auth}"},
                ) as response,
            ):
                assert await response.json() == {"Result": True}
        finally:
            await server.stop()
        await env.wait_for_call("sendMessage", lambda p: "已恢复" in p["text"])
        assert len(env.messages(staff)) == 2
        clock.now += timedelta(minutes=10)
        assert await check_health(env.application) == []
