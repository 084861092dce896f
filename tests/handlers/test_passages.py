"""/plate and /passages end to end: tolerant plate search with sealed snapshots, the latest
passages per camera and since a time, paging buttons, both languages, a resident refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlalchemy import select

from core.models import AuditEntry, CameraKind, Passage, PhotoKind, Role
from tests.e2e import SYSTEM, BotEnv

NOW = datetime.now(UTC).replace(microsecond=0)


def jpeg(colour: str = "gray") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


async def seed(env: BotEnv, plates: list[tuple[str, str, int]]) -> None:
    """Two cameras and one passage per (camera, plate, minutes ago), each with a snapshot."""
    async with env.services() as svc:
        await svc.cameras.add(SYSTEM, camera_id="gate-1", kind=CameraKind.PLATE, name="北门车道")
        await svc.cameras.add(SYSTEM, camera_id="gate-2", kind=CameraKind.PLATE, name="南门车道")
        for camera, plate, minutes in plates:
            photo = await svc.photos.store(SYSTEM, PhotoKind.SNAPSHOT, jpeg())
            svc.session.add(
                Passage(
                    camera_id=camera,
                    seen_at=NOW - timedelta(minutes=minutes),
                    plate=plate,
                    direction="in",
                    snapshot_id=photo.id,
                )
            )


async def test_a_guard_finds_a_plate_read_with_errors_with_its_photos(bot_env: BotEnv) -> None:
    await seed(
        bot_env,
        [("gate-1", "皖A0B123", 30), ("gate-2", "皖AO8123", 10), ("gate-1", "皖A99999", 5)],
    )
    guard = await bot_env.user(Role.GUARD, name="李保安")
    replies = await bot_env.say_all(guard, "/plate 皖A0B123", count=3)
    first, second, title = replies
    assert "photo" in first.raw
    assert "photo" in second.raw
    assert "南门车道" in first.text
    assert "皖A0B123" not in first.text
    assert "北门车道" in second.text
    assert "皖A0B123" in second.text
    assert "共 2 条通行记录" in title.text
    assert not title.buttons
    assert all("皖A99999" not in r.text for r in replies)
    async with bot_env.services() as svc:
        audit = list(await svc.session.scalars(select(AuditEntry)))
    searches = [a for a in audit if a.action == "search_passages"]
    assert len(searches) == 1
    assert searches[0].details["total"] == 2
    reads = [a for a in audit if a.action == "read_photo" and a.flow == "passages"]
    assert len(reads) == 2
    assert all(a.details["reason"] == "plate 皖A0B123" for a in reads)


async def test_plate_results_are_paged_by_button(bot_env: BotEnv) -> None:
    await seed(bot_env, [("gate-1", "浙B12345", minutes) for minutes in range(7)])
    police = await bot_env.user(Role.POLICE)
    replies = await bot_env.say_all(police, "/plate 浙B12345", count=6)
    pager = replies[-1]
    assert pager.button_labels == ["1/2", "▶️"]
    before = len(bot_env.messages(police.id))
    await bot_env.press(police, pager, "▶️")
    sent = await bot_env.sandbox.wait_for_bot_messages(police.id, before + 3)
    assert [m.get("photo") is not None for m in sent[before : before + 2]] == [True, True]
    assert sent[-1]["reply_markup"]["inline_keyboard"][0][0]["text"] == "◀️"


async def test_no_plate_and_no_passages(bot_env: BotEnv) -> None:
    await seed(bot_env, [])
    admin = await bot_env.user(Role.ADMIN, language_code="en")
    assert "/plate 皖A12345" in (await bot_env.say(admin, "/plate")).text
    assert "No passages of 京A00000" in (await bot_env.say(admin, "/plate 京A00000")).text


async def test_latest_passages_per_camera_and_since_in_both_languages(bot_env: BotEnv) -> None:
    await seed(
        bot_env,
        [("gate-1", "沪A11111", 300), ("gate-2", "沪A22222", 20), ("gate-1", "沪A33333", 5)],
    )
    guard = await bot_env.user(Role.GUARD)
    listing = await bot_env.say(guard, "/passages")
    lines = listing.text.splitlines()
    assert "共 3 条通行记录" in lines[0]
    assert "沪A33333" in lines[1]
    assert "北门车道 · 进" in lines[1]
    assert "沪A11111" in lines[3]

    police = await bot_env.user(Role.POLICE, language_code="en")
    one_camera = await bot_env.say(police, "/passages gate-1")
    assert "2 passages" in one_camera.text
    assert "沪A22222" not in one_camera.text
    assert "北门车道 · in · 沪A33333" in one_camera.text
    since = (NOW - timedelta(hours=1)).astimezone(bot_env.settings.zone)
    recent = await bot_env.say(police, f"/passages 北门车道 {since:%Y-%m-%d %H:%M}")
    assert "1 passage," in recent.text
    assert "沪A11111" not in recent.text
    assert "No camera called nowhere" in (await bot_env.say(police, "/passages nowhere")).text


async def test_latest_passages_are_paged(bot_env: BotEnv) -> None:
    await seed(bot_env, [("gate-1", f"苏E{n:05d}", n) for n in range(12)])
    guard = await bot_env.user(Role.GUARD, language_code="en")
    first = await bot_env.say(guard, "/passages")
    assert first.button_labels == ["1/2", "▶️"]
    assert "苏E00000" in first.text
    pressed = await bot_env.press(guard, first, "▶️")
    assert "苏E00011" in pressed.message.text
    assert "苏E00000" not in pressed.message.text
    assert pressed.message.button_labels == ["◀️", "2/2"]


async def test_a_resident_is_refused(bot_env: BotEnv) -> None:
    await seed(bot_env, [("gate-1", "皖A0B123", 3)])
    resident = await bot_env.user(Role.RESIDENT)
    assert "仅限保安、民警和管理员" in (await bot_env.say(resident, "/plate 皖A0B123")).text
    assert "仅限保安、民警和管理员" in (await bot_env.say(resident, "/passages")).text
    stranger = await bot_env.user(language_code="en")
    assert "for guards, police and admins" in (await bot_env.say(stranger, "/passages")).text
    async with bot_env.services() as svc:
        actions = set(await svc.session.scalars(select(AuditEntry.action)))
    assert "search_passages" not in actions
    assert "list_passages" not in actions
