"""📋 📷 Another photo of a watched person through the sandbox: police open the entry, send a
photo through the quality gate and are told how many photos the person now has; past the
limit the least sharp older one leaves the running gallery at once; a refused photo stores
nothing; ✖️ Cancel ends the step. Real Application, sandbox, real face models."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageOps
from sqlalchemy import func, select

from core.models import AuditEntry, FaceTemplate, PhotoKind, Role, StoredPhoto, WatchlistKind
from core.services.face_templates import FaceEnrolment
from tests.e2e import SYSTEM, BotEnv, MakeBotEnv, Reply, TgUser
from tests.handlers.test_watchlists import send_photo, watchlists

pytestmark = pytest.mark.slow


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def astronaut() -> Image.Image:
    """scikit-image's astronaut (Eileen Collins, public domain)."""
    from skimage import data

    return Image.fromarray(data.astronaut())


def coffee() -> Image.Image:
    """A cup of coffee: no face."""
    from skimage import data

    return Image.fromarray(data.coffee())


def turned(scale: int = 300) -> bytes:
    """The astronaut mirrored, cropped to her face (the full mirror shows a false second face
    on the suit), at `scale` pixels."""
    return jpeg(ImageOps.mirror(astronaut()).crop((120, 0, 480, 360)).resize((scale, scale)))


async def watched(env: BotEnv, name: str) -> int:
    """A person of interest enrolled from the astronaut; the entry id."""
    core = env.recognition
    assert core is not None
    photo = jpeg(astronaut())
    result = await core.enrol_face(photo)
    vector = np.asarray(result.embedding, dtype=np.float32)
    face = FaceEnrolment(photo, vector.tobytes(), core.face_info.backend, int(vector.size), 300.0)
    async with env.services() as svc:
        key = await svc.watchlists.ensure(SYSTEM, WatchlistKind.PERSONS_OF_INTEREST, "重点人员")
        added = await svc.watchlists.add_face(
            SYSTEM, key.id, name=name, face=face, reason="民警布控", authority="协查 7"
        )
    core.gallery.upsert(added.template_id, vector)
    return added.entry.id


async def stored(env: BotEnv) -> tuple[set[int], int]:
    """(template ids, face photos) in the database."""
    async with env.services() as svc:
        templates = set(await svc.session.scalars(select(FaceTemplate.id)))
        photos = await svc.session.scalar(
            select(func.count()).select_from(StoredPhoto).where(StoredPhoto.kind == PhotoKind.FACE)
        )
    return templates, int(photos or 0)


async def open_entry(env: BotEnv, police: TgUser, name: str) -> Reply:
    lists = await watchlists(env, police)
    page = (await env.press(police, lists, "🎯 重点人员 · 1 条")).message
    return (await env.press(police, page, f"🎯 {name}")).message


async def test_police_add_photos_to_a_watched_person_within_the_limit(
    make_bot_env: MakeBotEnv,
) -> None:
    overrides = {"face_templates_per_person": 2}
    async with make_bot_env(recognition=True, overrides=overrides) as env:
        core = env.recognition
        assert core is not None
        await watched(env, "张三")
        police = await env.user(Role.POLICE, name="王警官")
        entry = await open_entry(env, police, "张三")
        assert "📷 添加照片" in entry.button_labels
        form = (await env.press(police, entry, "📷 添加照片")).message
        assert "添加照片：张三" in form.text
        assert "此人现有 1 张人脸照片（上限 2）" in form.text
        assert form.button_labels == ["⬅️ 返回", "✖️ 取消"]
        before = await stored(env)

        blurred = await send_photo(
            env, police, jpeg(astronaut().filter(ImageFilter.GaussianBlur(2)))
        )
        assert "照片模糊" in blurred.text
        assert "发送一张正面照片" in blurred.text
        no_face = await send_photo(env, police, jpeg(coffee()))
        assert "照片中找不到人脸" in no_face.text
        assert await stored(env) == before, "a refused photo stores nothing"

        added = await send_photo(env, police, turned())
        assert "已添加。此人现有 2 张人脸照片（上限 2）" in added.text
        assert "张三" in added.text  # the entry again, with its buttons
        assert "📷 添加照片" in added.button_labels
        templates, photos = await stored(env)
        assert (len(templates), photos) == (2, 2)
        assert set(core.gallery.keys()) == templates

        # One more at the limit: the least sharp older photo stops matching at once.
        form = (await env.press(police, added, "📷 添加照片")).message
        assert "此人现有 2 张人脸照片（上限 2）" in form.text
        again = await send_photo(env, police, turned(260))
        assert "已添加。此人现有 2 张人脸照片（上限 2）" in again.text
        assert "1 张最不清晰的旧照片不再用于比对" in again.text
        now, photos = await stored(env)
        assert len(now) == 2
        assert photos == 3, "the dropped template's photo stays on record"
        assert set(core.gallery.keys()) == now, "the running gallery follows at once"
        async with env.services() as svc:
            drops = await svc.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "drop_face_template")
            )
        assert drops == 1


async def test_cancel_at_the_photo_step_adds_nothing(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env(recognition=True) as env:
        await watched(env, "李四")
        police = await env.user(Role.POLICE, name="王警官")
        entry = await open_entry(env, police, "李四")
        form = (await env.press(police, entry, "📷 添加照片")).message
        cancelled = await env.press(police, form, "✖️ 取消")
        assert "已取消：添加照片（未添加）" in cancelled.message.text
        before = await stored(env)
        stray = await send_photo(env, police, turned())
        assert "已添加" not in stray.text
        assert await stored(env) == before
