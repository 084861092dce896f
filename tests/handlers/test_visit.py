"""The cadre's visit end to end: real Application, sandbox Bot API, real models, real card PDF."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

from core.models import (
    FaceTemplate,
    House,
    Residency,
    ResidencyStatus,
    Role,
    StoredPhoto,
    Visit,
    WatchlistEntry,
)
from tests.e2e import BOT_USERNAME, SYSTEM, BotEnv, MakeBotEnv, Reply, TgUser
from tests.support.cards import card_photo, make_card_pdf

pytestmark = pytest.mark.slow

TENANT_ID = "11010519491231002X"
NEW_ID = "110105198001010016"
WRONG_CHECK_DIGIT = "110105198001010011"


def _jpeg(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, "JPEG", quality=90)
    return out.getvalue()


def astronaut() -> bytes:
    """A real face photo shipped with scikit-image (Eileen Collins, public domain)."""
    from skimage import data

    return _jpeg(data.astronaut())


def group_photo() -> bytes:
    """insightface's sample group photo: several faces, refused for enrolment."""
    import insightface

    return (Path(insightface.__file__).parent / "data/images/t1.jpg").read_bytes()


def document_photo() -> bytes:
    from skimage import data

    return _jpeg(np.asarray(Image.fromarray(data.coffee()).resize((900, 600))))


@pytest.fixture
async def env(make_bot_env: MakeBotEnv) -> AsyncIterator[BotEnv]:
    async with make_bot_env(recognition=True) as running:
        yield running


async def seed_house(
    env: BotEnv, cadre: TgUser, code: str = "A-1-101", with_tenant: bool = True
) -> tuple[int, str]:
    house_id, token = await env.house(code, address=f"安宁路1号{code}室")
    async with env.services() as svc:
        house = await svc.session.get(House, house_id)
        assert house is not None
        house.cadre_id = cadre.member_id
        if with_tenant:
            tenant = await svc.persons.add(SYSTEM, name="张三", id_number=TENANT_ID)
            await svc.persons.add_residency(
                SYSTEM, person_id=tenant.id, house_id=house_id, moved_in=date(2026, 1, 1)
            )
    return house_id, token


async def send_photo(env: BotEnv, user: TgUser, data: bytes, *, count: int = 1) -> Reply:
    """Send a photo as `user`; the bot's last new message (the form it re-sent)."""
    before = len(env.sandbox.bot_messages(user.id))
    await env.sandbox.send_photo(user.id, data)
    sent = await env.sandbox.wait_for_bot_messages(user.id, before + count, timeout=20)
    return Reply(sent[-1])


def form(env: BotEnv, user: TgUser) -> Reply:
    return env.messages(user.id)[-1]


async def press(env: BotEnv, user: TgUser, label: str) -> Reply:
    """Press a button of the current form (by the start of its label); the form afterwards.

    Waits until the form was edited or a new one was sent (a handler may answer the button
    before it renders).
    """
    message = form(env, user)
    match = next((b for b in message.button_labels if b.startswith(label)), None)
    assert match is not None, f"no button {label!r} in {message.button_labels}"
    before = (len(env.messages(user.id)), message.raw)

    def changed(_sandbox: object) -> bool:
        current = env.messages(user.id)
        return len(current) != before[0] or current[-1].raw != before[1]

    await env.press(user, message, match, timeout=20)
    await env.sandbox.wait_for(changed, timeout=20)
    return form(env, user)


async def wait_form(env: BotEnv, user: TgUser, text: str) -> Reply:
    """The form once it shows `text` (after slow work such as the upload)."""
    await env.sandbox.wait_for(lambda _sb: text in form(env, user).text, timeout=30)
    return form(env, user)


