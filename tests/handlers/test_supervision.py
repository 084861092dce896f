"""Supervision end to end: the daily reminder and escalation, /myvisits, /visits with its chart."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import time, timedelta

import pytest
from PIL import Image

from bot import outbox
from bot.charts import BarSeries, DailyBars, fold_series, render_daily_bars
from core.cards.fonts import find_cjk_font
from core.models import GroupRole, RiskColour, Role
from handlers.supervision import ReminderResult, send_overdue_reminders
from handlers.supervision.text import split_text
from tests.core.supervision_factories import FrozenClock, Seeder, local
from tests.e2e import BotEnv, MakeBotEnv, Reply

RED, YELLOW, GREEN = RiskColour.RED, RiskColour.YELLOW, RiskColour.GREEN
NOW = local(2024, 11, 28, 10, 0)  # a Thursday, 10:00 in Shanghai


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def env(make_bot_env: MakeBotEnv, clock: FrozenClock) -> AsyncIterator[BotEnv]:
    async with make_bot_env(clock=clock) as running:
        yield running


def days_ago(days: float) -> timedelta:
    return timedelta(days=days)


async def settle(env: BotEnv, chat_id: int, count: int) -> list[Reply]:
    """Wait until the bot has sent `count` messages to the chat, and drain what is left."""
    sent = await env.sandbox.wait_for_bot_messages(chat_id, count)
    await outbox.drain(env.application)
    return [Reply(m) for m in sent]


async def test_daily_reminders_and_escalations_are_sent_once_a_day(
    env: BotEnv, clock: FrozenClock
) -> None:
    seed = Seeder(env.services)
    wang = await env.user(Role.CADRE, name="王芳")
    li = await env.user(Role.CADRE, name="Li Ming", locale="en")
    offline = await seed.cadre("赵无号")  # never joined Telegram
    staff = await env.group(GroupRole.STAFF)
    guards = await env.group(GroupRole.GUARDS)
    await seed.house("A-101", colour=RED, cadre_id=wang.member_id, created_at=NOW - days_ago(10))
    await seed.house("A-102", colour=GREEN, cadre_id=wang.member_id, created_at=NOW - days_ago(45))
    a103 = await seed.house(
        "A-103", colour=YELLOW, cadre_id=wang.member_id, created_at=NOW - days_ago(90)
    )
    assert wang.member_id is not None
    await seed.visit(a103, wang.member_id, finished_at=NOW - days_ago(2))
    await seed.house("B-201", colour=RED, cadre_id=li.member_id, created_at=NOW - days_ago(8))
    await seed.house("C-301", colour=GREEN, created_at=NOW - days_ago(31))
    await seed.house("D-401", colour=RED, cadre_id=offline, created_at=NOW - days_ago(9))

    result = await send_overdue_reminders(env.application)
    assert result == ReminderResult(
        reminders=2, escalations=1, already_sent=0, skipped_no_telegram=1, unrouted=0
    )
    [mine] = await settle(env, wang.id, 1)
    lines = mine.text.splitlines()
    assert lines[0] == "⚠️ 你有 2 户超期未走访"
    assert lines[2].startswith("🟢 A-102 ")
    assert lines[2].endswith(" · 逾期 15 天")
    assert lines[3].startswith("🔴 A-101 ")
    assert lines[3].endswith(" · 逾期 3 天")
    assert "A-103" not in mine.text
    assert mine.button_labels == ["📋 我的走访"]
    [english] = await settle(env, li.id, 1)
    assert english.text.startswith("⚠️ 1 house is overdue for a visit")
    assert "B-201" in english.text
    assert "1 day overdue" in english.text
    [escalation] = await settle(env, staff, 1)
    assert escalation.text.startswith("🚨 2 户超期未走访，需要跟进")
    assert "A-102" in escalation.text
    assert "👤 王芳" in escalation.text
    assert "C-301" in escalation.text
    assert "👤 未分配" in escalation.text
    assert "A-101" not in escalation.text
    assert "D-401" not in escalation.text
    assert env.messages(guards) == []

    # The job again the same day (a restart): nothing new is sent.
    again = await send_overdue_reminders(env.application)
    assert (again.enqueued, again.already_sent) == (0, 3)
    await outbox.drain(env.application)
    assert [len(env.messages(c)) for c in (wang.id, li.id, staff)] == [1, 1, 1]

    # The next day everyone hears again, one day later.
    clock.advance(days=1)
    tomorrow = await send_overdue_reminders(env.application)
    assert (tomorrow.reminders, tomorrow.escalations) == (2, 1)
    second = (await settle(env, wang.id, 2))[1]
    assert "逾期 16 天" in second.text
    assert "逾期 4 天" in second.text
    assert "2 days overdue" in (await settle(env, li.id, 2))[1].text
    await settle(env, staff, 2)

    # The reminder's button opens the cadre's own overview (the reminder stays).
    await env.press(wang, second, "📋 我的走访")
    overview = (await env.sandbox.wait_for_bot_messages(wang.id, 3))[2]
    assert "我的走访" in overview["text"]
    assert "逾期 16 天" in overview["text"]


async def test_a_long_reminder_is_capped(env: BotEnv) -> None:
    seed = Seeder(env.services)
    wang = await env.user(Role.CADRE, name="王芳")
    for n in range(35):
        await seed.house(
            f"H-{n:03}", colour=RED, cadre_id=wang.member_id, created_at=NOW - days_ago(8 + n)
        )
    await send_overdue_reminders(env.application)
    [reminder] = await settle(env, wang.id, 1)
    assert reminder.text.startswith("⚠️ 你有 35 户超期未走访")
    assert "……另有 6 户" in reminder.text
    assert "H-034" in reminder.text  # the most overdue first
    assert "H-000" not in reminder.text


async def test_myvisits_shows_recent_visits_and_what_is_due(env: BotEnv) -> None:
    seed = Seeder(env.services)
    wang = await env.user(Role.CADRE, name="王芳")
    other = await seed.cadre("李明")
    assert wang.member_id is not None
    late = await seed.house("A-101", colour=RED, cadre_id=wang.member_id, created_at=NOW)
    soon = await seed.house("A-102", colour=RED, cadre_id=wang.member_id, created_at=NOW)
    theirs = await seed.house("B-201", colour=GREEN, cadre_id=other, created_at=NOW)
    await seed.visit(late, wang.member_id, finished_at=local(2024, 11, 18, 9, 30), minutes=20)
    await seed.visit(soon, wang.member_id, finished_at=local(2024, 11, 24, 16, 0), minutes=35)
    await seed.visit(
        theirs, wang.member_id, finished_at=local(2024, 11, 27, 14, 5), minutes=25, assigned=False
    )
    reply = await env.say(wang, "/myvisits")
    text = reply.text
    assert text.startswith("📋 我的走访")
    recent = text.split("最近走访")[1].split("本周到期")[0]
    assert (
        recent.strip().splitlines()[0]
        == "✅ 11月27日 14:05 · B-201 安宁路1号1幢B-201室 · 25 分钟 · 代访"
    )
    assert "11月24日 16:00" in recent
    assert "35 分钟" in recent
    due = text.split("本周到期和已逾期（2 户）")[1]
    assert due.strip().splitlines() == [
        "🔴 A-101 安宁路1号1幢A-101室 · 逾期 3 天",
        "🔴 A-102 安宁路1号1幢A-102室 · 3 天后到期",
    ]

    # The same from the cadre menu, edited in place, with ⬅️ Back.
    menu = await env.say(wang, "/start")
    pressed = await env.press(wang, menu, "⚠️ 超期未走访")
    assert pressed.message.edited
    assert pressed.message.text == text
    assert pressed.message.button_labels == ["⬅️ 返回"]


async def test_myvisits_in_english(env: BotEnv) -> None:
    seed = Seeder(env.services)
    li = await env.user(Role.CADRE, name="Li", locale="en")
    assert li.member_id is not None
    house = await seed.house("A-1", colour=GREEN, cadre_id=li.member_id, created_at=NOW)
    await seed.visit(house, li.member_id, finished_at=local(2024, 11, 27, 14, 5))
    await seed.house(
        "A-2",
        colour=RED,
        cadre_id=li.member_id,
        created_at=NOW - days_ago(12),
        address="安宁路1号1幢A-2室",
    )
    await seed.house(
        "A-3", colour=RED, cadre_id=li.member_id, created_at=NOW, address="<b>Odd</b> & Co"
    )
    reply = await env.say(li, "/myvisits")
    text = reply.text
    assert "&lt;b&gt;Odd&lt;/b&gt; &amp; Co" in reply.html  # database text is escaped
    assert "✅ 27 Nov 14:05 · A-1 " in text
    assert "20 min" in text
    assert "🔴 A-2 安宁路1号1幢A-2室 · 5 days overdue" in text

    newcomer = await env.user(Role.CADRE, name="New")
    assert "你还没有分配包户房屋" in (await env.say(newcomer, "/myvisits")).text


async def test_a_long_overview_is_split_and_keeps_back_on_the_last_part(env: BotEnv) -> None:
    seed = Seeder(env.services)
    wang = await env.user(Role.CADRE, name="王芳")
    street = "安宁路" + "很长的街道名称" * 10
    for n in range(60):
        await seed.house(
            f"L-{n:03}",
            colour=RED,
            cadre_id=wang.member_id,
            created_at=NOW - days_ago(10),
            address=f"{street}{n}号",
        )
    parts = await env.say_all(wang, "/myvisits", count=2)
    assert all(len(p.text) < 4096 for p in parts)
    assert "L-000" in parts[0].text
    assert "L-059" in parts[1].text
    menu = await env.say(wang, "/start")
    pressed = await env.press(wang, menu, "⚠️ 超期未走访")
    assert pressed.message.text == parts[0].text
    assert pressed.message.button_labels == []
    last = env.messages(wang.id)[-1]
    assert last.text == parts[1].text
    assert last.button_labels == ["⬅️ 返回"]


async def test_myvisits_and_visits_are_not_for_everybody(env: BotEnv) -> None:
    police = await env.user(Role.POLICE)
    assert "只适用于网格员" in (await env.say(police, "/myvisits")).text
    cadre = await env.user(Role.CADRE)
    assert "只对管理员和社区民警开放" in (await env.say(cadre, "/visits")).text
    for who in (await env.user(Role.RESIDENT), await env.user(Role.GUARD), await env.user(None)):
        for command in ("/myvisits", "/visits"):
            assert "我不认识这个命令" in (await env.say(who, command)).text


async def test_visits_sends_the_numbers_and_a_chart(env: BotEnv) -> None:
    seed = Seeder(env.services)
    wang = await env.user(Role.CADRE, name="王芳")
    await env.user(Role.CADRE, name="李明")
    admin = await env.user(Role.ADMIN, name="张管")
    assert wang.member_id is not None
    house = await seed.house("A-101", colour=RED, cadre_id=wang.member_id, created_at=NOW)
    for day, minutes in [(25, 10), (26, 30), (27, 50), (20, 5)]:
        await seed.visit(
            house, wang.member_id, finished_at=local(2024, 11, day, 15), minutes=minutes
        )
    await seed.house("X-1", colour=RED, created_at=NOW - days_ago(30))
    text, photo = await env.say_all(admin, "/visits", count=2, timeout=15)
    assert text.text.startswith("📊 走访统计 · 11月28日")
    assert "本周自 11月25日 起 · 本月自 11月1日 起" in text.text
    blocks = text.text.split("\n\n")
    assert blocks[1] == "👤 李明\n本周 0 次 · 本月 0 次 · 覆盖 0 户 · 逾期 0 户 · 中位时长 无"
    assert blocks[2] == "👤 王芳\n本周 3 次 · 本月 4 次 · 覆盖 1 户 · 逾期 0 户 · 中位时长 20 分钟"
    assert "合计 1 户，其中未分配包户干部 1 户" in blocks[3]
    assert (admin.id, "upload_photo") in env.sandbox.chat_actions
    assert photo.raw["caption"].startswith("📊 近 14 天每日走访")
    largest = photo.raw["photo"][-1]
    data = env.sandbox.state.files[largest["file_id"]].data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format in {"PNG", "JPEG"}
        assert 600 <= image.width <= 2000
        assert 300 <= image.height <= 1500

    police = await env.user(Role.POLICE)
    await env.say_all(police, "/visits", count=2, timeout=15)


async def test_the_job_runs_daily_at_the_configured_local_time(
    make_bot_env: MakeBotEnv,
) -> None:
    overrides = {"overdue_reminder_time": time(7, 30), "timezone": "Asia/Shanghai"}
    async with make_bot_env(overrides=overrides) as env:
        assert env.application.job_queue is not None
        [job] = env.application.job_queue.get_jobs_by_name("overdue-reminders")
        trigger = job.job.trigger
        assert str(trigger.timezone) == "Asia/Shanghai"
        fields = {f.name: str(f) for f in trigger.fields}
        assert (fields["hour"], fields["minute"], fields["second"]) == ("7", "30", "0")
        assert job.next_t is not None
        local_next = job.next_t.astimezone(env.settings.zone)
        assert (local_next.hour, local_next.minute) == (7, 30)


def test_the_chart_is_a_png_with_chinese_labels() -> None:
    chart = DailyBars(
        title="近 14 天每日走访",
        y_label="走访次数",
        day_labels=[f"11/{d}" for d in range(15, 29)],
        series=fold_series(
            [BarSeries(f"网格员{n}", [n % 3] * 14) for n in range(10)], "其他", limit=8
        ),
    )
    assert [s.label for s in chart.series][-1] == "其他"
    assert len(chart.series) == 8
    png = render_daily_bars(chart, find_cjk_font(None))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1080, 576)


def test_long_text_is_split_at_line_breaks() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(100)]
    chunks = split_text("\n".join(lines), limit=1000)
    assert all(len(c) <= 1000 for c in chunks)
    assert "\n".join(chunks).splitlines() == lines
    assert split_text("short") == ["short"]
