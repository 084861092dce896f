"""📷 Cameras through the sandbox: add (token once), the list, rotate, disable."""

from __future__ import annotations

import re

import pytest

from core.errors import InvalidToken
from core.models import CameraKind, Role
from tests.e2e import SYSTEM, BotEnv, Reply, TgUser

TOKEN = re.compile(r"cam_[A-Za-z0-9_-]+")


async def cameras(env: BotEnv, admin: TgUser, label: str = "📷 摄像机") -> Reply:
    menu = await env.say(admin, "/start")
    return (await env.press(admin, menu, label)).message


async def authenticate(env: BotEnv, camera_id: str, token: str) -> str:
    async with env.services() as svc:
        return (await svc.cameras.authenticate(camera_id, token)).name


async def test_add_shows_the_token_once_and_it_works(bot_env: BotEnv) -> None:
    env = bot_env
    await env.house()  # grid G1
    admin = await env.user(Role.ADMIN)
    page = await cameras(env, admin)
    assert "还没有摄像机" in page.text
    form = (await env.press(admin, page, "➕ 添加摄像机")).message
    assert "第 1/6 步" in form.text
    form = (await env.press(admin, form, "人脸抓拍机")).message
    assert "名称" in form.text
    bad = await env.say(admin, "x" * 130)
    assert "最多 120 字" in bad.text
    form = await env.say(admin, "北门人脸抓拍")
    assert "第 3/6 步" in form.text
    form = (await env.press(admin, form, "G1")).message
    form = (await env.press(admin, form, "第一层 · 小区出入口")).message
    assert "第 5/6 步" in form.text
    bad = await env.say(admin, "北门 1")
    assert "编号只能包含" in bad.text
    summary = await env.say(admin, "gate-north")
    assert "编号：gate-north" in summary.text
    assert "网格：G1" in summary.text
    done = await env.press(admin, summary, "✅ 添加")
    assert done.toast == "✅ 已添加摄像机"
    assert "只显示这一次" in done.message.text
    (token,) = TOKEN.findall(done.message.text)
    assert await authenticate(env, "gate-north", token) == "北门人脸抓拍"

    listing = (await env.press(admin, done.message, "⬅️ 返回")).message
    assert "北门人脸抓拍" in listing.text
    assert "刚刚" in listing.text  # authenticated just now
    assert token not in listing.text  # never shown again
    screen = (await env.press(admin, listing, "📷 北门人脸抓拍")).message
    assert token not in screen.text


async def test_a_generated_id_and_the_list_in_english(bot_env: BotEnv) -> None:
    env = bot_env
    admin = await env.user(Role.ADMIN, locale="en", language_code="en")
    async with env.services() as svc:
        await svc.cameras.add(SYSTEM, camera_id="east", kind=CameraKind.PLATE, name="East gate")
    page = await cameras(env, admin, "📷 Cameras")
    assert "plate camera (checkpoint) · no grid · layer 1 · last event: never" in page.text
    form = (await env.press(admin, page, "➕ Add a camera")).message
    form = (await env.press(admin, form, "face camera")).message
    form = await env.say(admin, "West door")
    form = (await env.press(admin, form, "no grid")).message
    back = (await env.press(admin, form, "⬅️ Back")).message
    assert "Which grid" in back.text
    form = (await env.press(admin, back, "no grid")).message
    form = (await env.press(admin, form, "layer 3 · building/entrance doors")).message
    summary = (await env.press(admin, form, "🎲 Make an id")).message
    assert "Id: made automatically" in summary.text
    done = await env.press(admin, summary, "✅ Add")
    assert "(id face-1)" in done.message.text
    assert "shown only this once" in done.message.text


async def test_rotate_refuses_the_old_token_and_disable_refuses_all(bot_env: BotEnv) -> None:
    env = bot_env
    admin = await env.user(Role.ADMIN)
    async with env.services() as svc:
        _camera, old = await svc.cameras.add(
            SYSTEM, camera_id="gate", kind=CameraKind.FACE, name="大门"
        )
    page = await cameras(env, admin)
    screen = (await env.press(admin, page, "📷 大门")).message
    confirm = (await env.press(admin, screen, "🔑 更换令牌")).message
    assert "旧令牌立即失效" in confirm.text
    rotated = await env.press(admin, confirm, "🔑 确认更换")
    assert rotated.toast == "🔑 已更换令牌"
    (new,) = TOKEN.findall(rotated.message.text)
    assert new != old
    with pytest.raises(InvalidToken):
        await authenticate(env, "gate", old)
    assert await authenticate(env, "gate", new) == "大门"

    screen = (await env.press(admin, rotated.message, "⬅️ 返回")).message
    confirm = (await env.press(admin, screen, "⛔ 停用")).message
    assert "停用「大门」（gate）？" in confirm.text
    done = await env.press(admin, confirm, "⛔ 确认停用")
    assert done.toast == "⛔ 已停用"
    assert "状态：⛔ 已停用" in done.message.text
    assert "🔑 更换令牌" not in done.message.button_labels
    with pytest.raises(InvalidToken):
        await authenticate(env, "gate", new)
