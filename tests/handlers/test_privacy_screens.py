"""👤 A person's record and 📜 the audit log through the sandbox, in both languages: search,
the masked record, the full ID number and a picture only after a typed reason (audited with
it), the log filtered and paged; residents and cadres get neither."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from core.models import AuditEntry, Member, PhotoKind, Role
from tests.core.pictures import picture
from tests.e2e import SYSTEM, BotEnv, MakeBotEnv

ID_NUMBER = "11010519491231002X"


@pytest.fixture
async def env(make_bot_env: MakeBotEnv) -> AsyncIterator[BotEnv]:
    async with make_bot_env() as running:
        yield running


async def _seed(env: BotEnv) -> int:
    house_id, _ = await env.house("A-1-101", "安宁路1号1幢101室")
    async with env.services() as svc:
        person = await svc.persons.add(
            SYSTEM, name="张三", id_number=ID_NUMBER, phone="13812345678"
        )
        await svc.persons.add(SYSTEM, name="张三丰")
        await svc.persons.add_residency(SYSTEM, person_id=person.id, house_id=house_id)
        await svc.photos.store(SYSTEM, PhotoKind.FACE, picture("face"), person_id=person.id)
        return person.id


async def _reasons(env: BotEnv, action: str) -> list[str]:
    async with env.services() as svc:
        rows = await svc.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [str(e.details.get("reason", "")) for e in rows]


async def test_police_find_a_person_and_reveal_with_a_reason_zh(env: BotEnv) -> None:
    person_id = await _seed(env)
    police = await env.user(Role.POLICE, name="王警官")
    menu = await env.say(police, "/start")
    asked = (await env.press(police, menu, "👤 查询人员")).message
    assert "请输入姓名" in asked.text

    results = await env.say(police, "张三")
    assert "找到 2 人" in results.text
    record = (await env.press(police, results, "张三 · 1101**********002X")).message
    assert "👤 张三 · 户籍人口" in record.text
    assert "1101**********002X" in record.text
    assert ID_NUMBER not in record.text
    assert "A-1-101 安宁路1号1幢101室 · 承租人" in record.text
    assert "🪪 显示完整身份证号" in record.button_labels

    reason = (await env.press(police, record, "🪪 显示完整身份证号")).message
    assert "需说明理由" in reason.text
    again = await env.say(police, "\u3164")  # what Telegram lets through as "empty"
    assert "理由不能为空" in again.text
    revealed = await env.say(police, "协查 2026-118")
    assert ID_NUMBER in revealed.text
    assert "已记入审计日志" in revealed.text
    assert await _reasons(env, "reveal_id_number") == ["协查 2026-118"]

    prompt = (await env.press(police, revealed, "📷 查看照片")).message
    assert "照片需说明理由" in prompt.text
    photo, shown = await env.say_all(police, "辨认", count=2)
    assert photo.raw.get("photo")
    assert "人脸照片" in photo.text
    assert "辨认" in photo.text
    assert "👤 张三" in shown.text
    assert await _reasons(env, "read_photo") == ["辨认"]

    one = await env.say(police, "002x")  # a new search from the record
    assert "👤 张三 ·" in one.text
    log = (await env.press(police, one, "📜 查阅记录")).message
    assert f"人员 #{person_id}" in log.text
    assert "查看完整身份证号" in log.text
    assert "理由：协查 2026-118" in log.text
    none = await env.say(police, "9999")
    assert "没有找到相符的人员" in none.text


async def test_admin_audit_log_filters_and_pages_en(env: BotEnv) -> None:
    person_id = await _seed(env)
    admin = await env.user(Role.ADMIN, name="Ann", language_code="en")
    menu = await env.say(admin, "/start")
    assert "👤 Find a resident" in menu.button_labels
    asked = (await env.press(admin, menu, "👤 Find a resident")).message
    assert "Type a name" in asked.text
    record = await env.say(admin, "13812345678")
    assert "👤 张三 · registered resident" in record.text
    assert "Residencies" in record.text
    assert "138****5678" in record.text
    for _ in range(4):
        record = (await env.press(admin, record, "🔎 New search")).message
        record = await env.say(admin, "002X")

    menu = await env.say(admin, "/start")
    log = (await env.press(admin, menu, "📜 Audit log")).message
    assert "Audit log · all" in log.text
    assert "Page 1/" in log.text
    assert "▶️" in log.button_labels
    second = (await env.press(admin, log, "▶️")).message
    assert "Page 2/" in second.text
    members = (await env.press(admin, second, "👥 By member")).message
    assert "Choose a member" in members.text
    mine = (await env.press(admin, members, "Ann")).message
    assert "by Ann" in mine.text
    assert "read the record" in mine.text
    assert f"person #{person_id}" in mine.text
    days = (await env.press(admin, mine, "🔄 All entries")).message
    by_day = (await env.press(admin, days, "📅 By day")).message
    assert "Choose a day" in by_day.text
    today = (await env.press(admin, by_day, by_day.button_labels[0])).message
    assert "searched" in today.text


async def test_residents_and_cadres_get_neither(env: BotEnv) -> None:
    await _seed(env)
    for role in (Role.RESIDENT, Role.CADRE):
        other = await env.user(role)
        menu = await env.say(other, "/start")
        assert not {"👤 查询人员", "📜 审计日志"} & set(menu.button_labels)
    police = await env.user(Role.POLICE)
    police_menu = await env.say(police, "/start")
    log = (await env.press(police, police_menu, "📜 审计日志")).message
    async with env.services() as svc:  # no longer police: the old screen's buttons refuse
        member = await svc.session.get(Member, police.member_id)
        assert member is not None
        member.role = Role.RESIDENT
    pressed = await env.press(police, log, "👥 按操作人")
    assert pressed.toast is not None
    assert "不是给你的" in pressed.toast
