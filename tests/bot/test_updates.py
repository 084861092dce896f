"""Updates of different users run concurrently, each user's in order (`bot.updates`).

A test handler (`/block`) says "blocked", awaits an `asyncio.Event` the test sets, and says
"released": while it waits, the user it belongs to is busy.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.context import BotContext
from bot.updates import PerUserUpdateProcessor, update_key
from core.models import Role
from tests.e2e import BotEnv, MakeBotEnv, register_sample_flow


@dataclass
class Gate:
    """What `/block` waits for, and what the handlers saw."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    running_seen: list[int] = field(default_factory=list)

    def register(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        application.add_handler(CommandHandler("block", self.block))
        register_sample_flow(application)

    async def block(self, update: Update, context: BotContext) -> None:
        """Say "blocked", keep the user busy until released, then say "released"."""
        assert update.effective_chat is not None
        assert context.user_data is not None
        processor = context.application.update_processor
        assert isinstance(processor, PerUserUpdateProcessor)
        self.running_seen.append(processor.running)
        context.user_data["before"] = True
        await context.bot.send_message(update.effective_chat.id, "blocked")
        await self.release.wait()
        context.user_data["after"] = True
        await context.bot.send_message(update.effective_chat.id, "released")


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
async def env(make_bot_env: MakeBotEnv, gate: Gate) -> AsyncIterator[BotEnv]:
    async with make_bot_env(extra_handlers=gate.register) as running:
        try:
            yield running
        finally:
            gate.release.set()  # a failed test must not leave a handler for stop() to await


def processor(env: BotEnv) -> PerUserUpdateProcessor:
    found = env.application.update_processor
    assert isinstance(found, PerUserUpdateProcessor)
    return found


async def test_a_busy_user_does_not_keep_others_waiting(env: BotEnv, gate: Gate) -> None:
    busy = await env.user(Role.CADRE)
    resident = await env.user(Role.RESIDENT)
    assert (await env.say(busy, "/block")).text == "blocked"
    reply = await env.say(resident, "/help")  # answered while the cadre's handler waits
    assert "帮助" in reply.text
    assert [m.text for m in env.messages(busy.id)] == ["blocked"]
    gate.release.set()
    await env.sandbox.wait_for_bot_messages(busy.id, 2)
    assert [m.text for m in env.messages(busy.id)] == ["blocked", "released"]


async def test_one_users_updates_are_handled_in_order(env: BotEnv, gate: Gate) -> None:
    cadre = await env.user(Role.CADRE)
    other = await env.user(Role.RESIDENT)
    assert (await env.say(cadre, "/block")).text == "blocked"
    await env.sandbox.send_text(cadre.id, "/help")  # queued behind the cadre's /block
    # Updates are fetched and started in order: once the other user's later /help has been
    # answered, the cadre's /help has reached the processor and waits for its turn.
    await env.say(other, "/help")
    assert [m.text for m in env.messages(cadre.id)] == ["blocked"]
    assert processor(env).in_flight(cadre.id) == 2  # /block running, /help waiting
    gate.release.set()
    sent = await env.sandbox.wait_for_bot_messages(cadre.id, 3)
    assert [m["text"] for m in sent[:2]] == ["blocked", "released"]
    assert "帮助" in sent[2]["text"]


async def test_locks_are_freed_when_idle(env: BotEnv, gate: Gate) -> None:
    users = [await env.user(Role.RESIDENT) for _ in range(12)]
    for user in users:
        await env.sandbox.send_text(user.id, "/help")
    for user in users:
        await env.sandbox.wait_for_bot_messages(user.id, 1)
    await env.application.update_queue.join()  # every update's processing has returned
    assert processor(env).waiting_keys == 0
    assert processor(env).running == 0


async def test_user_data_and_flows_persist_with_interleaved_users(
    env: BotEnv, gate: Gate
) -> None:
    cadre = await env.user(Role.CADRE)
    resident = await env.user(Role.RESIDENT)
    assert (await env.say(cadre, "/block")).text == "blocked"
    assert (await env.say(resident, "/sample")).text == "sample: your name?"
    gate.release.set()
    await env.sandbox.wait_for_bot_messages(cadre.id, 2)
    await env.application.update_queue.join()
    await env.restart()  # stop() writes the persistence; a new Application reads it back
    assert env.application.user_data[cadre.id] == {"before": True, "after": True}
    reply = await env.say(resident, "Alice")
    assert reply.text == "sample: got Alice (step 1)"


# --- the processor alone: bounds and keys ---------------------------------------------------


async def test_at_most_max_running_handlers_run_at_once() -> None:
    processor = PerUserUpdateProcessor(max_running=2)
    release, two_running = asyncio.Event(), asyncio.Event()
    started: list[int] = []

    async def handler(n: int) -> None:
        started.append(n)
        if len(started) == 2:
            two_running.set()
        await release.wait()

    tasks = [asyncio.create_task(processor.process_update(object(), handler(n))) for n in range(3)]
    await two_running.wait()  # the three tasks have each taken their first step by now
    assert started == [0, 1]
    assert processor.running == 2
    release.set()
    await asyncio.gather(*tasks)
    assert started == [0, 1, 2]
    assert processor.running == 0


def test_the_key_is_the_user_else_the_chat() -> None:
    user = {"id": 7, "is_bot": False, "first_name": "A"}
    private = Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 7, "type": "private"},
                "from": user,
                "text": "hi",
            },
        },
        None,
    )
    channel = Update.de_json(
        {
            "update_id": 2,
            "channel_post": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": -1001, "type": "channel", "title": "news"},
                "text": "hi",
            },
        },
        None,
    )
    assert update_key(private) == 7
    assert update_key(channel) == -1001
    assert update_key(object()) is None
