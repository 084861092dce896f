"""Watchlist safeguards: who, why, on what authority, until when; expiry, ending, the purge
of expired entries with their face data, the weekly notice to admins, and the audit trail."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from core.bootstrap import Storage
from core.errors import InvalidInput
from core.models import (
    AuditEntry,
    CameraKind,
    FaceTemplate,
    GroupRole,
    MatchBand,
    PhotoKind,
    Role,
    StoredPhoto,
    WatchlistEntry,
    WatchlistKind,
)
from core.roles import Actor
from core.services import ServiceFactory
from core.services.visits import FaceEnrolment
from core.services.watchlists import EXPIRING_KIND
from core.sightings import FaceSighting, Observation, exact_plates
from tests.core.notices import Told
from tests.core.supervision_factories import FrozenClock, local, with_context

SYSTEM = Actor.system("test")
NOW = local(2026, 12, 2, 10, 0)  # a Wednesday


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 60, 30)).save(out, "JPEG")
    return out.getvalue()


FACE = FaceEnrolment(data=jpeg(), embedding=b"\0" * 8, backend="t", dimensions=2, quality=1.0)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def services(storage: Storage, clock: FrozenClock) -> ServiceFactory:
    return with_context(storage.services, clock=clock)


async def gate(services: ServiceFactory) -> str:
    """A face camera and a guard group; the camera's token."""
    async with services() as svc:
        await svc.houses.ensure_community(SYSTEM, "安宁社区", "0571-1")
        await svc.groups.add(SYSTEM, chat_id=-100, role=GroupRole.GUARDS)
        _camera, token = await svc.cameras.add(
            SYSTEM, camera_id="gate-1", kind=CameraKind.FACE, name="北门"
        )
        await svc.alerts.ensure_default_rules()
    return token


async def sighted(services: ServiceFactory, token: str, template_id: int) -> int:
    """A camera event in which the template's face is seen; how many alerts it raised."""
    async with services() as svc:
        accepted = await svc.camera_events.accept("gate-1", token, image=jpeg())
    seen = Observation(faces=(FaceSighting(template_id, MatchBand.MATCH, 0.3, None, 80.0),))
    async with services() as svc:
        return len(await svc.camera_events.record(accepted.event_id, seen, exact_plates))


async def test_an_entry_says_who_why_on_what_authority_and_until_when(
    services: ServiceFactory,
) -> None:
    async with services() as svc:
        officer = await svc.members.add(SYSTEM, telegram_id=5, role=Role.POLICE, name="王警官")
        police = Actor(Role.POLICE, officer.id)
        vehicles = await svc.watchlists.find(police, "vehicles", create=True)
        entry = await svc.watchlists.add_plate(
            police, vehicles.id, "皖a12345", reason="盗抢车辆", authority="协查函 118"
        )
        missing = await svc.watchlists.find(police, "missing", create=True)
        lost = await svc.watchlists.add_face(
            police, missing.id, name="钱奶奶", face=FACE, reason="易走失", authority="家属报告"
        )
        view = await svc.watchlists.get(police, entry.id)
    assert (view.subject, view.reason, view.authority) == ("皖A12345", "盗抢车辆", "协查函 118")
    assert view.added_by == "王警官"
    assert view.expires == NOW + timedelta(days=90)
    assert lost.entry.expires is None, "a missing person is looked for until found"
    assert lost.entry.list_name == "走失人员"


@pytest.mark.parametrize(
    ("reason", "authority", "days", "field"),
    [
        ("  ", "协查 1", None, "reason"),
        ("套牌", "", None, "authority"),
        ("套牌", "协查 1", -1, "expires"),
        ("套牌", "协查 1", 400, "expires"),
    ],
)
async def test_an_entry_without_its_safeguards_is_refused(
    services: ServiceFactory, reason: str, authority: str, days: int | None, field: str
) -> None:
    expires = NOW + timedelta(days=days) if days is not None else None
    async with services() as svc:
        vehicles = await svc.watchlists.find(SYSTEM, "vehicles", create=True)
        with pytest.raises(InvalidInput) as refused:
            await svc.watchlists.add_plate(
                SYSTEM,
                vehicles.id,
                "浙A12345",
                reason=reason,
                authority=authority,
                expires=expires,
            )
    assert refused.value.detail == field


async def test_the_residents_list_takes_no_watch_entries(services: ServiceFactory) -> None:
    async with services() as svc:
        residents = await svc.watchlists.create(SYSTEM, kind=WatchlistKind.RESIDENTS, name="住户")
        with pytest.raises(InvalidInput):
            await svc.watchlists.add_face(
                SYSTEM, residents.id, name="甲", face=FACE, reason="x", authority="y"
            )


