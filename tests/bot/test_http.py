"""/healthz, /metrics and the webhook route, over real HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.http import SECRET_HEADER, WEBHOOK_PATH, HttpServer, create_http_app
from core.bootstrap import open_storage
from core.models import Role
from tests.e2e import BotEnv, MakeBotEnv

SECRET = "s3cret-Token_for-tests"


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        yield session


async def serve_http(env: BotEnv, **options: Any) -> HttpServer:
    server = HttpServer(create_http_app(env.application, env.application.deps, **options))
    await server.start("127.0.0.1", 0)
    return server


async def test_healthz_reports_db_and_bot(bot_env: BotEnv, client: aiohttp.ClientSession) -> None:
    server = await serve_http(bot_env)
    try:
        async with client.get(server.url + "/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"db": True, "bot": True}
        # The webhook route only exists in webhook mode.
        async with client.post(server.url + WEBHOOK_PATH, json={}) as response:
            assert response.status in (404, 405)
    finally:
        await server.stop()

    # A database that cannot be reached → 503 with db false.
    broken = bot_env.settings.model_copy(
        update={"database_url": "sqlite+aiosqlite:////nonexistent/dir/x.db"}
    )
    bad_storage = await open_storage(broken, migrate=False)
    deps = dataclasses.replace(bot_env.application.deps, storage=bad_storage)
    server = HttpServer(create_http_app(bot_env.application, deps))
    await server.start("127.0.0.1", 0)
    try:
        async with client.get(server.url + "/healthz") as response:
            assert response.status == 503
            assert await response.json() == {"db": False, "bot": True}
    finally:
        await server.stop()
        await bad_storage.close()


async def test_healthz_is_503_when_the_bot_is_stopped(
    bot_env: BotEnv, client: aiohttp.ClientSession
) -> None:
    server = await serve_http(bot_env)
    try:
        await bot_env.stop()
        async with client.get(server.url + "/healthz") as response:
            assert response.status == 503
            assert await response.json() == {"db": True, "bot": False}
        await bot_env.start()
    finally:
        await server.stop()


async def test_metrics_count_updates_errors_and_messages(
    bot_env: BotEnv, client: aiohttp.ClientSession
) -> None:
    user = await bot_env.user(Role.RESIDENT)
    await bot_env.say(user, "/start")
    await bot_env.say(user, "/help")  # the first reply's send has completed by now
    server = await serve_http(bot_env)
    try:
        async with client.get(server.url + "/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            body = await response.text()
    finally:
        await server.stop()
    values = {
        line.split()[0]: float(line.split()[1])
        for line in body.splitlines()
        if line and not line.startswith("#")
    }
    assert values["safecommunity_updates_total"] == 2
    assert values["safecommunity_errors_total"] == 0
    assert values["safecommunity_messages_sent_total"] >= 1
    assert values["safecommunity_uptime_seconds"] > 0
    assert "# TYPE safecommunity_updates_total counter" in body


async def test_the_webhook_checks_the_secret_and_resolves_buttons(
    make_bot_env: MakeBotEnv, client: aiohttp.ClientSession
) -> None:
    async with make_bot_env(overrides={"webhook_url": "https://bot.example.org"}) as env:
        assert env.application.updater is None
        server = await serve_http(env, webhook_secret=SECRET)
        url = server.url + WEBHOOK_PATH

        async def deliver(secret: str) -> int:
            update = env.sandbox.state.updates.pop(0)
            async with client.post(url, json=update, headers={SECRET_HEADER: secret}) as response:
                return response.status

        try:
            user = await env.user(Role.CADRE)
            await env.sandbox.send_text(user.id, "/language")
            assert await deliver("wrong") == 403
            await env.sandbox.send_text(user.id, "/language")
            assert await deliver(SECRET) == 200
            [prompt] = await env.sandbox.wait_for_bot_messages(user.id, 1)
            assert env.application.deps.metrics.updates == 1  # the refused one never arrived

            # A button press through the webhook: the 64-character key becomes the data again.
            pressing = asyncio.ensure_future(
                env.sandbox.press_button(user.id, prompt, "English", timeout=5)
            )
            await env.sandbox.wait_for(lambda sb: sb.state.updates)
            assert await deliver(SECRET) == 200
            answer = await pressing
            assert answer["text"] == "Saved"
        finally:
            await server.stop()
