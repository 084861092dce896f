"""Fixtures for the vendors' receivers: the real Application and HTTP server, real photos."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.http import HttpServer, create_http_app
from core.models import CameraEvent, CameraKind, CameraSource, Passage
from tests.e2e import SYSTEM, BotEnv, MakeBotEnv

DATA = os.environ.get("SAFECOMMUNITY_TEST_DATA")
SHARED = Path(DATA) if DATA else Path(__file__).resolve().parents[3].parent / "shared" / "data"


def photo(relative: str) -> bytes:
    """A real photo from the shared data (the test skips when it is absent)."""
    path = SHARED / relative
    if not path.is_file():
        pytest.skip(f"shared test data absent ({path})")
    return path.read_bytes()


@dataclass
class Receiver:
    env: BotEnv
    base: str

    async def camera(
        self,
        camera_id: str,
        source: CameraSource,
        kind: CameraKind = CameraKind.PLATE,
        external_name: str | None = None,
        grid: str | None = None,
    ) -> str:
        async with self.env.services() as svc:
            _camera, token = await svc.cameras.add(
                SYSTEM,
                camera_id=camera_id,
                kind=kind,
                name=camera_id,
                source=source,
                external_name=external_name,
                grid_code=grid,
            )
        return token

    async def events(self) -> list[CameraEvent]:
        async with self.env.services() as svc:
            return list(await svc.session.scalars(select(CameraEvent).order_by(CameraEvent.id)))

    async def passage(self, event_id: int) -> Passage | None:
        async with self.env.services() as svc:
            event = await svc.session.get(CameraEvent, event_id)
            if event is None or event.passage_id is None:
                return None
            return await svc.session.get(Passage, event.passage_id)


@pytest.fixture
async def receiver(make_bot_env: MakeBotEnv) -> AsyncIterator[Receiver]:
    async with make_bot_env() as env:
        server = HttpServer(create_http_app(env.application, env.application.deps))
        await server.start("127.0.0.1", 0)
        try:
            yield Receiver(env, server.url)
        finally:
            await server.stop()


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 10.0) -> Any:  # noqa: ASYNC109
    """Poll the database (it has no event to await) until `check` gives something true."""
    async with asyncio.timeout(timeout):
        while not (found := await check()):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return found
