"""Fixtures: a running sandbox, a raw Bot API client, and a real PTB Application against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram.ext import Application, BaseHandler, BaseRateLimiter

from bot.sandbox import Sandbox
from tests.bot.sandbox.sandbox_helpers import GROUPS, PERSONAS, TOKEN, BotApi, StartBot


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A started sandbox with three personas and a guard group."""
    async with Sandbox(
        token=TOKEN,
        bot_username="safecommunity_bot",
        bot_name="SafeCommunity",
        bot_id=123456,
        personas=PERSONAS,
        groups=GROUPS,
    ) as sb:
        yield sb


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[BotApi]:
    async with aiohttp.ClientSession() as session:
        yield BotApi(session, sandbox, sandbox.token)


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    """A session for the control API and the page (base URL = the sandbox root)."""
    async with aiohttp.ClientSession(base_url=sandbox.url) as session:
        yield session


@pytest.fixture
async def start_bot(sandbox: Sandbox) -> AsyncIterator[StartBot]:
    """Build, start and poll a real PTB Application against the sandbox; stopped at teardown."""
    running: list[Application] = []

    async def start(
        *handlers: BaseHandler[Any, Any, Any],
        rate_limiter: BaseRateLimiter[Any] | None = None,
        arbitrary_callback_data: bool = True,
    ) -> Application:
        builder = (
            Application.builder()
            .token(sandbox.token)
            .base_url(sandbox.base_url)
            .base_file_url(sandbox.base_file_url)
            .arbitrary_callback_data(arbitrary_callback_data)
        )
        if rate_limiter is not None:
            builder = builder.rate_limiter(rate_limiter)
        app = builder.build()
        for handler in handlers:
            app.add_handler(handler)
        await app.initialize()
        running.append(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        return app

    yield start
    for app in running:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
