"""Flood control and transient failures on the way out: waited out or retried, never doubled."""

from __future__ import annotations

import time

import pytest

from core.models import Role
from tests.e2e import BotEnv


def fired(env: BotEnv) -> list[tuple[str, str]]:
    return [(method.lower(), kind) for method, kind in env.sandbox.faults.fired]


async def test_a_429_is_waited_out_and_the_message_arrives_once(bot_env: BotEnv) -> None:
    user = await bot_env.user(Role.CADRE)
    bot_env.sandbox.faults.fail_next(1, method="sendMessage", kind="429", retry_after=1)
    started = time.monotonic()
    reply = await bot_env.say(user, "/start")
    assert time.monotonic() - started >= 1.0  # Telegram's retry_after was respected
    assert "请选择要办理的事项" in reply.text
    assert fired(bot_env) == [("sendmessage", "429")]
    assert len(bot_env.messages(user.id)) == 1
    assert len(bot_env.calls("sendMessage")) == 2  # refused once, then sent


@pytest.mark.parametrize("kind", ["500", "502", "drop"])
async def test_a_server_error_or_dropped_connection_is_retried_once(
    bot_env: BotEnv, kind: str
) -> None:
    user = await bot_env.user(Role.GUARD)
    bot_env.sandbox.faults.fail_next(1, method="sendMessage", kind=kind)
    reply = await bot_env.say(user, "/help")
    assert "帮助 · 保安" in reply.text
    assert fired(bot_env) == [("sendmessage", kind)]
    assert len(bot_env.messages(user.id)) == 1


async def test_a_persistent_outage_ends_in_the_log_not_a_loop(bot_env: BotEnv) -> None:
    user = await bot_env.user(Role.GUARD)
    # The reply and the apology both fail three times (one try + two retries each).
    bot_env.sandbox.faults.fail_next(6, method="sendMessage", kind="500")
    await bot_env.sandbox.send_text(user.id, "/help")
    await bot_env.sandbox.wait_for(lambda sb: not sb.faults.armed)
    reply = await bot_env.say(user, "/help")  # the bot is still alive
    assert "帮助 · 保安" in reply.text
    assert len(bot_env.messages(user.id)) == 1
