"""/language, /help per role, /cancel, unknown commands."""

from __future__ import annotations

import pytest

from core.models import Role
from tests.e2e import BotEnv, MakeBotEnv, register_sample_flow


def chat_scope(user_id: int) -> dict[str, object]:
    return {"type": "chat", "chat_id": user_id}


async def test_language_switches_both_ways(bot_env: BotEnv) -> None:
    cadre = await bot_env.user(Role.CADRE)
    prompt = await bot_env.say(cadre, "/language")
    assert "请选择语言" in prompt.text
    assert prompt.button_labels == ["✅ 中文", "English", "⬅️ 返回"]

    pressed = await bot_env.press(cadre, prompt, "English")
    assert pressed.toast == "Saved"
    assert pressed.message.message_id == prompt.message_id  # edited in place
    assert "Language: English" in pressed.message.text
    call = bot_env.calls("setMyCommands")[-1]
    assert call["scope"] == chat_scope(cadre.id)
    assert call.get("language_code") is None  # the chat scope holds their language
    assert call["commands"][0] == {"command": "start", "description": "Main menu"}
    async with bot_env.services() as svc:
        member = await svc.members.by_telegram_id(cadre.id)
    assert member is not None
    assert member.locale == "en"

    reply = await bot_env.say(cadre, "/help")
    assert "Help · community worker" in reply.text
    assert bot_env.sandbox.commands_for(cadre.id)[0]["description"] == "Main menu"

    prompt = await bot_env.say(cadre, "/language")
    assert prompt.button_labels == ["中文", "✅ English", "⬅️ Back"]
    pressed = await bot_env.press(cadre, prompt, "中文")
    assert pressed.toast == "已保存"
    assert bot_env.calls("setMyCommands")[-1]["commands"][0]["description"] == "主菜单"
    reply = await bot_env.say(cadre, "/help")
    assert "帮助 · 网格员" in reply.text


async def test_a_stranger_s_choice_is_kept_and_carried_into_membership(bot_env: BotEnv) -> None:
    stranger = await bot_env.user(None)  # Telegram in Chinese
    prompt = await bot_env.say(stranger, "/start")
    chooser = await bot_env.press(stranger, prompt, "🌐 语言 / Language")
    pressed = await bot_env.press(stranger, chooser.message, "English")
    assert "Language: English" in pressed.message.text
    assert "invitation link" in (await bot_env.say(stranger, "/start")).text
    assert bot_env.sandbox.commands_for(stranger.id)[0]["description"] == "Main menu"

    token = await bot_env.invite(Role.GUARD)
    reply = await bot_env.say(stranger, f"/start {token}")
    assert "Welcome" in reply.text
    async with bot_env.services() as svc:
        member = await svc.members.by_telegram_id(stranger.id)
    assert member is not None
    assert member.locale == "en"


async def test_default_menus_per_language(bot_env: BotEnv) -> None:
    chinese = await bot_env.user(None, language_code="zh-hans")
    english = await bot_env.user(None, language_code="en")
    other = await bot_env.user(None, language_code="fr")
    zh_menu = bot_env.sandbox.commands_for(chinese.id)
    assert [c["command"] for c in zh_menu] == ["start", "help", "language"]
    assert zh_menu[0]["description"] == "主菜单"
    assert bot_env.sandbox.commands_for(english.id)[0]["description"] == "Main menu"
    assert bot_env.sandbox.commands_for(other.id)[0]["description"] == "主菜单"  # the default


HELP_HEADINGS = {
    Role.ADMIN: "帮助 · 管理员",
    Role.POLICE: "帮助 · 社区民警",
    Role.CADRE: "帮助 · 网格员",
    Role.GUARD: "帮助 · 保安",
    Role.RESIDENT: "帮助 · 居民",
}


@pytest.mark.parametrize("role", [*Role, None])
async def test_help_per_role(bot_env: BotEnv, role: Role | None) -> None:
    user = await bot_env.user(role)
    reply = await bot_env.say(user, "/help")
    if role is None:
        assert "邀请链接" in reply.text
        assert "/cancel" not in reply.text
    else:
        assert HELP_HEADINGS[role] in reply.text
        assert "/cancel" in reply.text
        others = [h for r, h in HELP_HEADINGS.items() if r != role]
        assert not any(heading in reply.text for heading in others)


async def test_cancel_with_nothing_to_cancel(bot_env: BotEnv) -> None:
    user = await bot_env.user(Role.RESIDENT)
    reply = await bot_env.say(user, "/cancel")
    assert "没有可取消的操作" in reply.text


async def test_cancel_ends_a_flow(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env(extra_handlers=register_sample_flow) as env:
        user = await env.user(Role.CADRE)
        assert (await env.say(user, "/sample")).text == "sample: your name?"
        reply = await env.say(user, "/cancel")
        assert "已取消：当前操作" in reply.text
        # The flow is over: the name is not taken as an answer, but it is not ignored either.
        reply = await env.say(user, "Alice")
        assert "你是网格员" in reply.text
        assert "📝 登记走访" in reply.button_labels  # with the role's menu
        reply = await env.say(user, "/cancel")
        assert "没有可取消的操作" in reply.text
        assert not any("got Alice" in m.text for m in env.messages(user.id))


async def test_unknown_command(bot_env: BotEnv) -> None:
    user = await bot_env.user(Role.GUARD)
    reply = await bot_env.say(user, "/frobnicate")
    assert "不认识这个命令" in reply.text
