"""Local robots (aiohttp on 127.0.0.1) and a world with an alert to send them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channel_outbox import ChannelSender
from bot.context import BotDeps
from bot.i18n import load_catalogues
from core.bootstrap import Storage
from core.models import ChannelKind
from core.notify import Notice, Recipient, Rendered
from core.roles import Actor
from core.settings import Settings

SYSTEM = Actor.system("test")


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A robot: records every POST, answers from `answers` (then `default`)."""

    server: TestServer
    default: Any = field(default_factory=lambda: {"errcode": 0, "code": 0})
    answers: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    calls: list[Received] = field(default_factory=list)

    def url(self, path: str = "/hook", query: str = "") -> str:
        return str(self.server.make_url(path)) + (f"?{query}" if query else "")

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.calls.append(Received(request.path, dict(request.query), dict(request.headers), body))
        status, answer, headers = self.answers.pop(0) if self.answers else (200, self.default, {})
        return web.json_response(answer, status=status, headers=headers)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    app = web.Application(client_max_size=8 * 1024 * 1024)
    server = TestServer(app, host="127.0.0.1")
    robot = Receiver(server)
    app.router.add_post("/{tail:.*}", robot.handle)
    await server.start_server()
    try:
        yield robot
    finally:
        await server.close()


@pytest.fixture
def rendered(storage: Storage) -> list[tuple[Notice, Recipient]]:
    """Alerts read as a Telegram caption would (HTML), whoever the recipient is."""
    kept: list[tuple[Notice, Recipient]] = []

    def render(notice: Notice, recipient: Recipient) -> Rendered:
        kept.append((notice, recipient))
        view = notice.params.get("view")
        subject = view.subject if view is not None else "?"
        return Rendered(f"🚨 <b>Person of interest</b>\n{subject} &amp; co\n📷 北门")

    storage.services.context.notifier.renderer = render
    return kept


@pytest.fixture
async def sender(settings: Settings, storage: Storage) -> AsyncIterator[ChannelSender]:
    deps = BotDeps(settings=settings, storage=storage, catalogues=load_catalogues())
    made = ChannelSender(deps)
    try:
        yield made
    finally:
        await made.close()


async def add_channel(
    storage: Storage,
    name: str,
    kind: ChannelKind,
    url: str,
    *,
    secret: str | None = None,
    grid: str | None = None,
    min_severity: str = "low",
) -> int:
    async with storage.services() as svc:
        info, _ = await svc.channels.add(
            SYSTEM,
            name=name,
            kind=kind,
            url=url,
            secret=secret,
            grid_code=grid,
            min_severity=min_severity,
            locale="en",
        )
        return info.id
