"""👥 Members through the sandbox: paging and filters, role change (audited), deactivation."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEntry, Role
from tests.e2e import SYSTEM, BotEnv, Reply, TgUser


async def members_list(env: BotEnv, admin: TgUser) -> Reply:
    menu = await env.say(admin, "/start")
    return (await env.press(admin, menu, "👥 成员")).message


async def test_the_list_pages_and_filters_by_role(bot_env: BotEnv) -> None:
    env = bot_env
    admin = await env.user(Role.ADMIN, name="管理员")
    for n in range(1, 11):
        await env.user(Role.CADRE, name=f"网格员{n:02d}")
    await env.user(Role.GUARD, name="保安甲")
    page = await members_list(env, admin)
    assert page.text.startswith("👥 成员 · 共 12 人 · 第 1/2 页")
    assert "◀️" not in page.button_labels
    assert "1/2" in page.button_labels
    assert "▶️" in page.button_labels
    assert "✅ 全部角色" in page.button_labels
    second = (await env.press(admin, page, "▶️")).message
    assert second.message_id == page.message_id  # edited in place
    assert "第 2/2 页" in second.text
    counter = await env.press(admin, second, "2/2")  # only answers
    assert counter.answer["answered"]
    guards = (await env.press(admin, second, "保安")).message
    assert "共 1 人 · 第 1/1 页" in guards.text
    assert "保安甲 · 保安 · 未分配网格" in guards.text
    assert "✅ 保安" in guards.button_labels
    assert "▶️" not in guards.button_labels


async def test_a_role_change_is_saved_and_audited(bot_env: BotEnv) -> None:
    env = bot_env
    admin = await env.user(Role.ADMIN, name="管理员")
    resident = await env.user(Role.RESIDENT, name="小<b>王</b>")
    await env.house()  # community and grid G1
    page = await members_list(env, admin)
    assert "小&lt;b&gt;王&lt;/b&gt;" in page.html  # escaped
    screen = (await env.press(admin, page, "小<b>王</b>")).message
    assert "角色：居民" in screen.text
    choose = (await env.press(admin, screen, "🔁 更改角色")).message
    assert "✅ 居民" in choose.button_labels
    done = await env.press(admin, choose, "网格员")
    assert done.toast == "✅ 已保存"
    assert "角色已从居民改为网格员" in done.message.text
    assert "角色：网格员" in done.message.text
    grid = (await env.press(admin, done.message, "🗺 更改网格")).message
    moved = (await env.press(admin, grid, "G1")).message
    assert "网格：G1" in moved.text
    async with env.services() as svc:
        entry = await svc.session.scalar(select(AuditEntry).where(AuditEntry.action == "set_role"))
        member = await svc.members.get(SYSTEM, resident.member_id or 0)
    assert entry is not None
    assert entry.actor_id == admin.member_id
    assert entry.details == {"old": "resident", "new": "cadre"}
    assert member.role is Role.CADRE
    # The member's own menu follows at once.
    menu = await env.say(resident, "/start")
    assert "📝 登记走访" in menu.button_labels


async def test_deactivation_asks_first(bot_env: BotEnv) -> None:
    env = bot_env
    admin = await env.user(Role.ADMIN, name="管理员")
    guard = await env.user(Role.GUARD, name="保安甲")
    page = await members_list(env, admin)
    screen = (await env.press(admin, page, "保安甲")).message
    confirm = (await env.press(admin, screen, "🚫 停用")).message
    assert "停用 保安甲（保安）？" in confirm.text
    back = (await env.press(admin, confirm, "⬅️ 返回")).message
    assert "状态：✅ 正常" in back.text
    confirm = (await env.press(admin, back, "🚫 停用")).message
    done = await env.press(admin, confirm, "🚫 确认停用")
    assert done.toast == "🚫 已停用"
    assert "状态：🚫 已停用" in done.message.text
    assert "🚫 停用" not in done.message.button_labels
    async with env.services() as svc:
        assert await svc.members.by_telegram_id(guard.id) is None
        entry = await svc.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "deactivate")
        )
    assert entry is not None
    assert entry.subject_id == str(guard.member_id)
    stranger = await env.say(guard, "/start")
    assert "邀请链接" in stranger.text


async def test_in_english_and_only_for_admins(bot_env: BotEnv) -> None:
    env = bot_env
    admin = await env.user(Role.ADMIN, name="Boss", locale="en", language_code="en")
    page = (await env.press(admin, await env.say(admin, "/start"), "👥 Members")).message
    assert page.text.startswith("👥 Members · 1 · page 1/1")
    own = (await env.press(admin, page, "Boss")).message
    assert "This is your own account" in own.text
    assert "🔁 Change role" not in own.button_labels
    async with env.services() as svc:  # demoted while the list is on screen
        await svc.members.set_role(SYSTEM, admin.member_id or 0, Role.CADRE)
    refused = await env.press(admin, own, "⬅️ Back")
    assert (refused.toast or "").startswith("⛔")
    denied = await env.say(admin, "/members")
    assert "Only the community's administrators" in denied.text