async def test_a_full_width_plate_is_stored_in_ascii(services: ServiceFactory) -> None:
    async with services() as svc:
        vehicles = await svc.watchlists.create(SYSTEM, kind=WatchlistKind.VEHICLES, name="布控")
        entry = await svc.watchlists.add_plate(
            SYSTEM, vehicles.id, " 浙ａ １２３\u200b４５ ", reason="套牌", authority="协查"
        )
        assert entry.plate == "浙A12345"
        with pytest.raises(InvalidInput):
            await svc.watchlists.add_plate(
                SYSTEM, vehicles.id, "浙Ａ\u200b\u200b\u200b", reason="套牌", authority="协查"
            )


async def test_an_expired_entry_stops_matching_and_is_purged_with_its_face_data(
    services: ServiceFactory, clock: FrozenClock, told: Told
) -> None:
    token = await gate(services)
    async with services() as svc:
        key = await svc.watchlists.find(SYSTEM, "persons_of_interest", create=True)
        added = await svc.watchlists.add_face(
            SYSTEM,
            key.id,
            name="张三",
            face=FACE,
            reason="民警布控",
            authority="协查 7",
            expires=NOW + timedelta(days=1),
        )
    assert await sighted(services, token, added.template_id) == 1
    clock.advance(days=2)
    assert await sighted(services, token, added.template_id) == 0, "expired: no alert"
    async with services() as svc:
        purged = await svc.watchlists.purge_expired(SYSTEM)
    assert (purged.entries, purged.template_ids, purged.photos) == (1, (added.template_id,), 1)
    async with services() as svc:
        assert await svc.session.get(WatchlistEntry, added.entry.id) is None
        assert await svc.session.get(FaceTemplate, added.template_id) is None
        faces = await svc.session.scalars(
            select(StoredPhoto).where(StoredPhoto.kind == PhotoKind.FACE)
        )
        assert faces.all() == []
        actions = [
            (a.action, a.subject_type)
            for a in await svc.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]
    for expected in (
        ("watch", "person"),
        ("match", "watchlist_entry"),
        ("purge", "watchlist_entry"),
        ("purge_face", "person"),
    ):
        assert expected in actions


async def test_a_found_missing_person_stops_matching_at_once_and_is_kept_30_days(
    services: ServiceFactory, clock: FrozenClock, told: Told
) -> None:
    token = await gate(services)
    async with services() as svc:
        missing = await svc.watchlists.find(SYSTEM, "missing", create=True)
        added = await svc.watchlists.add_face(
            SYSTEM, missing.id, name="钱奶奶", face=FACE, reason="易走失", authority="家属"
        )
        ended = await svc.watchlists.end(SYSTEM, added.entry.id, reason="found")
    assert ended.end_reason == "found"
    assert await sighted(services, token, added.template_id) == 0
    clock.advance(days=29)
    async with services() as svc:
        assert (await svc.watchlists.purge_expired(SYSTEM)).entries == 0
    clock.advance(days=2)
    async with services() as svc:
        assert (await svc.watchlists.purge_expired(SYSTEM)).entries == 1
        audit = await svc.audit.entries(SYSTEM, subject_type="watchlist_entry")
    assert {"unwatch", "purge"} <= {a.action for a in audit}


async def test_a_face_another_list_still_needs_is_kept(services: ServiceFactory) -> None:
    async with services() as svc:
        key = await svc.watchlists.find(SYSTEM, "persons_of_interest", create=True)
        care = await svc.watchlists.find(SYSTEM, "care", create=True)
        added = await svc.watchlists.add_face(
            SYSTEM, key.id, name="赵六", face=FACE, reason="布控", authority="协查"
        )
        assert added.entry.person_id is not None
        await svc.watchlists.add_person(
            SYSTEM, care.id, added.entry.person_id, reason="独居", authority="走访"
        )
        await svc.watchlists.end(SYSTEM, added.entry.id)
        purged = await svc.watchlists.purge_expired(SYSTEM)
        assert (purged.entries, purged.template_ids) == (1, ())
        assert await svc.session.get(FaceTemplate, added.template_id) is not None


async def test_admins_are_told_weekly_which_entries_expire_soon(
    services: ServiceFactory, told: Told
) -> None:
    async with services() as svc:
        await svc.members.add(SYSTEM, telegram_id=9, role=Role.ADMIN, name="管理员")
        vehicles = await svc.watchlists.find(SYSTEM, "vehicles", create=True)
        for plate, days in (("浙A11111", 5), ("浙A22222", 60)):
            await svc.watchlists.add_plate(
                SYSTEM,
                vehicles.id,
                plate,
                reason="套牌",
                authority="协查",
                expires=NOW + timedelta(days=days),
            )
    for _ in range(2):  # the job ran twice this week: one notice
        async with services() as svc:
            assert await svc.watchlists.tell_expiring(timedelta(days=14)) == 1
    notices = [(n, r) for n, r in told if n.kind == EXPIRING_KIND]
    assert len(notices) == 2  # rendered each time; the dedup key keeps one delivery
    [notice, recipient] = notices[0]
    assert recipient.chat_id == 9
    assert [e.subject for e in notice.params["entries"]] == ["浙A11111"]
    async with services() as svc:
        from core.models import Delivery

        deliveries = (await svc.session.scalars(select(Delivery))).all()
    assert len(deliveries) == 1
