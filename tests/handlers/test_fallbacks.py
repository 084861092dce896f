"""Nothing a user sends is met with silence: what the bot answers outside every flow."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from core.models import Role
from tests.e2e import BotEnv, MakeBotEnv, Reply, TgUser, register_sample_flow


def _photo() -> bytes:
    out = io.BytesIO()
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (480, 640, 3), np.uint8)).save(out, "JPEG")
    return out.getvalue()


async def _next(env: BotEnv, user: TgUser) -> Reply:
    before = len(env.messages(user.id))
    sent = await env.sandbox.wait_for_bot_messages(user.id, before + 1)
    return Reply(sent[before])


async def test_a_stranger_learns_how_to_join_and_nothing_else(bot_env: BotEnv) -> None:
    stranger = await bot_env.user(None)
    reply = await bot_env.say(stranger, "你好")
    assert "邀请链接" in reply.text
    assert bot_env.settings.community_phone in reply.text
    assert reply.button_labels == ["🌐 语言 / Language"]  # no menu, no personal data
    before = len(bot_env.messages(stranger.id))
    await bot_env.sandbox.send_photo(stranger.id, _photo())
    photo = await bot_env.sandbox.wait_for_bot_messages(stranger.id, before + 1)
    assert "邀请链接" in photo[-1]["text"]


async def test_each_role_is_told_what_the_bot_does_for_it_with_its_menu(bot_env: BotEnv) -> None:
    expected = {
        Role.RESIDENT: ("你是居民", "📣 事件上报"),
        Role.GUARD: ("你是保安", "🚨 告警"),
        Role.POLICE: ("你是社区民警", "👤 查询人员"),
        Role.ADMIN: ("你是社区管理员", "👥 成员"),
    }
    for role, (line, item) in expected.items():
        user = await bot_env.user(role)
        reply = await bot_env.say(user, "在吗")
        assert line in reply.text
        assert any(item in label for label in reply.button_labels), reply.button_labels


async def test_a_residents_stray_photo_and_location_are_answered(bot_env: BotEnv) -> None:
    resident = await bot_env.user(Role.RESIDENT)
    before = len(bot_env.messages(resident.id))
    await bot_env.sandbox.send_photo(resident.id, _photo())
    await bot_env.sandbox.wait_for_bot_messages(resident.id, before + 1)
    await bot_env.sandbox.send_location(resident.id, 30.27, 120.15)
    replies = await bot_env.sandbox.wait_for_bot_messages(resident.id, before + 2)
    assert all(r.get("reply_markup") for r in replies[before:])  # each with the menu


async def test_an_english_member_is_answered_in_english(bot_env: BotEnv) -> None:
    cadre = await bot_env.user(Role.CADRE, locale="en")
    reply = await bot_env.say(cadre, "hello?")
    assert "send a photo of a house card" in reply.text


async def test_a_message_a_flow_step_does_not_take_is_not_ignored(
    make_bot_env: MakeBotEnv,
) -> None:
    async with make_bot_env(extra_handlers=register_sample_flow) as env:
        cadre = await env.user(Role.CADRE)
        await env.say(cadre, "/sample")
        before = len(env.messages(cadre.id))
        await env.sandbox.send_location(cadre.id, 30.27, 120.15)
        reply = (await env.sandbox.wait_for_bot_messages(cadre.id, before + 1))[-1]
        assert "/cancel" in reply["text"]
