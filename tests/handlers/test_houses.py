"""The admin's houses through the sandbox: list, house screen, cards, reissue, risk colour."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from core.errors import InvalidToken
from core.flows.risk_colour import ColourStep, RiskColourFlow
from core.models import AuditEntry, House, RiskColour, Role
from recognition.qr import decode_qr_bytes
from tests.e2e import BOT_USERNAME, SYSTEM, BotEnv, MakeBotEnv, Reply, TgUser

LIST_HEADING = "🏠 房屋 · 共"


@pytest.fixture
async def env(make_bot_env: MakeBotEnv) -> AsyncIterator[BotEnv]:
    async with make_bot_env() as running:
        yield running


def file_bytes(env: BotEnv, file_id: str) -> bytes:
    return env.sandbox.state.files[file_id].data


async def open_house(env: BotEnv, admin: TgUser, code: str) -> Reply:
    reply = await env.say(admin, f"/house {code}")
    assert f"编号：{code}" in reply.text
    return reply


async def card_version(env: BotEnv, house_id: int) -> int:
    async with env.services() as svc:
        house = await svc.session.get(House, house_id)
        assert house is not None
        return house.card_version


async def audited(env: BotEnv, action: str) -> int:
    async with env.services() as svc:
        entries = await svc.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return len(entries.all())


async def test_card_command_sends_the_image_and_the_pdf(env: BotEnv) -> None:
    house_id, token = await env.house("A-1-101", "安宁路1号1幢101室")
    admin = await env.user(Role.ADMIN)
    photo, document = await env.say_all(admin, "/card A-1-101", count=2, timeout=20)
    assert "A-1-101" in photo.text
    assert "第 1 版" in photo.text
    image = file_bytes(env, photo.raw["photo"][-1]["file_id"])
    assert decode_qr_bytes(image) == [f"https://t.me/{BOT_USERNAME}?start=h_{token}"]
    assert document.raw["document"]["file_name"] == "house-card-A-1-101-v1.pdf"
    assert file_bytes(env, document.raw["document"]["file_id"]).startswith(b"%PDF")
    assert (admin.id, "upload_photo") in env.sandbox.chat_actions

    missing = await env.say(admin, "/card Z-9")
    assert "没有编号为 Z-9 的房屋" in missing.text
    usage = await env.say(admin, "/card")
    assert "/card 房屋编号" in usage.text
    async with env.services() as svc:
        printed = await svc.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "print_cards")
        )
    assert printed is not None
    assert printed.subject_id == str(house_id)


async def test_the_list_pages_and_opens_a_house(env: BotEnv) -> None:
    for n in range(1, 11):
        grid = "G1" if n <= 6 else "G2"
        await env.house(f"A-{n:02d}", f"安宁路{n}号", grid=grid)
    admin = await env.user(Role.ADMIN)
    menu = await env.say(admin, "/start")
    first = await env.press(admin, menu, "🏠 房屋")
    page = first.message
    assert page.message_id == menu.message_id  # edited in place
    assert page.text.startswith(f"{LIST_HEADING} 10 户 · 第 1/2 页")
    assert "🟢 A-08" in page.button_labels
    assert "🟢 A-09" not in page.button_labels
    assert "◀️" not in page.button_labels
    assert "▶️" in page.button_labels
    second = (await env.press(admin, page, "▶️")).message
    assert "第 2/2 页" in second.text
    assert "🟢 A-09" in second.button_labels
    assert "G2" in second.text  # labelled by grid
    screen = (await env.press(admin, second, "🟢 A-10")).message
    assert "安宁路10号" in screen.text
    assert "从未走访" in screen.text
    assert "🖼 信息卡图片" in screen.button_labels
    back = (await env.press(admin, screen, "⬅️ 返回")).message
    assert "第 2/2 页" in back.text
    shown = await env.press(admin, back, "2/2")  # the counter only answers
    assert shown.answer["answered"]


async def test_card_buttons_and_reissue(env: BotEnv) -> None:
    _house_id, token = await env.house("A-1-101", "安宁路1号1幢101室")
    admin = await env.user(Role.ADMIN)
    screen = await open_house(env, admin, "A-1-101")
    before = len(env.messages(admin.id))
    pressed = await env.press(admin, screen, "🖼 信息卡图片")
    assert pressed.toast == "⏳ 正在生成信息卡……"
    sent = await env.sandbox.wait_for_bot_messages(admin.id, before + 1, timeout=20)
    assert "photo" in sent[-1]

    confirm = (await env.press(admin, screen, "🔁 重新制卡")).message
    assert "立即失效" in confirm.text
    done = await env.press(admin, confirm, "🔁 确认重新制卡")
    assert done.toast == "✅ 已制发新卡（第 2 版）"
    assert "旧卡已失效" in done.message.text
    async with env.services() as svc:
        with pytest.raises(InvalidToken):
            await svc.houses.resolve_card(token)


async def test_a_double_tap_on_the_reissue_confirmation_reissues_once(env: BotEnv) -> None:
    house_id, _token = await env.house("A-1-101", "安宁路1号1幢101室")
    admin = await env.user(Role.ADMIN)
    screen = await open_house(env, admin, "A-1-101")
    confirm = (await env.press(admin, screen, "🔁 重新制卡")).message
    # Both taps reach the bot before it edits the message: the same button's data twice.
    done, again = await asyncio.gather(
        env.press(admin, confirm, "🔁 确认重新制卡"), env.press(admin, confirm, "🔁 确认重新制卡")
    )
    assert done.toast == "✅ 已制发新卡（第 2 版）"
    assert again.toast == "ℹ️ 这张卡已经重新制发过（现为第 2 版），未再次制卡"
    assert "编号：A-1-101" in again.message.text  # the house screen
    assert "第 2 版" in again.message.text
    assert "🔁 重新制卡" in again.message.button_labels
    assert await card_version(env, house_id) == 2
    assert await audited(env, "reissue_card") == 1

    # Another admin reissues while this one looks at the confirmation: not reissued again.
    confirm = (await env.press(admin, again.message, "🔁 重新制卡")).message
    async with env.services() as svc:
        await svc.houses.reissue_card(SYSTEM, house_id)
    late = await env.press(admin, confirm, "🔁 确认重新制卡")
    assert late.toast == "ℹ️ 这张卡已经重新制发过（现为第 3 版），未再次制卡"
    assert "编号：A-1-101" in late.message.text
    assert await card_version(env, house_id) == 3
    assert await audited(env, "reissue_card") == 2


async def test_the_current_risk_colour_is_refused_at_once(env: BotEnv) -> None:
    house_id, _token = await env.house("A-1-101", "安宁路1号1幢101室")
    admin = await env.user(Role.ADMIN)
    screen = await open_house(env, admin, "A-1-101")
    choose = (await env.press(admin, screen, "🎨 风险等级")).message
    refused = await env.press(admin, choose, "✅ 🟢 绿色")
    assert refused.toast == "ℹ️ 风险等级已经是 🟢 绿色，无需调整"
    assert refused.answer["show_alert"]
    assert "第 1/3 步" in refused.message.text  # still the choice, no reason asked
    assert refused.message.button_labels[:3] == ["🔴 红色", "🟡 黄色", "✅ 🟢 绿色"]
    flow = env.application.user_data[admin.id]["flow"]
    assert isinstance(flow, RiskColourFlow)
    assert flow.step is ColourStep.CHOOSE
    async with env.services() as svc:
        house = await svc.session.get(House, house_id)
        assert house is not None
        assert house.risk_colour is RiskColour.GREEN
    assert await audited(env, "risk_colour") == 0
    ask = (await env.press(admin, refused.message, "🔴 红色")).message  # another colour goes on
    assert "第 2/3 步" in ask.text


async def test_risk_colour_with_a_reason_is_saved_and_audited(env: BotEnv) -> None:
    house_id, _token = await env.house("A-1-101", "安宁路1号1幢101室")
    admin = await env.user(Role.ADMIN)
    screen = await open_house(env, admin, "A-1-101")
    assert "风险等级：🟢 绿色" in screen.text
    choose = (await env.press(admin, screen, "🎨 风险等级")).message
    assert "第 1/3 步" in choose.text
    assert choose.button_labels[:3] == ["🔴 红色", "🟡 黄色", "✅ 🟢 绿色"]
    assert "✖️ 取消" in choose.button_labels
    ask = (await env.press(admin, choose, "🔴 红色")).message
    assert "第 2/3 步" in ask.text
    back = (await env.press(admin, ask, "⬅️ 返回")).message
    assert "第 1/3 步" in back.text
    ask = (await env.press(admin, back, "🔴 红色")).message

    refused = await env.say(admin, "\u3164")  # what Telegram lets through as "empty"
    assert "请写明调整原因" in refused.text
    too_long = await env.say(admin, "长" * 201)
    assert "不能超过 200 字" in too_long.text

    summary = await env.say(admin, "楼道堆放杂物 <消防隐患>")
    assert "第 3/3 步" in summary.text
    assert "🟢 绿色 → 🔴 红色" in summary.text
    assert "&lt;消防隐患&gt;" in summary.html
    async with env.services() as svc:  # nothing is written before ✅
        assert (await svc.session.get(House, house_id)).risk_colour is RiskColour.GREEN
    saved = await env.press(admin, summary, "✅ 确认保存")
    assert saved.toast == "✅ 已保存"
    assert "风险等级已调整：🟢 绿色 → 🔴 红色" in saved.message.text
    assert "风险等级：🔴 红色" in saved.message.text
    async with env.services() as svc:
        assert (await svc.session.get(House, house_id)).risk_colour is RiskColour.RED
        entry = await svc.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "risk_colour")
        )
    assert entry is not None
    assert entry.details == {"old": "green", "new": "red", "reason": "楼道堆放杂物 <消防隐患>"}
    assert entry.actor_id == admin.member_id

    assert "flow" not in env.application.user_data[admin.id]  # later text is not a reason


async def test_cancel_discards_the_risk_colour_draft(env: BotEnv) -> None:
    house_id, _token = await env.house()
    admin = await env.user(Role.ADMIN)
    screen = await open_house(env, admin, "A-1-101")
    choose = (await env.press(admin, screen, "🎨 风险等级")).message
    await env.press(admin, choose, "🟡 黄色")
    cancelled = await env.say(admin, "/cancel")
    assert "已取消：风险等级调整" in cancelled.text
    async with env.services() as svc:
        assert (await svc.session.get(House, house_id)).risk_colour is RiskColour.GREEN


async def test_other_roles_do_not_get_the_admin_screens(env: BotEnv) -> None:
    await env.house()
    cadre = await env.user(Role.CADRE)
    menu = await env.say(cadre, "/start")
    pressed = await env.press(cadre, menu, "🏠 房屋")
    assert LIST_HEADING not in pressed.message.text
    assert "🟢 A-1-101" not in pressed.message.button_labels
    refused = await env.say(cadre, "/card A-1-101")
    assert "仅限管理员" in refused.text
    assert "photo" not in refused.raw
    resident = await env.user(Role.RESIDENT)
    assert "仅限管理员" in (await env.say(resident, "/house A-1-101")).text


async def test_english_admin(env: BotEnv) -> None:
    await env.house("A-1-101", "1 Anning Road")
    admin = await env.user(Role.ADMIN, language_code="en")
    listing = await env.say(admin, "/house")
    assert listing.text.startswith("🏠 Houses · 1 in all · page 1/1")
    screen = (await env.press(admin, listing, "🟢 A-1-101")).message
    assert "Risk colour: 🟢 green" in screen.text
    assert "Last visit: never visited" in screen.text
    assert screen.button_labels[:2] == ["🖼 Card image", "📄 Card PDF"]
