"""`POST /api/v1/cameras/{camera_id}/events` over real HTTP: every answer the issue lists."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import func, select

from bot.http import HttpServer, create_http_app
from core.models import CameraEvent, CameraKind, EventStatus
from tests.e2e import SYSTEM, BotEnv, MakeBotEnv

URL = "/api/v1/cameras/{}/events"


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 120, 30)).save(out, "JPEG")
    return out.getvalue()


class Api:
    def __init__(self, env: BotEnv, base: str, token: str) -> None:
        self.env, self.base, self.token = env, base, token

    async def post(
        self,
        camera: str = "gate-1",
        *,
        token: str | None = None,
        image: bytes | None = None,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        form: bool = True,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        sent = {"Authorization": f"Bearer {token or self.token}", **(headers or {})}
        data: Any
        if form:
            data = aiohttp.FormData()
            data.add_field(
                "image",
                jpeg() if image is None else image,
                filename="s.jpg",
                content_type="image/jpeg",
            )
            for name, value in (fields or {}).items():
                data.add_field(name, value)
        else:
            data = b"plain body"
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.base + URL.format(camera), data=data, headers=sent) as response,
        ):
            return response.status, await response.json(), dict(response.headers)


@pytest.fixture
async def api(make_bot_env: MakeBotEnv) -> AsyncIterator[Api]:
    overrides = {"camera_max_bytes": 64 * 1024}
    async with make_bot_env(overrides=overrides) as env:
        async with env.services() as svc:
            _camera, token = await svc.cameras.add(
                SYSTEM, camera_id="gate-1", kind=CameraKind.FACE, name="北门"
            )
            await svc.cameras.add(SYSTEM, camera_id="old", kind=CameraKind.FACE, name="旧门")
            await svc.cameras.disable(SYSTEM, "old")
        server = HttpServer(create_http_app(env.application, env.application.deps))
        await server.start("127.0.0.1", 0)
        try:
            yield Api(env, server.url, token)
        finally:
            await server.stop()


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Poll the database (it has no event to await) until `check` holds."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def events(env: BotEnv) -> list[CameraEvent]:
    async with env.services() as svc:
        return list(await svc.session.scalars(select(CameraEvent).order_by(CameraEvent.id)))


async def test_an_event_is_stored_and_answered_202_with_its_id(api: Api) -> None:
    status, body, _ = await api.post(
        fields={"direction": "in", "track_id": "t-1", "captured_at": "2026-11-28T14:05:00+08:00"}
    )
    assert status == 202
    [event] = await events(api.env)
    assert body == {"event_id": event.id}
    assert (event.direction, event.track_id) == ("in", "t-1")
    assert event.captured_at == datetime(2026, 11, 28, 6, 5, tzinfo=UTC)


async def test_the_idempotency_key_makes_a_retry_harmless(api: Api) -> None:
    first = await api.post(headers={"Idempotency-Key": "evt-42"})
    second = await api.post(headers={"Idempotency-Key": "evt-42"})
    assert first[0] == second[0] == 202
    assert first[1] == second[1]
    assert len(await events(api.env)) == 1


@pytest.mark.parametrize(
    ("camera", "token", "status", "code"),
    [
        ("gate-1", "cam_wrong", 401, "unauthorized"),
        ("nowhere", None, 404, "camera_not_found"),
        ("old", None, 404, "camera_not_found"),
    ],
)
async def test_wrong_tokens_and_unknown_or_disabled_cameras(
    api: Api, camera: str, token: str | None, status: int, code: str
) -> None:
    got, body, _ = await api.post(camera, token=token)
    assert (got, body["error"]) == (status, code)
    assert body["message"]
    assert await events(api.env) == []


async def test_a_missing_token_is_401(api: Api) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(api.base + URL.format("gate-1"), data={"image": "x"}) as response,
    ):
        assert response.status == 401
        assert (await response.json())["error"] == "unauthorized"


async def test_an_oversized_body_is_413(api: Api) -> None:
    big = jpeg((64, 48)) + b"\0" * (80 * 1024)
    status, body, _ = await api.post(image=big)
    assert (status, body["error"]) == (413, "too_large")
    assert await events(api.env) == []


@pytest.mark.parametrize(
    ("image", "fields", "form", "code"),
    [
        (b"this is not a picture", {}, True, "not_an_image"),
        (b"", {}, True, "image_missing"),
        (None, {"direction": "sideways"}, True, "invalid_field"),
        (None, {"captured_at": "yesterday"}, True, "invalid_field"),
        (None, {}, False, "not_multipart"),
    ],
)
async def test_bad_input_is_422(
    api: Api, image: bytes | None, fields: dict[str, str], form: bool, code: str
) -> None:
    status, body, _ = await api.post(image=image, fields=fields, form=form)
    assert (status, body["error"]) == (422, code)
    assert await events(api.env) == []


async def test_a_full_backlog_is_503_with_retry_after(api: Api) -> None:
    assert (await api.post())[0] == 202

    async def processed() -> bool:
        return [e.status for e in await events(api.env)] == [EventStatus.DONE]

    await until(processed)
    # Put the event back in the queue for later, then shrink the backlog to it.
    async with api.env.services() as svc:
        event = await svc.session.scalar(select(CameraEvent))
        assert event is not None
        event.status = EventStatus.QUEUED
        event.next_attempt_at = datetime.now(UTC) + timedelta(hours=1)
    api.env.application.deps.settings = api.env.settings.model_copy(update={"camera_backlog": 1})
    status, body, headers = await api.post()
    assert (status, body["error"]) == (503, "overloaded")
    assert int(headers["Retry-After"]) > 0
    async with api.env.services() as svc:
        assert await svc.session.scalar(select(func.count(CameraEvent.id))) == 1
