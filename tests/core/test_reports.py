"""Reports in core: filing, limits, similar reports, the state machine, the reporter's side."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from core.bootstrap import Storage
from core.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from core.models import (
    GroupChat,
    GroupRole,
    HazardKind,
    PhotoKind,
    ReportCategory,
    ReportClosure,
    ReportStatus,
    ReportStatusChange,
    Role,
    StoredPhoto,
)
from core.notify import AudienceKind
from core.retention import months_before
from core.roles import Actor
from core.services.privacy.retention import enforce_retention
from core.services.reports import (
    CHANGE_KIND,
    MAX_TEXT,
    NEW_KIND,
    NewReport,
    Reporter,
    ReportStateError,
)
from tests.bot.sandbox.sandbox_helpers import jpeg, ogg
from tests.core.notices import Told

STAFF_CHAT = -100_555


@dataclass
class World:
    house_id: int
    building_id: int
    grid_id: int
    resident: Actor
    reporter: Reporter
    cadre: Actor
    police: Actor


async def world(storage: Storage, admin: Actor) -> World:
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区")
        grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        house, _ = await svc.houses.save_house(
            admin, building=building, code="H-1", standard_address="文三路1号1幢101室"
        )
        await svc.groups.add(admin, chat_id=STAFF_CHAT, role=GroupRole.STAFF, title="工作群")
        resident = await svc.members.add(admin, telegram_id=501, role=Role.RESIDENT, name="李四")
        cadre = await svc.members.add(admin, telegram_id=502, role=Role.CADRE, name="王芳")
        police = await svc.members.add(admin, telegram_id=503, role=Role.POLICE, name="赵警官")
        await svc.members.add(admin, telegram_id=504, role=Role.ADMIN, name="张明")
    return World(
        house.id,
        building.id,
        grid.id,
        Actor(Role.RESIDENT, resident.id),
        Reporter(501, "en", "李四", resident.id),
        Actor(Role.CADRE, cadre.id),
        Actor(Role.POLICE, police.id),
    )


def hazard(**changes: object) -> NewReport:
    new = NewReport(
        category=ReportCategory.HAZARD,
        hazard=HazardKind.BLOCKED_PASSAGE,
        text="3楼楼道堆满纸箱，消防通道被堵",
        latitude=30.27,
        longitude=120.15,
    )
    return replace(new, **changes)  # type: ignore[arg-type]


async def test_filing_stores_the_report_and_pushes_it_to_the_staff_group(
    storage: Storage, admin: Actor, told: Told
) -> None:
    w = await world(storage, admin)
    async with storage.services() as svc:
        view = await svc.reports.file(
            w.resident, w.reporter, hazard(photos=(jpeg(400, 300),), building_id=w.building_id)
        )
    assert view.status is ReportStatus.NEW
    assert view.grid_id == w.grid_id
    assert view.reporter_name == "李四"
    assert len(view.photos) == 1
    [(notice, recipient)] = told
    assert notice.kind == NEW_KIND
    assert recipient.chat_id == STAFF_CHAT
    assert notice.photo == view.photos[0]
    assert (storage.services.context.data_dir / view.photos[0]).exists()


async def test_without_a_staff_group_the_admins_hear_of_it(
    storage: Storage, admin: Actor, told: Told
) -> None:
    w = await world(storage, admin)
    async with storage.services() as svc:
        await svc.session.execute(delete(GroupChat))
    async with storage.services() as svc:
        await svc.reports.file(w.resident, w.reporter, hazard())
    assert [r.chat_id for _, r in told] == [504]


async def test_limits_and_who_may_file(storage: Storage, admin: Actor, told: Told) -> None:
    w = await world(storage, admin)
    async with storage.services() as svc:
        with pytest.raises(InvalidInput):
            await svc.reports.file(w.resident, w.reporter, hazard(text="  "))
        with pytest.raises(InvalidInput):
            await svc.reports.file(w.resident, w.reporter, hazard(text="长" * (MAX_TEXT + 1)))
        with pytest.raises(InvalidInput):
            await svc.reports.file(w.resident, w.reporter, hazard(photos=(jpeg(50, 50),) * 6))
        # A stranger without a house card may not file; with one (a tenant) they may.
        tenant = Reporter(900, "zh_CN", "小李")
        with pytest.raises(PermissionDenied):
            await svc.reports.file(None, tenant, hazard())
        view = await svc.reports.file(None, tenant, hazard(house_id=w.house_id))
        assert view.place == "文三路1号1幢101室"
        # A voice note may stand for the text.
        voiced = await svc.reports.file(w.resident, w.reporter, hazard(text="", voice=ogg()))
        assert (voiced.text, voiced.has_voice) == ("", True)
        # Kept sealed in the photo store, played back to staff only, the read audited.
        assert await svc.reports.voice(admin, voiced.id) == ogg()
        with pytest.raises(PermissionDenied):
            await svc.reports.voice(w.resident, voiced.id)
        with pytest.raises(InvalidInput):  # only OGG/Opus, as Telegram's clients record
            await svc.reports.file(w.resident, w.reporter, hazard(text="", voice=b"RIFF"))


async def test_rate_limit_per_reporter(storage: Storage, admin: Actor, told: Told) -> None:
    w = await world(storage, admin)
    limit = storage.services.context.reports.rate_limit
    async with storage.services() as svc:
        for _ in range(limit):
            await svc.reports.file(w.resident, w.reporter, hazard())
    async with storage.services() as svc:
        assert await svc.reports.next_allowed(w.reporter.telegram_id) is not None
        with pytest.raises(RateLimited):
            await svc.reports.file(w.resident, w.reporter, hazard())


async def test_similar_reports_nearby_or_in_the_building_and_following(
    storage: Storage, admin: Actor, told: Told
) -> None:
    w = await world(storage, admin)
    async with storage.services() as svc:
        near = await svc.reports.file(w.resident, w.reporter, hazard())
        same_building = await svc.reports.file(
            w.resident, w.reporter, hazard(latitude=None, longitude=None, house_id=w.house_id)
        )
        await svc.reports.file(w.resident, w.reporter, hazard(latitude=31.0, longitude=121.0))
        await svc.reports.file(
            w.resident, w.reporter, hazard(category=ReportCategory.DISPUTE, hazard=None)
        )
    async with storage.services() as svc:
        found = await svc.reports.similar(
            ReportCategory.HAZARD, latitude=30.2705, longitude=120.1505, building_id=w.building_id
        )
    assert {s.id for s in found} == {near.id, same_building.id}
    assert next(s for s in found if s.id == near.id).meters is not None

    neighbour = Reporter(777, "zh_CN", "邻居")
    async with storage.services() as svc:
        await svc.reports.follow(neighbour, near.id)
        await svc.reports.follow(neighbour, near.id)  # twice is once
        assert [v.id for v in await svc.reports.mine(777)] == [near.id]
    told.clear()
    async with storage.services() as svc:
        await svc.reports.take(w.cadre, near.id)
    chats = sorted(r.chat_id for n, r in told if n.kind == CHANGE_KIND)
    assert chats == [501, 777]


async def test_the_state_machine_and_who_may_move_it(
    storage: Storage, admin: Actor, told: Told
) -> None:
    w = await world(storage, admin)
    async with storage.services() as svc:
        view = await svc.reports.file(w.resident, w.reporter, hazard(anonymous=True))
        dispute = await svc.reports.file(
            w.resident, w.reporter, hazard(category=ReportCategory.PUBLIC_ORDER, hazard=None)
        )
    assert view.reporter_name == ""  # anonymous: the staff's view has no name
    async with storage.services() as svc:
        with pytest.raises(PermissionDenied):
            await svc.reports.take(w.resident, view.id)
        with pytest.raises(PermissionDenied):  # police: public order only
            await svc.reports.take(w.police, view.id)
        assert (await svc.reports.take(w.police, dispute.id)).status is ReportStatus.ACKNOWLEDGED
    told.clear()
    async with storage.services() as svc:
        taken = await svc.reports.take(w.cadre, view.id)
        assert (taken.status, taken.assignee_name) == (ReportStatus.ACKNOWLEDGED, "王芳")
        progress = await svc.reports.update(w.cadre, view.id, "已联系物业", jpeg(300, 300))
        assert progress.status is ReportStatus.IN_PROGRESS
        assert len(progress.photos) == 0  # the staff's photo is not the reporter's
        done = await svc.reports.resolve(w.cadre, view.id, "纸箱已清走")
        assert done.status is ReportStatus.RESOLVED
        with pytest.raises(ReportStateError):
            await svc.reports.update(w.cadre, view.id, "again")
    # Anonymous or not, every step reached the reporter (by their member account).
    steps = [n.params["change"].event for n, r in told if n.kind == CHANGE_KIND]
    assert steps == ["acknowledged", "update", "resolved"]
    assert {n.audience.kind for n, _ in told if n.kind == CHANGE_KIND} == {AudienceKind.MEMBER}
    assert next(n for n, _ in told if n.params["change"].event == "update").photo is not None


async def test_questionnaire_and_reopening(storage: Storage, admin: Actor, told: Told) -> None:
    w = await world(storage, admin)
    async with storage.services() as svc:
        view = await svc.reports.file(w.resident, w.reporter, hazard())
        await svc.reports.resolve(w.cadre, view.id, "修好了")
    async with storage.services() as svc:
        with pytest.raises(PermissionDenied):
            await svc.reports.answer_fixed(999, view.id, True)  # not their report
        reopened = await svc.reports.answer_fixed(501, view.id, False)
        assert reopened.status is ReportStatus.ACKNOWLEDGED
        assert reopened.reopen_count == 1
        await svc.reports.resolve(w.cadre, view.id, "这次真的修好了")
        await svc.reports.answer_fixed(501, view.id, True)
        with pytest.raises(ReportStateError):
            await svc.reports.answer_fixed(501, view.id, True)  # asked once
        rated = await svc.reports.rate(501, view.id, 5)
        assert rated.satisfaction == 5
        await svc.reports.comment(501, view.id, "很及时")
        with pytest.raises(InvalidInput):
            await svc.reports.rate(501, view.id, 6)


async def test_reopen_window_and_closing(storage: Storage, admin: Actor, told: Told) -> None:
    w = await world(storage, admin)
    now = [datetime(2026, 3, 1, tzinfo=UTC)]
    context = storage.services.context
    clock = context.clock
    object.__setattr__(context, "clock", lambda: now[0])
    try:
        async with storage.services() as svc:
            first = await svc.reports.file(w.resident, w.reporter, hazard())
            second = await svc.reports.file(w.resident, w.reporter, hazard())
            closed = await svc.reports.close(
                w.cadre, second.id, ReportClosure.DUPLICATE, duplicate_of=first.id
            )
            assert (closed.status, closed.duplicate_of_id) == (ReportStatus.CLOSED, first.id)
            with pytest.raises(NotFound):
                await svc.reports.close(
                    w.cadre, first.id, ReportClosure.DUPLICATE, duplicate_of=12345
                )
            referred = await svc.reports.close(
                w.cadre, first.id, ReportClosure.NOT_RESPONSIBLE, referred_to="燃气公司"
            )
            assert referred.referred_to == "燃气公司"
        now[0] += timedelta(days=context.reports.reopen_days + 1)
        async with storage.services() as svc:
            with pytest.raises(ReportStateError):
                await svc.reports.reopen(501, first.id, "还是堵着")
        now[0] -= timedelta(days=2)
        async with storage.services() as svc:
            again = await svc.reports.reopen(501, first.id, "还是堵着")
            assert again.status is ReportStatus.NEW
        assert any(n.kind == NEW_KIND and n.params["event"] == "reopened" for n, _ in told)
    finally:
        object.__setattr__(context, "clock", clock)


async def test_retention_purges_photos_of_ended_reports_from_when_they_ended(
    storage: Storage, admin: Actor, told: Told
) -> None:
    """Report photos are sealed by the photo store; retention removes those of resolved or
    closed reports `report_photo_months` after the report was resolved or closed, however
    late the questionnaire was answered, and never those of a report open again."""
    w = await world(storage, admin)
    t0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
    now = [t0]
    context = storage.services.context
    clock = context.clock
    object.__setattr__(context, "clock", lambda: now[0])
    months = context.retention.report_photo_months
    try:
        async with storage.services() as svc:
            answered = await svc.reports.file(
                w.resident, w.reporter, hazard(photos=(jpeg(320, 240, "red"),))
            )
            await svc.reports.resolve(w.cadre, answered.id, "已清理", jpeg(320, 240, "blue"))
            rejected = await svc.reports.file(
                w.resident, w.reporter, hazard(photos=(jpeg(320, 240, "green"),))
            )
            await svc.reports.close(w.cadre, rejected.id, ReportClosure.NO_ACTION)
            reopened = await svc.reports.file(
                w.resident, w.reporter, hazard(photos=(jpeg(320, 240, "white"),))
            )
            await svc.reports.resolve(w.cadre, reopened.id, "修好了")
            working = await svc.reports.file(
                w.resident, w.reporter, hazard(photos=(jpeg(320, 240, "black"),))
            )
            await svc.reports.update(w.cadre, working.id, "处理中")
        now[0] = t0 + timedelta(days=2)
        async with storage.services() as svc:  # not fixed: open again, closed months later
            await svc.reports.answer_fixed(501, reopened.id, False)
        now[0] = t0 + timedelta(days=330)
        async with storage.services() as svc:
            await svc.reports.close(w.cadre, reopened.id, ReportClosure.NO_ACTION)
            await svc.reports.answer_fixed(501, answered.id, True)  # answered late
            await svc.reports.rate(501, answered.id, 4)
        async with storage.services() as svc:
            photos = (
                await svc.session.scalars(
                    select(StoredPhoto).where(StoredPhoto.kind == PhotoKind.REPORT)
                )
            ).all()
        assert len(photos) == 5
        for photo in photos:  # sealed at rest: the file is no picture
            assert photo.key_id == context.vault.key_id
            data = (context.data_dir / photo.path).read_bytes()
            assert not data.startswith(b"\xff\xd8"), photo.kind

        now[0] = months_before(t0, -months) + timedelta(days=1)
        purged = await enforce_retention(storage.services, admin)
        assert purged.report_photos == 3  # the answered report's two, the rejected one's
        async with storage.services() as svc:
            left = await svc.session.scalars(
                select(StoredPhoto.report_id).where(StoredPhoto.kind == PhotoKind.REPORT)
            )
            assert sorted(left) == [reopened.id, working.id]
            steps = (
                await svc.session.scalars(
                    select(ReportStatusChange).where(ReportStatusChange.report_id == answered.id)
                )
            ).all()
            assert [s.event for s in steps] == ["filed", "resolved", "confirmed_fixed", "rated"]
            assert all(s.photo_id is None for s in steps)  # the step stays, without the photo
            assert (await svc.reports.staff_view(w.cadre, answered.id)).photos == ()
        assert not any((context.data_dir / p.path).exists() for p in photos[:2])
    finally:
        object.__setattr__(context, "clock", clock)