async def test_the_whole_visit_from_the_printed_card_to_the_database(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE, name="王芳")
    house_id, _token = await seed_house(env, cadre)
    pdf = await make_card_pdf(env.storage, ["A-1-101"], BOT_USERNAME)

    scan = await env.say(cadre, "/visit")
    assert "第 1 步 / 共 5 步" in scan.text
    assert "信息采集卡" in scan.text
    # 1 scan: a photographed card made from the real PDF
    verify = await send_photo(env, cadre, card_photo(pdf, 0, seed=3))
    assert "第 2 步" in verify.text
    assert "安宁路1号A-1-101室" in verify.text
    assert "张三" in verify.text
    assert "1101**********002X" in verify.text
    assert TENANT_ID not in verify.html
    # 2 verify: 张三 moved out today
    await press(env, cadre, "🚪 1")
    after = await press(env, cadre, "今天")
    assert "已搬离" in after.text
    update = await press(env, cadre, "下一步")
    assert "第 3 步" in update.text
    # 3 update: a new resident, step by step, with a wrong check digit on the way
    await press(env, cadre, "➕ 登记新住户")
    asked_id = await env.say(cadre, "李四")
    assert "身份证号" in asked_id.text
    refused = await env.say(cadre, WRONG_CHECK_DIGIT)
    assert "校验位不对" in refused.text
    asked_phone = await env.say(cadre, NEW_ID)
    assert "手机号" in asked_phone.text
    await env.say(cadre, "13912345678")
    await press(env, cadre, "流动人口")
    await press(env, cadre, "租客")
    listed = await press(env, cadre, "今天")
    assert "李四" in listed.text
    assert "1101**********0016" in listed.text
    photos = await press(env, cadre, "下一步")
    assert "第 4 步" in photos.text
    # 4 photograph: a group photo is refused, a real single face accepted, a document kept
    await press(env, cadre, "▫️ 人脸")
    several = await send_photo(env, cadre, group_photo())
    assert "多张人脸" in several.text
    accepted = await send_photo(env, cadre, astronaut())
    assert "人脸照片合格" in accepted.text
    await press(env, cadre, "▫️ 身份证正面")
    saved = await send_photo(env, cadre, document_photo())
    assert "已保存" in saved.text
    summary = await press(env, cadre, "下一步")
    assert "第 5 步" in summary.text
    assert "搬离 1" in summary.text
    async with env.services() as svc:  # nothing is written before the confirmation
        assert await svc.session.scalar(select(func.count()).select_from(Visit)) == 0
    # 5 upload
    working = await press(env, cadre, "✅ 确认上传")
    assert "正在上传" in working.text or "走访已记录" in working.text
    done = await wait_form(env, cadre, "走访已记录")
    assert "新增 1" in done.text
    assert "搬离 1" in done.text

    async with env.services() as svc:
        visit = await svc.session.scalar(select(Visit))
        assert visit is not None
        assert visit.assigned
        assert visit.cadre_id == cadre.member_id
        assert [s["step"] for s in visit.steps] == [
            "scan",
            "verify",
            "update",
            "photograph",
            "upload",
        ]
        residency = await svc.session.scalar(
            select(Residency).where(Residency.status == ResidencyStatus.MOVED_OUT)
        )
        assert residency is not None
        assert residency.house_id == house_id
        residents = await svc.persons.residents_of(SYSTEM, house_id)
        assert [r.person.name for r in residents] == ["李四"]
        template = await svc.session.scalar(select(FaceTemplate))
        assert template is not None
        assert template.person_id == residents[0].person.id
        kinds = sorted(p.kind.value for p in (await svc.session.scalars(select(StoredPhoto))))
        assert kinds == ["face", "id_front"]
        assert await svc.session.scalar(select(func.count()).select_from(WatchlistEntry)) == 1
    assert env.recognition is not None
    assert template.id in env.recognition.gallery


async def test_a_known_face_is_shown_side_by_side_before_saving(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE, name="王芳")
    await seed_house(env, cadre, "A-1-101", with_tenant=False)
    await seed_house(env, cadre, "A-1-102", with_tenant=False)
    for code, name in (("A-1-101", "李四"), ("A-1-102", "李思")):
        await env.say(cadre, "/visit")
        await env.say(cadre, code)
        await press(env, cadre, "下一步")
        await press(env, cadre, "➕ 登记新住户")
        await env.say(cadre, name)
        await press(env, cadre, "🛂")  # no ID card: a foreign resident
        await press(env, cadre, "⏭")
        await press(env, cadre, "境外人员")
        await press(env, cadre, "租客")
        await press(env, cadre, "今天")
        await press(env, cadre, "下一步")
        await press(env, cadre, "▫️ 人脸")
        reply = await send_photo(env, cadre, astronaut())
        if code == "A-1-102":
            break
        await press(env, cadre, "下一步")
        await press(env, cadre, "✅ 确认上传")
        await wait_form(env, cadre, "走访已记录")
    # The second registration of the same face: the two photos side by side, a decision asked.
    assert reply.raw.get("photo"), "the look-alike is shown as one picture"
    assert "李四" in reply.text
    assert "是同一人吗" in reply.text
    await press(env, cadre, "👤 是同一人")
    linked = await wait_form(env, cadre, "已关联")
    assert "第 4 步" in linked.text
    await press(env, cadre, "下一步")
    summary = form(env, cadre)
    assert "关联已有档案：李四" in summary.text
    await press(env, cadre, "✅ 确认上传")
    await wait_form(env, cadre, "走访已记录")
    async with env.services() as svc:  # one person, living in both flats, two templates
        persons = await svc.session.scalar(
            select(func.count(func.distinct(FaceTemplate.person_id)))
        )
        assert persons == 1
        assert await svc.session.scalar(select(func.count()).select_from(FaceTemplate)) == 2


