"""`safecommunity channel add|list|test|disable` against a robot on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.bot.cli.conftest import Cli


@dataclass
class Robot:
    port: int = 0
    calls: list[tuple[str, dict[str, str], dict[str, str], bytes]] = field(default_factory=list)
    answer: tuple[int, Any] = (200, {"errcode": 0, "errmsg": "ok"})

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def robot() -> Iterator[Robot]:
    """An aiohttp robot in its own thread (the CLI runs its own event loop)."""
    found = Robot()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        found.calls.append((request.path, dict(request.query), dict(request.headers), body))
        status, answer = found.answer
        return web.json_response(answer, status=status)

    app = web.Application()
    app.router.add_post("/{tail:.*}", handle)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
    found.port = int(runner.addresses[0][1])
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.run_until_complete(runner.cleanup())
        loop.close()


def test_add_list_and_test_a_wecom_robot(cli: Cli, ready: Path, robot: Robot) -> None:
    url = robot.url("/cgi-bin/webhook/send?key=SECRETKEY")
    added = cli("channel", "add", "--name", "gate-wecom", "--kind", "wecom", "--url", url)
    assert added.code == 0, added.err
    assert "added wecom channel gate-wecom (every grid, from low)" in added.out
    listed = cli("channel", "list")
    assert "gate-wecom" in listed.out
    assert f"127.0.0.1:{robot.port}" in listed.out
    assert "SECRETKEY" not in listed.out  # the key in the URL is a credential
    tested = cli("channel", "test", "gate-wecom")
    assert tested.code == 0, tested.err
    assert tested.out.strip() == 'HTTP 200: {"errcode": 0, "errmsg": "ok"}'
    [(path, query, _headers, body)] = robot.calls
    assert (path, query) == ("/cgi-bin/webhook/send", {"key": "SECRETKEY"})
    assert json.loads(body) == {
        "msgtype": "markdown",
        "markdown": {"content": "SafeCommunity 测试消息：通道 gate-wecom 已连通。"},
    }


def test_a_webhook_gets_a_generated_secret_and_a_failed_answer_is_printed(
    cli: Cli, ready: Path, robot: Robot
) -> None:
    added = cli("channel", "add", "--name", "hook", "--kind", "webhook", "--url", robot.url("/in"))
    assert added.code == 0, added.err
    secret = added.out.split("secret: ")[1].split()[0]
    assert "shown only once" in added.err
    robot.answer = (500, {"error": "receiver down"})
    tested = cli("channel", "test", "hook")
    assert tested.code == 1
    assert tested.out.strip() == 'HTTP 500: {"error": "receiver down"}'
    [(_path, _query, headers, body)] = robot.calls
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-SafeCommunity-Signature"] == f"sha256={expected}"
    assert json.loads(body)["kind"] == "test"
    assert cli("channel", "disable", "hook").code == 0
    assert "no" in cli("channel", "list").out.splitlines()[-1]


def test_unknown_channels_and_bad_urls_are_refused(cli: Cli, ready: Path) -> None:
    assert cli("channel", "test", "nope").code == 1
    bad = cli("channel", "add", "--name", "x", "--kind", "feishu", "--url", "ftp://a/b")
    assert bad.code == 1
    assert "invalid input" in bad.err
