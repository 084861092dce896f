"""Similar reports to follow instead, a stray photo that becomes a report, a tenant's report."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import GroupRole, Report, ReportFollower, Role
from tests.bot.sandbox.sandbox_helpers import jpeg
from tests.e2e import BotEnv, MakeBotEnv, Reply
from tests.handlers.reports.test_filing_and_handling import file_hazard, staff_world


async def latest(env: BotEnv, chat_id: int, before: int) -> Reply:
    return Reply((await env.sandbox.wait_for_bot_messages(chat_id, before + 1))[-1])


async def test_a_neighbour_follows_a_similar_report_instead(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env() as env:
        resident, cadre, staff = await staff_world(env)
        await env.press(resident, await file_hazard(env, resident), "✅ 提交")
        [card] = await env.sandbox.wait_for_bot_messages(staff, 1)
        neighbour = await env.user(Role.RESIDENT, name="邻居")
        summary = await file_hazard(env, neighbour)  # 30.27, 120.15 again: the same spot
        assert "附近已有 1 条同类上报" in summary.text
        followed = await env.press(neighbour, summary, "👁 关注 #1")
        assert "已关注 #1" in followed.message.text
        async with env.services() as svc:
            assert await svc.session.scalar(select(func.count()).select_from(Report)) == 1
            [row] = await svc.session.scalars(select(ReportFollower))
        assert row.telegram_id == neighbour.id

        before = len(env.messages(neighbour.id))
        await env.press(cadre, Reply(card), "🙋 我来处理")
        told = await latest(env, neighbour.id, before)
        assert "你关注的事件 #1" in told.text
        assert "解决了" not in " ".join(told.button_labels)  # the survey is the reporter's
        mine = await env.say(neighbour, "/myreports")
        assert "#1" in mine.text


async def test_a_stray_photo_opens_the_form_with_it(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env() as env:
        resident, _cadre, staff = await staff_world(env)
        before = len(env.messages(resident.id))
        await env.sandbox.send_photo(resident.id, jpeg(800, 600, "orange"))
        offer = await latest(env, resident.id, before)
        assert offer.button_labels == ["📣 用这张照片上报问题"]
        form = (await env.press(resident, offer, "📣 用这张照片上报问题")).message
        form = (await env.press(resident, form, "📝 其他")).message
        form = await env.say(resident, "电梯按钮松动")
        assert "已收到 1 张" in form.text
        form = (await env.press(resident, form, "➡️ 照片发完了")).message
        form = (await env.press(resident, form, "⌨️ 输入地点")).message
        form = await env.say(resident, "2幢电梯")
        form = (await env.press(resident, form, "👤 显示我的名字")).message
        assert "照片：1 张" in form.text
        await env.press(resident, form, "✅ 提交")
        [card] = await env.sandbox.wait_for_bot_messages(staff, 1)
        assert "photo" in card
        assert "2幢电梯" in card["caption"]


async def test_a_location_outside_a_flow_is_offered_as_the_place(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env() as env:
        guard = await env.user(Role.GUARD)
        before = len(env.messages(guard.id))
        await env.sandbox.send_location(guard.id, 30.1, 120.2)
        offer = await latest(env, guard.id, before)
        form = (await env.press(guard, offer, "📣 在这里上报问题")).message
        form = (await env.press(guard, form, "📝 其他")).message
        form = await env.say(guard, "路灯不亮")
        form = (await env.press(guard, form, "➡️ 不发照片")).message
        assert "工作人员能看到你的名字吗" in form.text  # the place came with the location
        form = (await env.press(guard, form, "🕶 匿名")).message
        assert "30.10000, 120.20000" in form.text


async def test_a_tenant_reports_through_the_house_card(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env() as env:
        _house_id, card = await env.house(address="安宁路1号1幢101室")
        cadre = await env.user(Role.CADRE)
        staff = await env.group(GroupRole.STAFF, members=[cadre])
        visitor = await env.user(None, name="小李", language_code="en")
        entry = await env.say(visitor, f"/start h_{card}")
        assert "📣 Report a problem" in entry.button_labels
        form = (await env.press(visitor, entry, "📣 Report a problem")).message
        assert "Step 1 of 5" in form.text
        form = (await env.press(visitor, form, "🤝 Dispute")).message
        form = await env.say(visitor, "Renovation noise next door every night")
        form = (await env.press(visitor, form, "➡️ No photos")).message
        summary = (await env.press(visitor, form, "👤 Show my name")).message
        assert "安宁路1号1幢101室" in summary.text
        done = await env.press(visitor, summary, "✅ Submit")
        assert "report #1" in done.message.text
        [staff_card] = await env.sandbox.wait_for_bot_messages(staff, 1)
        for shown in ("安宁路1号1幢101室", "小李", "Renovation noise"):
            assert shown in staff_card["text"]

        before = len(env.messages(visitor.id))
        await env.press(cadre, Reply(staff_card), "🙋 我来处理")
        told = await latest(env, visitor.id, before)
        assert "Your report #1" in told.text  # in the tenant's own language
