"""A cadre's yearly visit refreshes the face of a resident who stays: the photo goes through the
quality gate, a look-alike of somebody else is shown side by side, the summary names it, and
after ✅ the person has one more template that the gate cameras' gallery matches at once.
Real Application, sandbox Bot API, real face models."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest
from PIL import ImageFilter
from sqlalchemy import func, select

from core.models import BotState, FaceTemplate, PhotoKind, Residency, Role, StoredPhoto
from core.services.face_templates import FaceEnrolment
from recognition.faces import MatchBand
from tests.core.flows.test_visit_faces import without_check_faces
from tests.e2e import SYSTEM, BotEnv, MakeBotEnv, TgUser
from tests.handlers.test_visit import form, press, seed_house, send_photo, wait_form
from tests.handlers.test_watchlist_photos import astronaut, coffee, jpeg, turned

pytestmark = pytest.mark.slow


@pytest.fixture
async def env(make_bot_env: MakeBotEnv) -> AsyncIterator[BotEnv]:
    async with make_bot_env(recognition=True) as running:
        yield running


async def enrol(env: BotEnv, person_id: int, photo: bytes) -> int:
    """An earlier face of the person, as a past visit left it (and in the running gallery)."""
    core = env.recognition
    assert core is not None
    result = await core.enrol_face(photo)
    vector = np.asarray(result.embedding, dtype=np.float32)
    face = FaceEnrolment(photo, vector.tobytes(), core.face_info.backend, int(vector.size), 300.0)
    async with env.services() as svc:
        stored = await svc.photos.store(SYSTEM, PhotoKind.FACE, photo, person_id=person_id)
        added = await svc.persons.add_template(SYSTEM, person_id, face, stored.id)
    core.gallery.upsert(added.template_id, vector)
    return added.template_id


async def tenant(env: BotEnv) -> int:
    """The person id of 张三, the tenant `seed_house` puts in the house."""
    async with env.services() as svc:
        residency = await svc.session.scalar(select(Residency))
        assert residency is not None
        return residency.person_id


async def faces(env: BotEnv, person_id: int) -> tuple[set[int], int]:
    """(the person's template ids, their face photos)."""
    async with env.services() as svc:
        templates = set(
            await svc.session.scalars(
                select(FaceTemplate.id).where(FaceTemplate.person_id == person_id)
            )
        )
        photos = await svc.session.scalar(
            select(func.count())
            .select_from(StoredPhoto)
            .where(StoredPhoto.kind == PhotoKind.FACE, StoredPhoto.person_id == person_id)
        )
    return templates, int(photos or 0)


async def to_photos(env: BotEnv, cadre: TgUser, code: str = "A-1-101") -> None:
    """Open the house, 张三 still lives here, on to step 4."""
    await env.say(cadre, "/visit")
    await env.say(cadre, code)
    await press(env, cadre, "✅ 1")
    await press(env, cadre, "下一步")
    await press(env, cadre, "下一步")


async def test_a_yearly_visit_refreshes_the_face_of_a_resident_who_stays(env: BotEnv) -> None:
    core = env.recognition
    assert core is not None
    cadre = await env.user(Role.CADRE, name="王芳")
    await seed_house(env, cadre)
    person = await tenant(env)
    old = await enrol(env, person, jpeg(astronaut()))
    await to_photos(env, cadre)
    photos = form(env, cadre)
    assert "第 4 步" in photos.text
    assert "张三 · 在住（可补拍）" in photos.text
    assert "可补拍人脸照片" in photos.text
    prompt = await press(env, cadre, "▫️ 张三 · 人脸")
    assert "请发送：张三 · 人脸" in prompt.text
    assert "补拍可选" in prompt.text
    before = await faces(env, person)

    blurred = await send_photo(env, cadre, jpeg(astronaut().filter(ImageFilter.GaussianBlur(2))))
    assert "照片模糊" in blurred.text
    assert "请发送：张三 · 人脸" in blurred.text  # still asking for the same photo
    no_face = await send_photo(env, cadre, jpeg(coffee()))
    assert "没有找到人脸" in no_face.text
    # Her own face turned the other way: matches her own template, no question asked.
    fresh_photo = turned()
    accepted = await send_photo(env, cadre, fresh_photo)
    assert "张三 的人脸照片合格" in accepted.text
    assert "✅ 张三 · 人脸" in accepted.button_labels
    summary = await press(env, cadre, "下一步")
    assert "第 5 步" in summary.text
    assert "📷 新人脸照片：张三" in summary.text
    assert "照片：1 张" in summary.text
    assert await faces(env, person) == before, "nothing is written before ✅"

    await press(env, cadre, "✅ 确认上传")
    done = await wait_form(env, cadre, "走访已记录")
    assert "人脸照片已更新：1 人" in done.text
    assert "加入门岗识别名单" not in done.text  # nobody new
    templates, stored = await faces(env, person)
    assert (len(templates), stored) == (2, 2)
    [new] = templates - {old}
    assert set(core.gallery.keys()) == templates, "the running gallery has it at once"
    # The cadre's face photos leave the chat (deleted just after the result is shown).
    await env.sandbox.wait_for(
        lambda sb: not any(m.get("photo") for m in sb.history(cadre.id)), timeout=20
    )
    # A gate camera's snapshot turned the same way now matches her fresh photo first.
    [seen] = await core.identify(turned(210))
    best = seen.best
    assert best is not None
    assert (best.key, best.band) == (new, MatchBand.MATCH)


async def test_a_resident_looking_like_somebody_else_is_shown_side_by_side(
    env: BotEnv,
) -> None:
    cadre = await env.user(Role.CADRE, name="王芳")
    await seed_house(env, cadre)
    person = await tenant(env)
    async with env.services() as svc:
        other = await svc.persons.add(SYSTEM, name="李四")
    await enrol(env, other.id, jpeg(astronaut()))  # somebody else's face, enrolled before
    await to_photos(env, cadre)
    await press(env, cadre, "▫️ 张三 · 人脸")
    shown = await send_photo(env, cadre, turned())
    assert shown.raw.get("photo"), "the two faces side by side, as one picture"
    assert "张三" in shown.text
    assert "李四" in shown.text
    assert "照片里确实是 张三 本人吗" in shown.text
    assert not any("是同一人" in label for label in shown.button_labels)  # no merge here
    await press(env, cadre, "📷 重拍")
    again = await wait_form(env, cadre, "请发送：张三 · 人脸")  # a fresh form below the picture
    assert "第 4 步" in again.text
    await send_photo(env, cadre, turned())
    await press(env, cadre, "👤 是张三本人")
    kept = await wait_form(env, cadre, "张三 的人脸照片合格")
    assert "✅ 张三 · 人脸" in kept.button_labels
    # Taken by mistake after all: the item again offers to drop it.
    prompt = await press(env, cadre, "✅ 张三 · 人脸")
    assert "🗑 不用这张照片" in prompt.button_labels
    dropped = await press(env, cadre, "🗑 不用这张照片")
    assert "已删除 张三 的新人脸照片" in dropped.text
    assert "▫️ 张三 · 人脸" in dropped.button_labels
    prompt = await press(env, cadre, "▫️ 张三 · 人脸")
    assert "🗑 不用这张照片" not in prompt.button_labels  # nothing to drop
    listed = await press(env, cadre, "⬅️ 返回")  # Back from the prompt: the list again
    assert "第 4 步" in listed.text
    summary = await press(env, cadre, "下一步")
    assert "新人脸照片" not in summary.text
    cancelled = await press(env, cadre, "✖️")
    assert "已取消" in cancelled.text
    assert await faces(env, person) == (set(), 0)


async def test_a_visit_saved_by_the_previous_release_resumes_and_takes_a_face(
    env: BotEnv,
) -> None:
    cadre = await env.user(Role.CADRE, name="王芳")
    await seed_house(env, cadre)
    person = await tenant(env)
    await to_photos(env, cadre)
    await env.stop()  # the draft is written to bot_state
    async with env.services() as svc:
        rows = list(await svc.session.scalars(select(BotState)))
        old = [row for row in rows if "flow.visit.check" in str(row.value)]
        assert old, "the visit's draft is persisted"
        for row in old:
            legacy = without_check_faces(row.value)
            assert legacy != row.value, "the checks' `face` field really goes"
            row.value = legacy
    await env.start()
    resume = await env.say(cadre, "/visit")
    assert "未完成的走访" in resume.text
    photos = await press(env, cadre, "▶️ 继续走访")
    assert "▫️ 张三 · 人脸" in photos.button_labels
    await press(env, cadre, "▫️ 张三 · 人脸")
    await send_photo(env, cadre, turned())
    await press(env, cadre, "下一步")
    await press(env, cadre, "✅ 确认上传")
    await wait_form(env, cadre, "走访已记录")
    templates, stored = await faces(env, person)
    assert (len(templates), stored) == (1, 1)
