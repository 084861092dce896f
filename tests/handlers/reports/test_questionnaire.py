"""The questionnaire after resolution is asked once: a double tap answers once; a second
resolution (after "not fixed" reopened the report) asks again."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.models import GroupRole, Report, ReportCategory, ReportStatusChange, Role
from core.roles import Actor
from core.services.reports import NewReport, Reporter
from tests.e2e import BotEnv, MakeBotEnv, Reply, TgUser


def questions(env: BotEnv, user: TgUser) -> list[Reply]:
    return [m for m in env.messages(user.id) if "问题真的解决了吗" in m.text]


async def resolved(env: BotEnv, resident: TgUser, cadre: TgUser, report_id: int) -> Reply:
    """Staff resolve the report; the resident's update with the first question."""
    asked = len(questions(env, resident))
    async with env.services() as svc:
        await svc.reports.resolve(Actor(Role.CADRE, cadre.member_id), report_id, "已修好")
    await env.sandbox.wait_for(lambda _sb: len(questions(env, resident)) > asked)
    return questions(env, resident)[-1]


async def double_tap(env: BotEnv, user: TgUser, message: Reply, label: str) -> list[str]:
    """Two presses of one button before the bot answers either (a quick double tap)."""
    answers = await asyncio.gather(
        env.sandbox.press_button(user.id, message.raw, label),
        env.sandbox.press_button(user.id, message.raw, label),
    )
    return sorted(str(a["text"]) for a in answers)


async def events(env: BotEnv, event: str) -> int:
    async with env.services() as svc:
        rows = await svc.session.scalars(
            select(ReportStatusChange).where(ReportStatusChange.event == event)
        )
        return len(rows.all())


async def test_a_double_tap_answers_the_questionnaire_once(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env() as env:
        await env.house()
        resident = await env.user(Role.RESIDENT, name="李四")
        cadre = await env.user(Role.CADRE, name="王芳")
        staff = await env.group(GroupRole.STAFF, members=[cadre])
        async with env.services() as svc:
            view = await svc.reports.file(
                Actor(Role.RESIDENT, resident.member_id),
                Reporter(resident.id, None, resident.name, resident.member_id),
                NewReport(ReportCategory.OTHER, "路灯坏了", place_text="2幢门口"),
            )
        await env.sandbox.wait_for_bot_messages(staff, 1)

        # "Not fixed", twice at once: reopened once, the staff group told once.
        first = await resolved(env, resident, cadre, view.id)
        toasts = await double_tap(env, resident, first, "❌ 没解决")
        assert toasts == ["✅ 已记录", "这个问题已经回答过了，谢谢。"]
        await env.sandbox.wait_for_bot_messages(staff, 2)
        async with env.services() as svc:
            report = await svc.session.get(Report, view.id)
            assert report is not None
            assert report.reopen_count == 1
        assert await events(env, "reopened") == 1
        await env.sandbox.wait_for(
            lambda _sb: any(
                m.text.startswith("📣 你的上报") and "已重新打开" in m.text
                for m in env.messages(resident.id)
            )
        )

        # Resolved again: the question comes again; "fixed", twice at once: one rating asked.
        second = await resolved(env, resident, cadre, view.id)
        before = len(env.messages(resident.id))
        toasts = await double_tap(env, resident, second, "✅ 解决了")
        assert toasts == ["✅ 已记录", "这个问题已经回答过了，谢谢。"]
        assert await events(env, "confirmed_fixed") == 1
        asked = [m for m in env.messages(resident.id) if "满意吗" in m.text]
        assert len(asked) == 1
        assert len(env.messages(resident.id)) == before  # edited in place, nothing new
        toasts = await double_tap(env, resident, asked[0], "4⭐")
        assert toasts == ["✅ 已记录", "这个问题已经回答过了，谢谢。"]
        assert await events(env, "rated") == 1
        async with env.services() as svc:
            report = await svc.session.get(Report, view.id)
            assert report is not None
            assert (report.fixed, report.satisfaction) == (True, 4)
        assert len([m for m in env.messages(staff) if "重新打开" in m.text]) == 1
