"""📋 Watchlists through the sandbox: police add a plate and a key person (photo through the
quality gate), see the entries with reason, authority and expiry, and end one; a person
added in the chat is alerted on at the gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.models import Role
from core.roles import Actor
from tests.e2e import BotEnv, MakeBotEnv, Reply, TgUser
from tests.handlers.test_alerts import astronaut, gate


async def watchlists(env: BotEnv, user: TgUser) -> Reply:
    async with env.services() as svc:
        await svc.watchlists.ensure_builtin(Actor.system("test"))
    menu = await env.say(user, "/start")
    return (await env.press(user, menu, "📋 布控名单")).message


async def send_photo(env: BotEnv, user: TgUser, data: bytes) -> Reply:
    before = len(env.sandbox.bot_messages(user.id))
    await env.sandbox.send_photo(user.id, data)
    sent = await env.sandbox.wait_for_bot_messages(user.id, before + 1, timeout=30)
    return Reply(sent[-1])


async def test_police_add_a_plate_see_it_and_end_it(bot_env: BotEnv) -> None:
    env = bot_env
    police = await env.user(Role.POLICE, name="王警官")
    lists = await watchlists(env, police)
    assert "比对库" in lists.text
    page = (await env.press(police, lists, "🚗 布控车辆 · 0 条")).message
    form = (await env.press(police, page, "➕ 添加车牌")).message
    assert "第 1/5 步" in form.text
    assert "车牌" in (await env.say(police, "12")).text  # not a plate: asked again
    form = await env.say(police, "皖a 12345")
    assert "第 2/5 步" in form.text
    await env.say(police, "盗抢车辆")
    form = await env.say(police, "协查函 2026-118")
    form = (await env.press(police, form, "30 天")).message
    for words in ("皖A12345", "盗抢车辆", "协查函 2026-118", "30 天"):
        assert words in form.text
    done = await env.press(police, form, "✅ 添加")
    assert done.toast == "✅ 已添加布控"
    listing = done.message
    expected = ("已添加：皖A12345", "共 1 条有效布控", "原因：盗抢车辆", "依据：协查函 2026-118")
    for words in expected:
        assert words in listing.text
    assert "添加：王警官" in listing.text
    assert "有效期至" in listing.text

    entry = (await env.press(police, listing, "🚗 皖A12345")).message
    confirm = (await env.press(police, entry, "⏹ 结束布控")).message
    assert "结束对 皖A12345 的布控" in confirm.text
    ended = await env.press(police, confirm, "⏹ 确认结束")
    assert ended.toast == "⏹ 已结束布控"
    assert "共 0 条有效布控" in ended.message.text
    async with env.services() as svc:
        audit = await svc.audit.entries(Actor.system("t"), limit=200)
    assert {"watch", "unwatch"} <= {a.action for a in audit}


async def test_guards_and_cadres_have_no_watchlists(bot_env: BotEnv) -> None:
    env = bot_env
    for role in (Role.GUARD, Role.CADRE, Role.RESIDENT):
        user = await env.user(role)
        menu = await env.say(user, "/start")
        assert "📋 布控名单" not in menu.button_labels
    admin = await env.user(Role.ADMIN)
    assert "📋 布控名单" in (await env.say(admin, "/start")).button_labels


@pytest.mark.slow
async def test_a_key_person_added_from_a_photo_in_the_chat_is_alerted_at_the_gate(
    make_bot_env: MakeBotEnv,
) -> None:
    async with gate(make_bot_env) as g:
        env = g.env
        police = await env.user(Role.POLICE, name="王警官")
        lists = await watchlists(env, police)
        page = (await env.press(police, lists, "🎯 重点人员 · 0 条")).message
        await env.press(police, page, "➕ 从照片添加人员")
        import insightface

        group = (Path(insightface.__file__).parent / "data/images/t1.jpg").read_bytes()
        refused = await send_photo(env, police, group)
        assert "照片中有多张人脸" in refused.text
        assert "裁剪到要布控的这一个人" in refused.text
        form = await send_photo(env, police, astronaut())
        assert "照片合格" in form.text
        assert "第 2/6 步" in form.text
        await env.say(police, "张三")
        await env.say(police, "民警布控")
        form = await env.say(police, "协查 7")
        form = (await env.press(police, form, "默认 90 天")).message
        done = await env.press(police, form, "✅ 添加")
        assert done.toast == "✅ 已添加布控"
        await g.post(astronaut())
        [alert] = await g.alerts()
        for words in ("张三", "民警布控", "重点人员"):
            assert words in alert.text