async def test_bad_cards_get_clear_answers(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    house_id, token = await seed_house(env, cadre)
    pdf = await make_card_pdf(env.storage, ["A-1-101"], BOT_USERNAME)
    old_card = card_photo(pdf, 0, seed=1)
    await env.say(cadre, "/visit")
    no_code = await send_photo(env, cadre, document_photo())
    assert "没有找到二维码" in no_code.text
    # Telegram refuses a broken photo, but a broken file sent as a document reaches the bot.
    before = len(env.messages(cadre.id))
    await env.sandbox.send_document(cadre.id, b"\xff\xd8\xff\xe0 not a jpeg", "card.jpg")
    await env.sandbox.wait_for_bot_messages(cadre.id, before + 1, timeout=20)
    assert "已损坏" in form(env, cadre).text  # the file is damaged, and the form says so
    forged = await env.say(cadre, f"https://t.me/{BOT_USERNAME}?start=h_{token[:-2]}xx")
    assert "伪造" in forged.text
    foreign = await env.say(cadre, "https://t.me/other_bot?start=h_1-1-abcdefabcdef")
    assert "签名无效" in foreign.text  # a well-formed token not signed with this key
    unknown = await env.say(cadre, "Z-9-999")
    assert "没有编号为" in unknown.text
    async with env.services() as svc:
        await svc.houses.reissue_card(SYSTEM, house_id)
    revoked = await send_photo(env, cadre, old_card)
    assert "已作废" in revoked.text
    async with env.services() as svc:
        assert await svc.session.scalar(select(func.count()).select_from(Visit)) == 0


async def test_a_restart_in_the_middle_resumes_where_it_stopped(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "✅ 1")
    await press(env, cadre, "下一步")
    await press(env, cadre, "➕ 登记新住户")
    await env.say(cadre, "李四")  # now asked for the ID number
    await env.restart()
    asked = await env.say(cadre, NEW_ID)  # the typed answer lands in the same step
    assert "手机号" in asked.text
    await env.restart()
    resume = await env.say(cadre, "/visit")
    assert "未完成的走访" in resume.text
    current = await press(env, cadre, "▶️ 继续走访")
    assert "新住户" in current.text
    assert "李四" in current.text


async def test_residents_cannot_start_a_visit(env: BotEnv) -> None:
    resident = await env.user(Role.RESIDENT)
    reply = await env.say(resident, "/visit")
    assert "只有包户干部和管理员" in reply.text


async def test_the_card_link_from_a_phone_camera_opens_the_visit_for_a_cadre(
    env: BotEnv,
) -> None:
    cadre = await env.user(Role.CADRE)
    _house_id, token = await seed_house(env, cadre)
    verify = await env.say(cadre, f"/start h_{token}")  # straight to step 2, no scan screen
    assert "第 2 步" in verify.text
    assert "张三" in verify.text
    stranger = await env.user(None)
    tenant_view = await env.say(stranger, f"/start h_{token}")
    assert "张三" not in tenant_view.text
    assert "1101" not in tenant_view.text


async def test_a_cadre_picks_a_house_from_their_list_when_the_card_is_missing(
    env: BotEnv,
) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, "A-1-101")
    await seed_house(env, cadre, "A-1-102", with_tenant=False)
    await env.say(cadre, "/start")
    listed = await press(env, cadre, "🏠 房屋")
    assert "我负责的房屋" in listed.text
    assert any(label.startswith("🟢 A-1-101") for label in listed.button_labels)
    opened = await press(env, cadre, "🟢 A-1-101")
    assert "第 2 步" in opened.text
    assert "张三" in opened.text
