"""SQL persistence: the codec, and a restart in the middle of a flow resumes it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.persistence import SqlPersistence, decode, encode
from core.bootstrap import Storage
from core.models import BotState, Role
from tests.e2e import MakeBotEnv, register_sample_flow


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [1, "x", None, True, 1.5]},
        ("menu", "visit"),
        {(1, 2): "tuple key", 3: "int key"},
        {"s": {1, 2}, "f": frozenset({"x"}), "b": b"\x00\xff"},
        {"when": datetime(2024, 11, 28, 6, 5, tzinfo=UTC), "day": date(2024, 11, 28)},
        {"__tuple__": "a dict that looks like a tag"},
        ([("kb", 1.5, {"btn": ("lang", "en")})], {"query": "kb"}),
    ],
)
def test_the_codec_round_trips(value: object) -> None:
    assert decode(encode(value)) == value


def test_the_codec_refuses_objects() -> None:
    with pytest.raises(TypeError, match="cannot persist a object"):
        encode({"x": object()})


async def test_data_survive_a_new_persistence(storage: Storage) -> None:
    first = SqlPersistence(storage.engine)
    await first.update_user_data(7, {"flow": {"name": "visit", "step": 2}})
    await first.update_chat_data(-100, {"digest": [1, 2]})
    await first.update_bot_data({"command_menus": {"default": {"digest": "x"}}})
    await first.update_conversation("visit", (7, 7), 2)
    await first.update_conversation("visit", (8, 8), 1)
    await first.update_conversation("visit", (8, 8), None)
    await first.update_callback_data(([("kb", 1.0, {"b": ("lang", "en")})], {"q": "kb"}))
    await first.drop_chat_data(-100)
    await first.flush()

    second = SqlPersistence(storage.engine)
    assert await second.get_user_data() == {7: {"flow": {"name": "visit", "step": 2}}}
    assert await second.get_chat_data() == {}
    assert await second.get_bot_data() == {"command_menus": {"default": {"digest": "x"}}}
    assert await second.get_conversations("visit") == {(7, 7): 2}
    assert await second.get_callback_data() == ([("kb", 1.0, {"b": ("lang", "en")})], {"q": "kb"})


async def test_unchanged_data_are_not_rewritten(storage: Storage) -> None:
    persistence = SqlPersistence(storage.engine)
    await persistence.update_user_data(1, {"a": 1})
    async with storage.services() as svc:
        row = await svc.session.scalar(select(BotState).where(BotState.key == "1"))
        assert row is not None
        stamp = row.updated_at
    await persistence.update_user_data(1, {"a": 1})
    async with storage.services() as svc:
        row = await svc.session.scalar(select(BotState).where(BotState.key == "1"))
        assert row is not None
        assert row.updated_at == stamp


async def test_a_restart_in_the_middle_of_a_flow_resumes_it(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env(extra_handlers=register_sample_flow) as env:
        cadre = await env.user(Role.CADRE)
        assert (await env.say(cadre, "/sample")).text == "sample: your name?"
        await env.restart()  # a new Application over the same database
        reply = await env.say(cadre, "Alice")
        assert reply.text == "sample: got Alice (step 1)"  # state and user_data came back
        await env.restart()
        reply = await env.say(cadre, "/cancel")
        assert "没有可取消的操作" in reply.text  # the ended flow stayed ended


async def test_buttons_and_choices_survive_a_restart(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env() as env:
        stranger = await env.user(None)
        prompt = await env.say(stranger, "/language")
        await env.restart()
        pressed = await env.press(stranger, prompt, "English")  # callback data was persisted
        assert "Language: English" in pressed.message.text
        await env.restart()
        assert "invitation link" in (await env.say(stranger, "/start")).text  # user_data too
