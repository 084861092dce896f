"""Stopping the bot and the sandbox with long polls pending is prompt."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from telegram.ext import Application

from bot.sandbox import Sandbox
from tests.bot.sandbox.sandbox_helpers import ALICE, TOKEN


async def test_stopping_app_and_sandbox_with_a_pending_long_poll() -> None:
    sb = Sandbox(token=TOKEN)
    await sb.start()
    app = (
        Application.builder()
        .token(sb.token)
        .base_url(sb.base_url)
        .base_file_url(sb.base_file_url)
        .build()
    )
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=30)
    await sb.wait_for(lambda s: s.poller is not None)  # a 30 s long poll is pending

    started = time.monotonic()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    await sb.stop()
    elapsed = time.monotonic() - started

    print(f"app + sandbox shutdown with a pending long poll: {elapsed:.3f} s")
    assert elapsed < 5


async def test_sandbox_stop_releases_raw_long_polls() -> None:
    sb = Sandbox(token=TOKEN, personas=[{"user_id": ALICE, "name": "Alice"}])
    await sb.start()
    async with aiohttp.ClientSession() as session:

        async def poll(url: str) -> int:
            try:
                async with session.get(url) as response:
                    await response.read()
                    return response.status
            except aiohttp.ClientError:
                return -1  # the server went away: also fine

        updates = asyncio.create_task(poll(f"{sb.base_url}{sb.token}/getUpdates?timeout=50"))
        page = asyncio.create_task(
            poll(f"{sb.url}_sandbox/api/chats/{ALICE}/messages?after=99&wait=50")
        )
        await sb.wait_for(lambda s: s.poller is not None)

        started = time.monotonic()
        await sb.stop()
        results = await asyncio.wait_for(asyncio.gather(updates, page), 5)
        elapsed = time.monotonic() - started

    print(f"sandbox stop with two pending long polls: {elapsed:.3f} s")
    assert elapsed < 5
    assert all(status in (200, -1) for status in results)
