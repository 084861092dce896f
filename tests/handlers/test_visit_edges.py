"""The visit flow's edges: double taps, records changed meanwhile, refusals made at the step."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select

from core.models import Residency, Role, Visit
from tests.e2e import SYSTEM, BotEnv, MakeBotEnv, TgUser
from tests.handlers.test_visit import (
    TENANT_ID,
    document_photo,
    form,
    press,
    seed_house,
    send_photo,
    wait_form,
)

pytestmark = pytest.mark.slow
OTHER_ID = "110105198001010016"


@pytest.fixture
async def env(make_bot_env: MakeBotEnv) -> AsyncIterator[BotEnv]:
    async with make_bot_env(recognition=True) as running:
        yield running


async def double_tap(env: BotEnv, user: TgUser, label: str) -> None:
    """Two taps on one button before the bot has redrawn the form."""
    message = form(env, user)
    match = next(b for b in message.button_labels if b.startswith(label))
    taps = [
        env.sandbox.press_button(user.id, message.raw, match, chat_id=message.chat_id, timeout=20)
        for _ in range(2)
    ]
    answers = await asyncio.gather(*taps)
    assert all(a["answered"] for a in answers)


async def test_a_double_tap_moves_one_step_only(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, with_tenant=False)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await double_tap(env, cadre, "下一步")
    assert "第 3 步" in form(env, cadre).text
    await press(env, cadre, "➕ 登记新住户")
    await env.say(cadre, "李四")
    await press(env, cadre, "🛂")
    await press(env, cadre, "⏭")
    await double_tap(env, cadre, "境外人员")
    assert any(b.startswith("租客") for b in form(env, cadre).button_labels)


async def test_no_id_card_after_a_typo_forgets_the_number_and_the_match(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, with_tenant=False)
    async with env.services() as svc:
        await svc.persons.add(SYSTEM, name="王五", id_number=OTHER_ID)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "下一步")
    await press(env, cadre, "➕ 登记新住户")
    await env.say(cadre, "李四")
    noted = await env.say(cadre, OTHER_ID)  # a typo that happens to be 王五's number
    assert "王五" in noted.text
    assert OTHER_ID not in [m.get("text") for m in env.sandbox.history(cadre.id)]  # deleted
    await press(env, cadre, "⬅️")
    for label in ("🛂", "⏭", "境外人员", "租客", "今天", "下一步", "下一步"):
        await press(env, cadre, label)
    summary = form(env, cadre)
    assert "王五" not in summary.text
    assert "1101" not in summary.text


async def test_an_id_number_of_somebody_else_is_refused_at_the_step(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre)
    async with env.services() as svc:
        await svc.persons.add(SYSTEM, name="王五", id_number=OTHER_ID)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "✏️ 1")
    await press(env, cadre, "身份证号")
    refused = await env.say(cadre, OTHER_ID)
    assert "已属于" in refused.text
    assert "王五" in refused.text
    same = await env.say(cadre, TENANT_ID)  # their own number again is fine
    assert "已记下" in same.text


async def test_a_resident_moved_out_meanwhile_reloads_the_house(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "✅ 1")
    for _ in range(3):
        await press(env, cadre, "下一步")
    async with env.services() as svc:  # a colleague records the move-out first
        residency = await svc.session.scalar(select(Residency))
        assert residency is not None
        await svc.persons.move_out(SYSTEM, residency.id, residency.moved_in)  # type: ignore[arg-type]
    await press(env, cadre, "✅ 确认上传")
    reloaded = await wait_form(env, cadre, "已被他人更新")
    assert "第 2 步" in reloaded.text
    assert "张三" not in reloaded.text
    await press(env, cadre, "下一步")
    await press(env, cadre, "下一步")
    await press(env, cadre, "下一步")
    await press(env, cadre, "✅ 确认上传")
    await wait_form(env, cadre, "走访已记录")
    async with env.services() as svc:
        assert await svc.session.scalar(select(func.count()).select_from(Visit)) == 1


async def test_a_document_the_store_cannot_keep_is_refused_at_the_step(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, with_tenant=False)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "下一步")
    await press(env, cadre, "下一步")
    await press(env, cadre, "▫️")  # the house's contact card
    out = io.BytesIO()
    Image.fromarray(np.full((600, 900, 3), 200, np.uint8)).save(out, "BMP")
    before = len(env.messages(cadre.id))
    await env.sandbox.send_document(cadre.id, out.getvalue(), "card.bmp", "image/bmp")
    await env.sandbox.wait_for_bot_messages(cadre.id, before + 1, timeout=20)
    assert "不支持这种图片格式" in form(env, cadre).text


async def test_a_blurred_card_photo_is_called_blurred(env: BotEnv) -> None:
    from PIL import ImageFilter

    from tests.e2e import BOT_USERNAME
    from tests.support.cards import card_photo, make_card_pdf

    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre)
    pdf = await make_card_pdf(env.storage, ["A-1-101"], BOT_USERNAME)
    photo = Image.open(io.BytesIO(card_photo(pdf, 0, seed=2))).filter(ImageFilter.GaussianBlur(8))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=85)
    await env.say(cadre, "/visit")
    before = len(env.messages(cadre.id))
    await env.sandbox.send_photo(cadre.id, out.getvalue())
    await env.sandbox.wait_for_bot_messages(cadre.id, before + 1, timeout=20)
    assert "太模糊" in form(env, cadre).text


async def test_typed_id_numbers_and_phones_never_reach_the_disk_in_clear(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, with_tenant=False)
    phone = "13912345678"
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "下一步")
    await press(env, cadre, "➕ 登记新住户")
    await env.say(cadre, "李四")
    await env.say(cadre, OTHER_ID)
    await env.say(cadre, phone)
    await env.restart()  # the draft (with the sealed values) is written to bot_state
    raw = b"".join(p.read_bytes() for p in env.settings.data_dir.glob("safecommunity.db*"))
    assert len(raw) > 10_000
    for value in (OTHER_ID, phone):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert value.encode(encoding) not in raw
    assert b"0016" in raw  # the masked form is in the draft, for the screens


async def test_the_id_number_is_read_from_a_photo_of_the_card(env: BotEnv) -> None:
    from tests.recognition.idcard.synth_idcard import id_card_photo

    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, with_tenant=False)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "下一步")
    await press(env, cadre, "➕ 登记新住户")
    await env.say(cadre, "李四")
    before = len(env.messages(cadre.id))
    await env.sandbox.send_photo(cadre.id, id_card_photo(OTHER_ID, "李四", seed=1))
    await env.sandbox.wait_for_bot_messages(cadre.id, before + 1, timeout=30)
    offered = form(env, cadre)
    assert "从照片读出" in offered.text
    assert "1101**********0016" in offered.text
    assert OTHER_ID not in offered.html
    asked_phone = await press(env, cadre, "✅ 号码正确")
    assert "手机号" in asked_phone.text
    for label in ("⏭", "流动人口", "租客", "今天", "下一步"):
        await press(env, cadre, label)
    photos = form(env, cadre)
    assert "✅ 身份证正面" in photos.text  # the card photo is kept, not asked for again


def _image(size: tuple[int, int], fmt: str, value: int = 200) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((size[1], size[0], 3), value, np.uint8)).save(out, fmt)
    return out.getvalue()


async def _send_file(env: BotEnv, cadre: TgUser, data: bytes, name: str, mime: str) -> str:
    before = len(env.messages(cadre.id))
    await env.sandbox.send_document(cadre.id, data, name, mime)
    await env.sandbox.wait_for_bot_messages(cadre.id, before + 1, timeout=20)
    return form(env, cadre).text


async def test_each_bad_picture_is_called_what_it_is(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, with_tenant=False)
    await env.say(cadre, "/visit")
    tiny = await _send_file(env, cadre, _image((1, 1), "PNG"), "card.png", "image/png")
    assert "照片太小" in tiny  # not "corrupt"
    blank = await _send_file(env, cadre, _image((600, 400), "GIF"), "card.gif", "image/gif")
    assert "空白" in blank  # not "blurred"
    huge = b"\x89PNG\r\n\x1a\n" + bytes(21 * 1024 * 1024)
    too_big = await _send_file(env, cadre, huge, "card.png", "image/png")
    assert "超过 20 MB" in too_big  # not "not an image"
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "下一步")
    await press(env, cadre, "下一步")
    await press(env, cadre, "▫️")  # the house's contact card
    pdf = await _send_file(env, cadre, b"%PDF-1.4 a scanned card", "card.pdf", "application/pdf")
    assert "不是图片" in pdf
    assert "房屋编号" not in pdf.split("\n\n")[0]  # not told to type the house code


async def test_a_photo_telegram_no_longer_has_is_asked_for_again(env: BotEnv) -> None:
    cadre = await env.user(Role.CADRE)
    await seed_house(env, cadre, with_tenant=False)
    await env.say(cadre, "/visit")
    await env.say(cadre, "A-1-101")
    await press(env, cadre, "下一步")
    await press(env, cadre, "下一步")
    await press(env, cadre, "▫️")  # the house's contact card
    await send_photo(env, cadre, document_photo())
    await press(env, cadre, "下一步")
    for file_id in list(env.sandbox.state.files):  # Telegram lost the photo meanwhile
        del env.sandbox.state.files[file_id]
    await press(env, cadre, "✅ 确认上传")
    again = await wait_form(env, cadre, "请重新拍摄")
    assert "便民联系卡" in again.text
    assert "第 4 步" in again.text  # back at the photos, the slot empty again
    async with env.services() as svc:
        assert await svc.session.scalar(select(func.count()).select_from(Visit)) == 0
    await send_photo(env, cadre, document_photo())  # taken again: the visit goes through
    await press(env, cadre, "下一步")
    await press(env, cadre, "✅ 确认上传")
    await wait_form(env, cadre, "走访已记录")
