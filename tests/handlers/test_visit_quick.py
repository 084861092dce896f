"""The card photo opens the visit, and the quick visit: the photo plus two taps when nothing
changed (most visits), with the full five steps one tap away."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from core.flows.visit import VisitFlow, VisitStep
from core.models import Residency, ResidencyStatus, Role, Visit
from tests.e2e import BOT_USERNAME, BotEnv, MakeBotEnv, TgUser
from tests.handlers.test_visit import (
    document_photo,
    form,
    press,
    seed_house,
    send_photo,
    wait_form,
)
from tests.support.cards import card_photo, make_card_pdf

pytestmark = pytest.mark.slow


@pytest.fixture
async def env(make_bot_env: MakeBotEnv) -> AsyncIterator[BotEnv]:
    async with make_bot_env(recognition=True) as running:
        yield running


def flow_of(env: BotEnv, user: TgUser) -> VisitFlow | None:
    flow = env.application.user_data.get(user.id, {}).get("flow")
    return flow if isinstance(flow, VisitFlow) else None


async def test_the_card_photo_opens_the_visit_at_step_2(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre)
    pdf = await make_card_pdf(env.storage, ["A-1-101"], BOT_USERNAME)
    # as a photo, with no visit open: straight to step 2
    verify = await send_photo(env, cadre, card_photo(pdf, 0, seed=3))
    assert "第 2 步" in verify.text
    assert "张三" in verify.text
    flow = flow_of(env, cadre)
    assert flow is not None
    assert flow.step is VisitStep.VERIFY
    await env.say(cadre, "/cancel")
    assert flow_of(env, cadre) is None
    # as an image sent as a file
    before = len(env.messages(cadre.id))
    await env.sandbox.send_document(cadre.id, card_photo(pdf, 0, seed=4), "card.jpg", "image/jpeg")
    await env.sandbox.wait_for_bot_messages(cadre.id, before + 1, timeout=20)
    assert "第 2 步" in form(env, cadre).text
    await env.say(cadre, "/cancel")
    # a photo with no card: one short line and the cadre's menu, no visit
    other = await send_photo(env, cadre, document_photo())
    assert "没有找到房屋信息卡的二维码" in other.text
    assert "📝 登记走访" in other.button_labels
    assert flow_of(env, cadre) is None


async def test_a_visit_where_nothing_changed_is_the_photo_and_two_taps(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    house_id, _token = await seed_house(env, cadre)
    pdf = await make_card_pdf(env.storage, ["A-1-101"], BOT_USERNAME)
    actions = 0

    async def tap(label: str) -> str:
        nonlocal actions
        actions += 1
        return (await press(env, cadre, label)).text

    await send_photo(env, cadre, card_photo(pdf, 0, seed=3))
    actions += 1
    summary = await tap("✅ 住户均未变化，无其他变更")
    assert "第 5 步" in summary
    assert "无变化" in summary
    assert "✏️ 逐步检查" in form(env, cadre).button_labels  # the full steps, one tap away
    await tap("✅ 确认上传")
    done = await wait_form(env, cadre, "走访已记录")
    assert "在住 1" in done.text
    assert actions <= 4  # the photo + at most three taps
    async with env.services() as svc:
        visit = await svc.session.scalar(select(Visit))
        assert visit is not None
        assert visit.house_id == house_id
        assert [s["step"] for s in visit.steps] == ["scan", "verify", "upload"]
        assert len(visit.verified) == 1  # the one resident, confirmed
        residency = await svc.session.scalar(select(Residency))
        assert residency is not None
        assert residency.status is ResidencyStatus.ACTIVE
    assert flow_of(env, cadre) is None


async def test_nobody_lives_here_quick_and_the_review_goes_through_every_step(
    env: BotEnv,
) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, "A-1-102", with_tenant=False)
    await env.say(cadre, "/visit")
    verify = await env.say(cadre, "A-1-102")
    assert "✅ 仍无人居住，无其他变更" in verify.button_labels
    summary = await press(env, cadre, "✅ 仍无人居住")
    assert "第 5 步" in summary.text
    review = await press(env, cadre, "✏️ 逐步检查")
    assert "第 2 步" in review.text
    for step in ("第 3 步", "第 4 步", "第 5 步"):
        assert step in (await press(env, cadre, "下一步")).text
    assert "✏️ 逐步检查" not in form(env, cadre).button_labels
    await press(env, cadre, "✅ 确认上传")
    await wait_form(env, cadre, "走访已记录")
    async with env.services() as svc:
        assert await svc.session.scalar(select(func.count()).select_from(Visit)) == 1
        visit = await svc.session.scalar(select(Visit))
        assert visit is not None
        assert [s["step"] for s in visit.steps] == [
            "scan",
            "verify",
            "upload",
            "update",
            "photograph",
        ]


async def test_the_quick_button_goes_once_something_changed(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre)
    await env.say(cadre, "/visit")
    verify = await env.say(cadre, "A-1-101")
    assert any(label.startswith("✅ 住户均未变化") for label in verify.button_labels)
    await press(env, cadre, "🚪 1")
    moved = await press(env, cadre, "今天")
    assert "已搬离" in moved.text
    assert not any(label.startswith("✅ 住户均未变化") for label in moved.button_labels)


async def test_id_card_and_face_photos_leave_the_chat_after_the_upload(env: BotEnv) -> None:
    from tests.handlers.test_visit import astronaut
    from tests.recognition.idcard.synth_idcard import id_card_photo

    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, with_tenant=False)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "下一步")
    await press(env, cadre, "➕ 登记新住户")
    await env.say(cadre, "李四")

    async def photo(data: bytes) -> int:
        before = len(env.messages(cadre.id))
        sent = await env.sandbox.send_photo(cadre.id, data)
        await env.sandbox.wait_for_bot_messages(cadre.id, before + 1, timeout=30)
        return int(sent["message_id"])

    id_card = await photo(id_card_photo("110105198001010016", "李四", seed=1))
    assert "从照片读出" in form(env, cadre).text
    for label in ("✅ 号码正确", "⏭", "流动人口", "租客", "今天", "下一步", "▫️ 人脸"):
        await press(env, cadre, label)
    face = await photo(astronaut())
    assert "人脸照片合格" in form(env, cadre).text
    await press(env, cadre, "▫️ 便民联系卡")
    contact_card = await photo(document_photo())
    deleted_before = {int(p["message_id"]) for p in env.calls("deleteMessage")}
    assert not {id_card, face} & deleted_before  # kept until the visit is written
    await press(env, cadre, "下一步")
    await press(env, cadre, "✅ 确认上传")
    await wait_form(env, cadre, "走访已记录")
    await env.wait_for_call("deleteMessage", lambda p: int(p["message_id"]) == face)
    deleted = {int(p["message_id"]) for p in env.calls("deleteMessage")}
    assert {id_card, face} <= deleted
    assert contact_card not in deleted  # the house's contact card is not personal data
    left = {m["message_id"] for m in env.sandbox.history(cadre.id)}
    assert not {id_card, face} & left
