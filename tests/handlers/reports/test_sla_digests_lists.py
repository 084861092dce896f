"""SLA escalation with a frozen clock, the digests, the lists, the rate limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.models import GroupRole, HazardKind, ReportCategory, Role
from core.roles import Actor
from core.services.reports import NewReport, Reporter, ReportView
from handlers.reports.jobs import escalate, send_digests, send_weekly
from tests.core.supervision_factories import FrozenClock, local
from tests.e2e import BotEnv, MakeBotEnv, TgUser

NOW = local(2024, 11, 28, 10, 0)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def env(make_bot_env: MakeBotEnv, clock: FrozenClock) -> AsyncIterator[BotEnv]:
    async with make_bot_env(clock=clock) as running:
        yield running


async def seed(env: BotEnv, user: TgUser, category: ReportCategory, text: str) -> ReportView:
    assert user.role is not None
    hazard = HazardKind.GAS if category is ReportCategory.HAZARD else None
    async with env.services() as svc:
        return await svc.reports.file(
            Actor(user.role, user.member_id),
            Reporter(user.id, None, user.name, user.member_id),
            NewReport(category, text, hazard=hazard, place_text="2幢楼梯间"),
        )


async def test_an_unacknowledged_hazard_is_escalated_once(env: BotEnv, clock: FrozenClock) -> None:
    admin = await env.user(Role.ADMIN, name="张明")
    resident = await env.user(Role.RESIDENT)
    await seed(env, resident, ReportCategory.HAZARD, "楼梯间有燃气味")
    await seed(env, resident, ReportCategory.OTHER, "公告栏坏了")
    assert await escalate(env.application) == 0
    clock.advance(hours=4, minutes=1)  # hazards: 4 hours; other: 48
    assert await escalate(env.application) == 1
    # Without a staff group the admins had the two new reports; then the escalation.
    alert = (await env.sandbox.wait_for_bot_messages(admin.id, 3))[-1]
    assert "超时未受理：事件 #1" in alert["text"]
    assert "楼梯间有燃气味" in alert["text"]
    assert await escalate(env.application) == 0  # once


async def test_daily_and_weekly_digests(env: BotEnv, clock: FrozenClock) -> None:
    await env.house()
    admin = await env.user(Role.ADMIN)
    cadre = await env.user(Role.CADRE)
    resident = await env.user(Role.RESIDENT)
    staff = await env.group(GroupRole.STAFF, members=[cadre])
    first = await seed(env, resident, ReportCategory.HAZARD, "电线裸露")
    second = await seed(env, resident, ReportCategory.DISPUTE, "邻里纠纷")
    async with env.services() as svc:
        actor = Actor(Role.CADRE, cadre.member_id)
        await svc.reports.take(actor, second.id)
        await svc.reports.resolve(actor, second.id, "已调解")
        await svc.reports.answer_fixed(resident.id, second.id, True)
        await svc.reports.rate(resident.id, second.id, 4)
    clock.advance(hours=5)
    assert await send_digests(env.application) == 1
    assert await send_digests(env.application) == 0  # once a day
    # (the two reports' own notices may still be on their way: wait for the digest itself)
    digest = await env.sandbox.wait_for(
        lambda sb: next((m for m in env.messages(staff) if "条未结" in m.text), None)
    )
    assert "1 条未结，1 条超时未受理" in digest.text
    assert f"⏰ #{first.id}" in digest.text
    assert "100%" in digest.text

    assert await send_weekly(env.application) == 1
    weekly = (await env.sandbox.wait_for_bot_messages(admin.id, 1))[-1]
    body = weekly.get("caption") or weekly["text"]
    assert "事件周报" in body
    assert "满意率 100%" in body


async def test_lists_show_only_what_each_may_see(env: BotEnv) -> None:
    resident = await env.user(Role.RESIDENT)
    other = await env.user(Role.RESIDENT)
    cadre = await env.user(Role.CADRE)
    police = await env.user(Role.POLICE)
    hazard = await seed(env, resident, ReportCategory.HAZARD, "消防栓被挡")
    order = await seed(env, resident, ReportCategory.PUBLIC_ORDER, "深夜喧哗")
    mine = await env.say(resident, "/myreports")
    assert f"#{hazard.id}" in mine.text
    assert f"#{order.id}" in mine.text
    assert "还没有上报" in (await env.say(other, "/myreports")).text
    listed = await env.say(cadre, "/reports")
    assert f"#{hazard.id}" in listed.text
    assert "没有符合条件的事件" in (await env.say(cadre, "/reports resolved")).text
    assert "没有编号为 G9 的网格" in (await env.say(cadre, "/reports G9")).text
    policed = await env.say(police, "/reports")
    assert f"#{order.id}" in policed.text
    assert f"#{hazard.id} " not in policed.text
    assert "不能处理" in (await env.say(resident, "/reports")).text


async def test_staff_menus_list_the_reports_like_the_command(env: BotEnv) -> None:
    resident = await env.user(Role.RESIDENT)
    hazard = await seed(env, resident, ReportCategory.HAZARD, "消防栓被挡")
    for role in (Role.CADRE, Role.ADMIN):
        staff = await env.user(role)
        menu = await env.say(staff, "/start")
        pressed = await env.press(staff, menu, "📣 待处理事件")
        assert pressed.message.message_id == menu.message_id  # edited in place
        assert f"#{hazard.id}" in pressed.message.text
        assert "用法：/reports" in pressed.message.text
        back = await env.press(staff, pressed.message, "⬅️ 返回")
        assert "📣 待处理事件" in back.message.button_labels
    # Residents keep their filing item and see nobody's reports from the menu.
    menu = await env.say(resident, "/start")
    assert "📣 事件上报" in menu.button_labels
    assert "📣 待处理事件" not in menu.button_labels


async def test_the_rate_limit_is_explained(env: BotEnv) -> None:
    resident = await env.user(Role.RESIDENT)
    for n in range(env.storage.services.context.reports.rate_limit):
        await seed(env, resident, ReportCategory.OTHER, f"第{n}件事")
    menu = await env.say(resident, "/start")
    refused = await env.press(resident, menu, "📣 事件上报")
    assert "上报得太多了" in refused.message.text
    assert env.settings.community_phone in refused.message.text
