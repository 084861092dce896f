"""/start per role, for strangers, invitation links and house-card links."""

from __future__ import annotations

import pytest

from core.models import Member, Role
from tests.e2e import BotEnv

COMMON = ["❓ 帮助", "🌐 语言 / Language"]
ROLE_MENUS = {
    Role.ADMIN: [
        *("👥 成员", "✉️ 邀请", "💬 群组", "🏠 房屋", "📷 摄像机", "📋 布控名单"),
        *("👤 查询人员", "📜 审计日志", "📣 待处理事件"),
        *COMMON,
    ],
    Role.POLICE: ["👤 查询人员", "🚨 告警", "📋 布控名单", "📜 审计日志", *COMMON],
    Role.CADRE: [
        *("📝 登记走访", "🏠 房屋", "⚠️ 超期未走访", "🔎 核查任务", "📣 待处理事件"),
        *COMMON,
    ],
    Role.GUARD: ["🚨 告警", "🚪 访客", "📣 事件上报", *COMMON],
    Role.RESIDENT: ["📣 事件上报", "☎️ 社区联系方式", *COMMON],
}
ROLE_NAMES = {
    Role.ADMIN: "管理员",
    Role.POLICE: "社区民警",
    Role.CADRE: "网格员",
    Role.GUARD: "保安",
    Role.RESIDENT: "居民",
}


@pytest.mark.parametrize("role", list(Role))
async def test_start_shows_the_menu_of_the_role(bot_env: BotEnv, role: Role) -> None:
    user = await bot_env.user(role, name="王<芳>")
    reply = await bot_env.say(user, "/start")
    assert reply.text.startswith(f"王<芳> · {ROLE_NAMES[role]}")
    assert "<b>王&lt;芳&gt;</b>" in reply.html  # names are escaped into the HTML
    assert reply.button_labels == ROLE_MENUS[role]


async def test_a_stranger_learns_what_the_bot_is_and_how_to_join(bot_env: BotEnv) -> None:
    stranger = await bot_env.user(None)
    reply = await bot_env.say(stranger, "/start")
    assert "邀请链接" in reply.text
    assert bot_env.settings.community_phone in reply.text
    assert reply.button_labels == ["🌐 语言 / Language"]

    english = await bot_env.user(None, language_code="en-US")
    reply = await bot_env.say(english, "/start")
    assert "invitation link" in reply.text


async def test_an_invitation_binds_once(bot_env: BotEnv) -> None:
    token = await bot_env.invite(Role.CADRE, name="李明")
    newcomer = await bot_env.user(None)
    reply = await bot_env.say(newcomer, f"/start {token}")
    assert "欢迎你，李明" in reply.text
    assert "网格员" in reply.text
    assert reply.button_labels == ROLE_MENUS[Role.CADRE]
    async with bot_env.services() as svc:
        member = await svc.members.by_telegram_id(newcomer.id)
    assert isinstance(member, Member)
    assert member.role is Role.CADRE
    # Their "/" menu is now the cadre's, in Chinese, for their chat only.
    call = await bot_env.wait_for_call(
        "setMyCommands", lambda p: p.get("scope") == {"type": "chat", "chat_id": newcomer.id}
    )
    assert [c["command"] for c in call["commands"]] == [
        "start",
        "visit",
        "myvisits",
        "report",
        "reports",
        "help",
        "cancel",
        "language",
    ]
    assert call["commands"][0]["description"] == "主菜单"

    second = await bot_env.user(None)
    reply = await bot_env.say(second, f"/start {token}")
    assert "已被使用" in reply.text
    async with bot_env.services() as svc:
        assert await svc.members.by_telegram_id(second.id) is None


async def test_unknown_expired_and_redundant_invitations(bot_env: BotEnv) -> None:
    user = await bot_env.user(None)
    reply = await bot_env.say(user, "/start inv_NotARealToken")
    assert "邀请链接无效" in reply.text

    expired = await bot_env.invite(Role.GUARD, valid_days=-1)
    reply = await bot_env.say(user, f"/start {expired}")
    assert "已过期" in reply.text

    member = await bot_env.user(Role.RESIDENT)
    spare = await bot_env.invite(Role.ADMIN)
    reply = await bot_env.say(member, f"/start {spare}")
    assert "你已登记为居民" in reply.text
    async with bot_env.services() as svc:
        bound = await svc.members.by_telegram_id(member.id)
    assert bound is not None
    assert bound.role is Role.RESIDENT


async def test_house_card_link(bot_env: BotEnv) -> None:
    _house_id, card = await bot_env.house(address="安宁路1号1幢101室")
    visitor = await bot_env.user(None)
    reply = await bot_env.say(visitor, f"/start h_{card}")
    assert "安宁路1号1幢101室" in reply.text
    assert bot_env.settings.community_phone in reply.text

    forged = card[:-1] + ("A" if card[-1] != "A" else "B")
    reply = await bot_env.say(visitor, f"/start h_{forged}")
    assert "房屋信息卡无效" in reply.text


async def test_menu_items_not_built_yet_answer_with_a_toast(bot_env: BotEnv) -> None:
    cadre = await bot_env.user(Role.CADRE)
    menu = await bot_env.say(cadre, "/start")
    pressed = await bot_env.press(cadre, menu, "🔎 核查任务")
    assert pressed.toast is not None
    assert "尚未开放" in pressed.toast
    assert pressed.message.button_labels == ROLE_MENUS[Role.CADRE]  # the menu stays


async def test_contact_and_back(bot_env: BotEnv) -> None:
    resident = await bot_env.user(Role.RESIDENT)
    menu = await bot_env.say(resident, "/start")
    pressed = await bot_env.press(resident, menu, "☎️ 社区联系方式")
    assert bot_env.settings.community_phone in pressed.message.text
    assert pressed.message.message_id == menu.message_id  # edited in place
    back = await bot_env.press(resident, pressed.message, "⬅️ 返回")
    assert back.message.button_labels == ROLE_MENUS[Role.RESIDENT]


async def test_start_in_groups(bot_env: BotEnv) -> None:
    guard = await bot_env.user(Role.GUARD)
    registered = await bot_env.group(members=[guard])
    reply = await bot_env.say(guard, "/start", chat_id=registered)
    assert "保安群" in reply.text
    other = await bot_env.group(None, members=[guard])
    reply = await bot_env.say(guard, "/start", chat_id=other)
    assert "尚未接入" in reply.text
