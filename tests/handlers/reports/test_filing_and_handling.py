"""A resident files a hazard; staff take and resolve it; the reporter hears of each step."""

from __future__ import annotations

from sqlalchemy import select

from bot import outbox
from core.models import GroupRole, Report, ReportStatus, Role
from tests.bot.sandbox.sandbox_helpers import jpeg
from tests.e2e import BotEnv, MakeBotEnv, Reply, TgUser


async def staff_world(env: BotEnv) -> tuple[TgUser, TgUser, int]:
    """A resident, a cadre and the grid's staff group (with a house, so a grid exists)."""
    await env.house()
    resident = await env.user(Role.RESIDENT, name="李四")
    cadre = await env.user(Role.CADRE, name="王芳")
    staff = await env.group(GroupRole.STAFF, members=[cadre])
    return resident, cadre, staff


async def file_hazard(env: BotEnv, user: TgUser, *, anonymous: bool = False) -> Reply:
    """📣 → hazard → blocked passage → text → a photo → a location → named → the summary."""
    menu = await env.say(user, "/start")
    form = (await env.press(user, menu, "📣 事件上报")).message
    assert "第 1/6 步" in form.text
    form = (await env.press(user, form, "⚠️ 安全隐患")).message
    form = (await env.press(user, form, "🚧 通道堵塞")).message
    assert "请描述问题" in form.text
    form = await env.say(user, "3楼楼道堆满<纸箱>，消防通道被堵")
    assert "第 3/6 步" in form.text
    before = len(env.messages(user.id))
    await env.sandbox.send_photo(user.id, jpeg(800, 600))
    [form] = [Reply(m) for m in await env.sandbox.wait_for_bot_messages(user.id, before + 1)][-1:]
    assert "已收到 1 张" in form.text
    form = (await env.press(user, form, "➡️ 照片发完了")).message
    assert "问题在哪里" in form.text
    before = len(env.messages(user.id))
    await env.sandbox.send_location(user.id, 30.27, 120.15)
    form = Reply((await env.sandbox.wait_for_bot_messages(user.id, before + 1))[-1])
    assert "工作人员能看到你的名字吗" in form.text
    choice = "🕶 匿名" if anonymous else "👤 显示我的名字"
    summary = (await env.press(user, form, choice)).message
    assert "3楼楼道堆满&lt;纸箱&gt;" in summary.html  # echoed, escaped
    assert "照片：1 张" in summary.text
    return summary


async def test_a_hazard_is_filed_taken_resolved_and_rated(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env() as env:
        resident, cadre, staff = await staff_world(env)
        summary = await file_hazard(env, resident)
        async with env.services() as svc:
            assert list(await svc.session.scalars(select(Report))) == []  # nothing before ✅
        done = await env.press(resident, summary, "✅ 提交")
        assert "事件编号 #1" in done.message.text
        assert done.toast == "✅ 已提交 #1"

        [card] = await env.sandbox.wait_for_bot_messages(staff, 1)
        assert "photo" in card  # photo first
        for shown in ("事件 #1", "安全隐患 · 🚧 通道堵塞", "李四", "3楼楼道堆满<纸箱>", "30.27"):
            assert shown in card["caption"]
        card_reply = Reply(card)
        assert card_reply.button_labels[:2] == ["🙋 我来处理", "👷 指派给…"]

        before = len(env.messages(resident.id))
        taken = await env.press(cadre, card_reply, "🙋 我来处理")
        assert taken.toast == "✅ 由你处理"
        assert "负责人：王芳" in taken.message.text
        update = (await env.sandbox.wait_for_bot_messages(resident.id, before + 1))[-1]
        assert "已受理" in update["text"]

        await env.press(cadre, taken.message, "✅ 已解决")
        prompt = (await env.sandbox.wait_for_bot_messages(staff, 2))[-1]
        assert "回复本条消息" in prompt["text"]
        before = len(env.messages(resident.id))
        await env.sandbox.send_photo(
            cadre.id, jpeg(640, 480, "white"), caption="纸箱已清走", chat_id=staff
        )
        resolved = (await env.sandbox.wait_for_bot_messages(resident.id, before + 1))[-1]
        assert "纸箱已清走" in resolved["caption"]  # the after-photo with the note
        assert "问题真的解决了吗" in resolved["caption"]
        ack = (await env.sandbox.wait_for_bot_messages(staff, 3))[-1]
        assert "已标记为解决" in ack["text"]
        card_now = next(m for m in env.messages(staff) if m.message_id == card["message_id"])
        assert "已解决" in card_now.text
        assert card_now.buttons == []

        rate = await env.press(resident, Reply(resolved), "✅ 解决了")
        asked = env.messages(resident.id)[-1]
        assert "满意吗" in asked.text
        thanks = await env.press(resident, asked, "5⭐")
        assert thanks.toast == "✅ 已记录"
        assert rate.toast == "✅ 已记录"
        async with env.services() as svc:
            [report] = await svc.session.scalars(select(Report))
        assert (report.status, report.fixed, report.satisfaction) == (
            ReportStatus.RESOLVED,
            True,
            5,
        )
        await outbox.drain(env.application)


async def test_anonymous_reports_hide_the_reporter_and_not_fixed_reopens(
    make_bot_env: MakeBotEnv,
) -> None:
    async with make_bot_env() as env:
        resident, cadre, staff = await staff_world(env)
        summary = await file_hazard(env, resident, anonymous=True)
        await env.press(resident, summary, "✅ 提交")
        [card] = await env.sandbox.wait_for_bot_messages(staff, 1)
        assert "匿名上报" in card["caption"]
        assert "李四" not in card["caption"]
        assert str(resident.id) not in card["caption"]

        card_reply = Reply(card)
        await env.press(cadre, card_reply, "✅ 已解决")
        prompt = (await env.sandbox.wait_for_bot_messages(staff, 2))[-1]
        before = len(env.messages(resident.id))
        await env.sandbox.send_text(
            cadre.id, "已处理", chat_id=staff, reply_to=prompt["message_id"]
        )
        resolved = (await env.sandbox.wait_for_bot_messages(resident.id, before + 1))[-1]
        assert "已处理" in resolved["text"]  # anonymity never stops the updates
        await env.press(resident, Reply(resolved), "❌ 没解决")
        reopened = (await env.sandbox.wait_for_bot_messages(staff, 4))[-1]
        assert "上报人重新打开" in reopened["caption"]
        assert "李四" not in reopened["caption"]
        async with env.services() as svc:
            [report] = await svc.session.scalars(select(Report))
        assert (report.status, report.reopen_count) == (ReportStatus.ACKNOWLEDGED, 1)


async def test_a_resident_cannot_press_the_staff_buttons(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env() as env:
        resident, _cadre, staff = await staff_world(env)
        await env.press(resident, await file_hazard(env, resident), "✅ 提交")
        [card] = await env.sandbox.wait_for_bot_messages(staff, 1)
        env.sandbox.state.chat(staff).members.add(resident.id)
        pressed = await env.press(resident, Reply(card), "🙋 我来处理")
        assert "不是给你的" in (pressed.toast or "")
