"""Camera alerts end to end: a camera posts over HTTP, the guard group gets the boxed photo,
a guard presses ✅ and the message is edited — real Application, sandbox, real face models."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageOps
from sqlalchemy import func, select

from bot.http import HttpServer, create_http_app
from core.models import (
    AlertKind,
    AlertRule,
    CameraEvent,
    CameraKind,
    Delivery,
    FaceTemplate,
    GroupRole,
    MatchBand,
    Passage,
    PhotoKind,
    Role,
)
from core.models import WatchlistKind as Kind
from core.sightings import FaceSighting, Observation, PlateSighting, exact_plates
from tests.bot.cameras.conftest import until
from tests.e2e import SYSTEM, BotEnv, MakeBotEnv, Reply, TgUser

pytestmark = pytest.mark.slow


def astronaut(mirror: bool = False, blur: float = 0.0) -> bytes:
    """scikit-image's astronaut (Eileen Collins, public domain), optionally mirrored or
    blurred (a radius of 1.5 still passes the quality gate, but weighs less)."""
    from skimage import data

    image = Image.fromarray(data.astronaut())
    if mirror:
        image = ImageOps.mirror(image)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@dataclass
class Gate:
    env: BotEnv
    url: str
    token: str
    guard: TgUser
    group: int

    async def post(self, image: bytes, **fields: str) -> int:
        form = aiohttp.FormData()
        form.add_field("image", image, filename="s.jpg", content_type="image/jpeg")
        for name, value in fields.items():
            form.add_field(name, value)
        headers = {"Authorization": f"Bearer {self.token}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{self.url}/api/v1/cameras/gate-1/events", data=form, headers=headers
            ) as response,
        ):
            assert response.status == 202, await response.text()
            return int((await response.json())["event_id"])

    async def alerts(self, count: int = 1) -> list[Reply]:
        sent = await self.env.sandbox.wait_for_bot_messages(self.group, count, timeout=30)
        return [Reply(m) for m in sent]


async def seed(env: BotEnv) -> tuple[str, TgUser, int]:
    guard = await env.user(Role.GUARD, name="李保安")
    group = await env.group(GroupRole.GUARDS, members=[guard], title="北门保安群")
    async with env.services() as svc:
        _camera, token = await svc.cameras.add(
            SYSTEM, camera_id="gate-1", kind=CameraKind.FACE, name="北门人脸抓拍"
        )
    return token, guard, group


async def watch_face(
    env: BotEnv, photo: bytes, kind: Kind, name: str, reason: str, *, keep_photo: bool = False
) -> None:
    core = env.recognition
    assert core is not None
    face = await core.enrol_face(photo)
    vector = np.asarray(face.embedding, dtype=np.float32)
    async with env.services() as svc:
        person = await svc.persons.add(SYSTEM, name=name)
        kept = None
        if keep_photo:  # the photo the template was enrolled from, kept with the person
            kept = await svc.photos.store(SYSTEM, PhotoKind.FACE, photo, person_id=person.id)
        template = FaceTemplate(
            photo_id=kept.id if kept else None,
            person_id=person.id,
            backend=core.face_info.backend,
            dimensions=int(vector.size),
            vector=vector.tobytes(),
            quality=1.0,
        )
        svc.session.add(template)
        watchlist = await svc.watchlists.of_kind(kind) or await svc.watchlists.create(
            SYSTEM, kind=kind, name="重点人员"
        )
        await svc.watchlists.add_person(
            SYSTEM, watchlist.id, person.id, reason=reason, authority="协查"
        )
        await svc.flush()
        template_id = template.id
    core.gallery.upsert(template_id, vector)


async def watch_plate(env: BotEnv, plate: str, reason: str) -> None:
    async with env.services() as svc:
        vehicles = await svc.watchlists.create(SYSTEM, kind=Kind.VEHICLES, name="布控车辆")
        await svc.watchlists.add_plate(SYSTEM, vehicles.id, plate, reason=reason, authority="协查")


@asynccontextmanager
async def gate(make_bot_env: MakeBotEnv, **overrides: Any) -> AsyncIterator[Gate]:
    async with make_bot_env(recognition=True, overrides=overrides or None) as env:
        token, guard, group = await seed(env)
        server = HttpServer(create_http_app(env.application, env.application.deps))
        await server.start("127.0.0.1", 0)
        try:
            yield Gate(env, server.url, token, guard, group)
        finally:
            await server.stop()


async def test_a_key_person_at_the_gate_alerts_the_guards_and_a_press_edits_it(
    make_bot_env: MakeBotEnv,
) -> None:
    async with gate(make_bot_env) as g:
        await watch_face(g.env, astronaut(), Kind.PERSONS_OF_INTEREST, "张三", "民警布控")
        await g.post(astronaut(), direction="in")
        [alert] = await g.alerts()
        assert alert.raw.get("photo"), "the alert is the snapshot, as a photo"
        for words in ("重点人员", "张三", "民警布控", "北门人脸抓拍", "第1层防控圈", "匹配"):
            assert words in alert.text
        assert alert.button_labels == ["✅ 接警", "❌ 误报", "🚓 出警"]
        pressed = await g.env.press(g.guard, alert, "✅ 接警")
        assert pressed.toast == "✅ 已由你接警。"
        await g.env.sandbox.wait_for(
            lambda sb: "李保安 已于" in g.env.messages(g.group)[0].text, timeout=10
        )
        edited = g.env.messages(g.group)[0]
        assert edited.edited
        assert edited.button_labels == []
        assert len(g.env.messages(g.group)) == 1


async def test_later_sightings_fold_into_the_alert_with_their_count(
    make_bot_env: MakeBotEnv,
) -> None:
    async with gate(make_bot_env) as g:
        await watch_face(g.env, astronaut(), Kind.PERSONS_OF_INTEREST, "张三", "民警布控")
        now = datetime.now(UTC)
        await g.post(astronaut(), captured_at=now.isoformat())
        await g.alerts()
        # A second frame two seconds later is the same passage, not a second sighting...
        await g.post(astronaut(), captured_at=(now + timedelta(seconds=2)).isoformat())
        # ...a minute later it is another passage, folded into the alert.
        await g.post(astronaut(), captured_at=(now + timedelta(minutes=1)).isoformat())
        await g.env.sandbox.wait_for(
            lambda sb: "已出现 2 次" in g.env.messages(g.group)[0].text, timeout=30
        )
        assert len(g.env.messages(g.group)) == 1
        async with g.env.services() as svc:
            passages = (await svc.session.scalars(select(Passage).order_by(Passage.id))).all()
        assert [p.raw["frames"] for p in passages] == [2, 1]


async def test_frames_of_one_track_are_one_passage_judged_by_their_best_view(
    make_bot_env: MakeBotEnv,
) -> None:
    async with gate(make_bot_env) as g:
        await watch_face(g.env, astronaut(), Kind.PERSONS_OF_INTEREST, "张三", "民警布控")
        blurred = await g.post(astronaut(blur=1.5), track_id="walk-1")
        [first] = await g.alerts()
        first_photo = first.raw["photo"][-1]["file_id"]
        sharp = await g.post(astronaut(), track_id="walk-1")
        await until(lambda: _handled(g, sharp), timeout=30)
        async with g.env.services() as svc:
            [passage] = (await svc.session.scalars(select(Passage))).all()
            events = {e.id: e for e in (await svc.session.scalars(select(CameraEvent))).all()}
        assert passage.raw["frames"] == 2
        views = {f["e"]: f["f"][0]["w"] for f in passage.raw["evidence"]}
        assert views[blurred] < views[sharp]  # the real quality numbers weigh the frames
        assert passage.snapshot_id == events[sharp].image_id  # the passage keeps the best view
        assert passage.band is MatchBand.MATCH
        [alert] = g.env.messages(g.group)  # one alert, and no second sighting
        assert "已出现" not in alert.text
        # The guards' photo is now the sharp frame's (the best shot), buttons kept.
        await g.env.sandbox.wait_for(lambda sb: g.env.messages(g.group)[0].edited, timeout=10)
        [better] = g.env.messages(g.group)
        assert better.raw["photo"][-1]["file_id"] != first_photo
        assert better.button_labels == ["✅ 接警", "❌ 误报", "🚓 出警"]
        assert "张三" in better.text
        await g.env.press(g.guard, better, "✅ 接警")
        await g.env.sandbox.wait_for(
            lambda sb: "李保安 已于" in g.env.messages(g.group)[0].text, timeout=10
        )
        assert g.env.messages(g.group)[0].raw["photo"][-1]["file_id"] != first_photo


async def _handled(g: Gate, event_id: int) -> bool:
    async with g.env.services() as svc:
        event = await svc.session.get(CameraEvent, event_id)
        return event is not None and event.status == "done"


async def test_a_possible_band_face_is_only_a_please_verify_alert(
    make_bot_env: MakeBotEnv,
) -> None:
    # A strict match threshold puts the mirrored photo of the same face in the possible band.
    overrides = {"face_match_threshold": 0.001, "face_possible_threshold": 0.9}
    async with gate(make_bot_env, **overrides) as g:
        await watch_face(
            g.env, astronaut(), Kind.PERSONS_OF_INTEREST, "张三", "民警布控", keep_photo=True
        )
        await g.post(astronaut(mirror=True))
        [alert] = await g.alerts()
        biggest = alert.raw["photo"][-1]
        assert biggest["width"] > 1.8 * biggest["height"]  # the snapshot beside the enrolled photo
        assert "请核实：疑似重点人员" in alert.text
        assert "人脸：疑似" in alert.text
        assert "请先与本人核对" in alert.text


async def test_a_watched_plate_read_with_ocr_errors_alerts(make_bot_env: MakeBotEnv) -> None:
    async with gate(make_bot_env) as g:
        await watch_plate(g.env, "浙A0B123", "套牌嫌疑")
        await g.post(astronaut(), plate="浙AO8123")  # O for 0 and 8 for B, as cameras misread
        [alert] = await g.alerts()
        for words in ("布控车辆", "浙A0B123", "识别为 浙AO8123", "套牌嫌疑"):
            assert words in alert.text


async def test_an_accepted_event_survives_a_restart_and_is_alerted_exactly_once(
    make_bot_env: MakeBotEnv,
) -> None:
    async with gate(make_bot_env) as g:
        await watch_face(g.env, astronaut(), Kind.PERSONS_OF_INTEREST, "张三", "民警布控")
        await g.env.stop()  # the process is gone: the event is accepted but not processed
        async with g.env.services() as svc:
            accepted = await svc.camera_events.accept("gate-1", g.token, image=astronaut())
        await g.env.start()  # a new Application and worker over the same database
        [alert] = await g.alerts()
        assert "张三" in alert.text
        await g.env.restart()
        async with g.env.services() as svc:
            event = await svc.session.get(CameraEvent, accepted.event_id)
            assert event is not None
            assert event.status == "done"
            deliveries = await svc.session.scalar(select(func.count(Delivery.id)))
        assert deliveries == 1
        assert len(g.env.messages(g.group)) == 1


async def test_not_this_person_on_a_please_verify_alert_stops_the_repeat(
    make_bot_env: MakeBotEnv,
) -> None:
    overrides = {"face_match_threshold": 0.001, "face_possible_threshold": 0.9}
    async with gate(make_bot_env, **overrides) as g:
        await watch_face(g.env, astronaut(), Kind.PERSONS_OF_INTEREST, "张三", "民警布控")
        await g.post(astronaut(mirror=True))
        [alert] = await g.alerts()
        assert alert.button_labels == ["✅ 是本人", "❌ 不是本人", "🚓 出警"]
        pressed = await g.env.press(g.guard, alert, "❌ 不是本人")
        assert pressed.toast.startswith("❌ 已记录：不是本人")
        await g.env.sandbox.wait_for(
            lambda sb: "核实：不是本人" in g.env.messages(g.group)[0].text, timeout=10
        )
        assert g.env.messages(g.group)[0].button_labels == []
        # The same look-alike again: quiet. A camera's events are handled in order, so once
        # the alert for the exact photo posted after it arrives, the look-alike was handled.
        later = datetime.now(UTC) + timedelta(minutes=1)  # other passages, not more frames
        await g.post(astronaut(mirror=True), captured_at=later.isoformat())
        # The enrolled photo itself: a confident match, not quiet.
        await g.post(astronaut(), captured_at=(later + timedelta(minutes=1)).isoformat())
        await g.env.sandbox.wait_for(lambda sb: len(g.env.messages(g.group)) >= 2, timeout=30)
        messages = g.env.messages(g.group)
        assert len(messages) == 2
        later = messages[1].text
        assert "🚨 重点人员" in later
        assert "此人此前核实：是本人 0 次，不是本人 1 次" in later  # the verdict is shown
        assert "最近一次：李保安" in later


async def test_a_stranger_seen_three_times_alerts_once_and_one_passer_by_does_not(
    make_bot_env: MakeBotEnv,
) -> None:
    async with gate(make_bot_env) as g:
        async with g.env.services() as svc:
            svc.session.add(AlertRule(kind=AlertKind.STRANGER, params={"count": 3, "minutes": 10}))
        # One passer-by: several frames of one passage (one track) are one sighting.
        for _ in range(3):
            await g.post(astronaut(), track_id="t1")
        await g.post(astronaut(), track_id="t2")
        await g.post(astronaut(mirror=True), track_id="t3")  # the same face, mirrored
        [alert] = await g.alerts()
        assert "🚨 陌生人" in alert.text
        assert "未登记人员" in alert.text
        assert "已出现 3 次" in alert.text


async def test_a_saturated_guard_group_gets_a_digest_and_the_key_person_first(
    make_bot_env: MakeBotEnv,
) -> None:
    async with gate(make_bot_env) as g:
        await watch_face(g.env, astronaut(), Kind.PERSONS_OF_INTEREST, "张三", "民警布控")
        plates = [f"浙B{n:05d}" for n in range(24)]
        async with g.env.services() as svc:
            vehicles = await svc.watchlists.create(SYSTEM, kind=Kind.VEHICLES, name="布控车辆")
            for plate in plates:
                await svc.watchlists.add_plate(
                    SYSTEM, vehicles.id, plate, reason="布控", authority="协查"
                )
        await g.env.stop()  # a burst arrives while the bot is away (or Telegram is)
        async with g.env.services() as svc:
            for plate in plates:
                event = await svc.camera_events.accept("gate-1", g.token, image=astronaut())
                await svc.camera_events.record(
                    event.event_id, Observation(plate=PlateSighting(plate, "camera")), exact_plates
                )
        async with g.env.services() as svc:
            event = await svc.camera_events.accept("gate-1", g.token, image=astronaut())
            face_id = await svc.session.scalar(select(FaceTemplate.id))
            await svc.camera_events.record(
                event.event_id,
                Observation(faces=(FaceSighting(face_id, MatchBand.MATCH, 0.1),)),
                exact_plates,
            )
        await g.env.start()
        sent = await g.env.sandbox.wait_for_bot_messages(g.group, 20, timeout=60)
        texts = [Reply(m).text for m in sent]
        assert len(g.env.messages(g.group)) == 20  # 19 alerts and one digest, not 25
        assert any("张三" in text for text in texts)  # the key person was not folded
        [digest] = [text for text in texts if "另有 6 条告警" in text]
        assert digest.count("布控车辆") == 6
