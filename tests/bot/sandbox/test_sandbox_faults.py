"""Fault injection and flood limits, seen from PTB and from raw HTTP."""

from __future__ import annotations

import time

import pytest
from telegram.error import NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

from bot.sandbox import Sandbox
from tests.bot.sandbox.sandbox_helpers import ALICE, GUARD_GROUP, BotApi, StartBot

# PTB's own rate limiter reads RetryAfter.retry_after, which warns about its future type.
pytestmark = pytest.mark.filterwarnings("ignore:.*`retry_after`.*")


async def test_429_is_waited_out_by_the_rate_limiter(
    sandbox: Sandbox, start_bot: StartBot
) -> None:
    limiter = AIORateLimiter(max_retries=2, group_max_rate=1000, overall_max_rate=1000)
    app = await start_bot(rate_limiter=limiter)
    await sandbox.send_text(ALICE, "hi")
    sandbox.faults.fail_next(method="sendMessage", kind="429", retry_after=1)

    started = time.monotonic()
    await app.bot.send_message(ALICE, "after the flood wait")
    elapsed = time.monotonic() - started

    assert [m["text"] for m in sandbox.bot_messages(ALICE)] == ["after the flood wait"]
    assert [name for name, _ in sandbox.calls if name == "sendMessage"] == ["sendMessage"] * 2
    assert sandbox.faults.fired == [("sendMessage", "429")]
    assert elapsed >= 1.0


async def test_429_without_retries_raises_retry_after(
    sandbox: Sandbox, start_bot: StartBot
) -> None:
    app = await start_bot()
    await sandbox.send_text(ALICE, "hi")
    sandbox.faults.fail_next(kind="429", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(ALICE, "x")
    assert "Retry in 7 seconds" in str(caught.value)
    assert sandbox.bot_messages(ALICE) == []


@pytest.mark.parametrize("kind", ["500", "502", "drop"])
async def test_server_errors_raise_network_error_and_a_retry_delivers_once(
    sandbox: Sandbox, start_bot: StartBot, kind: str
) -> None:
    app = await start_bot()
    await sandbox.send_text(ALICE, "hi")
    sandbox.faults.fail_next(method="sendMessage", chat_id=ALICE, kind=kind)

    with pytest.raises(NetworkError):
        await app.bot.send_message(ALICE, "important")
    await app.bot.send_message(ALICE, "important")  # the caller's retry

    assert [m["text"] for m in sandbox.bot_messages(ALICE)] == ["important"]


async def test_faults_filter_by_method_and_chat(api: BotApi, sandbox: Sandbox) -> None:
    await sandbox.send_text(ALICE, "hi")
    sandbox.faults.fail_next(2, method="sendMessage", chat_id=GUARD_GROUP, kind="500")
    await api.ok("sendMessage", chat_id=ALICE, text="not this chat")
    await api.ok("getMe")
    assert (await api.raw("sendMessage", chat_id=GUARD_GROUP, text="x"))[0] == 500
    assert (await api.raw("sendMessage", chat_id=GUARD_GROUP, text="x"))[0] == 500
    await api.ok("sendMessage", chat_id=GUARD_GROUP, text="x")
    with pytest.raises(ValueError, match="kind"):
        sandbox.faults.fail_next(kind="418")


async def test_fault_without_method_spares_get_updates(api: BotApi, sandbox: Sandbox) -> None:
    sandbox.faults.fail_next(kind="502")
    await api.ok("getUpdates")
    status, body = await api.raw("getMe")
    assert (status, body["description"]) == (502, "Bad Gateway")


async def test_429_body_shape(api: BotApi, sandbox: Sandbox) -> None:
    sandbox.faults.fail_next(kind="429", retry_after=3)
    status, body = await api.raw("getMe")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }


async def test_group_flood_limit(api: BotApi, sandbox: Sandbox) -> None:
    for index in range(20):
        await api.ok("sendMessage", chat_id=GUARD_GROUP, text=f"alert {index}")
    status, body = await api.raw("sendMessage", chat_id=GUARD_GROUP, text="one too many")
    assert status == 429
    assert 1 <= body["parameters"]["retry_after"] <= 60
    assert len(sandbox.bot_messages(GUARD_GROUP)) == 20
    # Private chats are not limited this way; a media group counts each item.
    await sandbox.send_text(ALICE, "hi")
    for _ in range(25):
        await api.ok("sendMessage", chat_id=ALICE, text="x")
    sandbox.faults.group_flood_limit = None
    await api.ok("sendMessage", chat_id=GUARD_GROUP, text="limit off")


async def test_flood_window_slides(api: BotApi, sandbox: Sandbox) -> None:
    now = [1000.0]
    sandbox.faults.clock = lambda: now[0]
    sandbox.faults.group_flood_limit = 2
    await api.ok("sendMessage", chat_id=GUARD_GROUP, text="1")
    now[0] += 30
    await api.ok("sendMessage", chat_id=GUARD_GROUP, text="2")
    status, body = await api.raw("sendMessage", chat_id=GUARD_GROUP, text="3")
    assert (status, body["parameters"]["retry_after"]) == (429, 30)
    now[0] += 30
    await api.ok("sendMessage", chat_id=GUARD_GROUP, text="3")


async def test_ptb_sees_group_flood_as_retry_after(sandbox: Sandbox, start_bot: StartBot) -> None:
    app = await start_bot()
    sandbox.faults.group_flood_limit = 3
    for index in range(3):
        await app.bot.send_message(GUARD_GROUP, f"alert {index}")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(GUARD_GROUP, "alert 3")
