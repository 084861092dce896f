"""👪 Groups through the sandbox: /bind in a group (admins only), the list, unbind."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEntry, GroupRole, Role
from tests.e2e import BotEnv


async def test_an_admin_binds_a_group_with_buttons(bot_env: BotEnv) -> None:
    env = bot_env
    await env.house(grid="G1")
    await env.house("B-1", "安宁路2号", grid="G2")
    admin = await env.user(Role.ADMIN)
    group = await env.group(None, members=[admin], title="北门<保安>")
    form = await env.say(admin, "/bind", chat_id=group)
    assert "接入「北门&lt;保安&gt;」" in form.html
    assert form.button_labels[:2] == ["保安群", "社区工作群"]
    grids = (await env.press(admin, form, "保安群")).message
    assert "服务范围：整个社区" in grids.text
    grids = (await env.press(admin, grids, "⬜ G1")).message
    grids = (await env.press(admin, grids, "⬜ G2")).message
    assert "服务范围：G1, G2" in grids.text
    grids = (await env.press(admin, grids, "☑️ G2")).message
    assert "服务范围：G1" in grids.text
    done = await env.press(admin, grids, "✅ 接入")
    assert done.toast == "✅ 已接入"
    assert "本群已接入为保安群，服务范围：G1" in done.message.text
    async with env.services() as svc:
        bound = await svc.groups.by_chat_id(group)
        assert bound is not None
        assert bound.role is GroupRole.GUARDS
        assert bound.title == "北门<保安>"
        assert [g.code for g in bound.grids] == ["G1"]
    again = await env.say(admin, "/bind", chat_id=group)
    assert "本群已经是保安群，服务范围：G1" in again.text
    await env.wait_for_call("setMyCommands", lambda p: str(group) in str(p.get("scope")))


async def test_bind_by_a_non_admin_is_refused(bot_env: BotEnv) -> None:
    env = bot_env
    guard = await env.user(Role.GUARD)
    stranger = await env.user(None)
    group = await env.group(None, members=[guard, stranger])
    for user in (guard, stranger):
        refused = await env.say(user, "/bind", chat_id=group)
        assert "只有社区管理员可以用 /bind 接入本群" in refused.text
    async with env.services() as svc:
        assert await svc.groups.by_chat_id(group) is None


async def test_the_list_and_unbind_with_a_confirmation(bot_env: BotEnv) -> None:
    env = bot_env
    admin = await env.user(Role.ADMIN)
    guards = await env.group(GroupRole.GUARDS, members=[admin], title="南门保安")
    await env.group(GroupRole.STAFF, title="工作群")
    menu = await env.say(admin, "/start")
    page = (await env.press(admin, menu, "💬 群组")).message
    assert "👪 群组 · 共 2 个" in page.text
    assert "🛡 南门保安 · 保安群 · 整个社区" in page.text
    screen = (await env.press(admin, page, "🛡 南门保安")).message
    assert f"群 ID：{guards}" in screen.text
    confirm = (await env.press(admin, screen, "🔓 解除绑定")).message
    assert "解除「南门保安」（保安群）的绑定？" in confirm.text
    done = await env.press(admin, confirm, "🔓 确认解除")
    assert done.toast == "🔓 已解除绑定"
    assert "共 1 个" in done.message.text
    async with env.services() as svc:
        assert await svc.groups.by_chat_id(guards) is None
        entry = await svc.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "remove", AuditEntry.subject_type == "group"
            )
        )
    assert entry is not None
    assert entry.actor_id == admin.member_id
    unknown = await env.say(admin, "/start", chat_id=guards)
    assert "尚未接入" in unknown.text


async def test_groups_in_english(bot_env: BotEnv) -> None:
    env = bot_env
    admin = await env.user(Role.ADMIN, locale="en", language_code="en")
    empty = await env.say(admin, "/groups")
    assert "No group is connected yet" in empty.text
    group = await env.group(None, members=[admin], title="Gate")
    form = await env.say(admin, "/bind", chat_id=group)
    assert "Connect “Gate”" in form.text
    grids = (await env.press(admin, form, "staff group")).message
    done = await env.press(admin, grids, "✅ Connect")
    assert "now a staff group serving the whole community" in done.message.text
