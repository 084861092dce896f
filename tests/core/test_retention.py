"""Retention end to end: what is due goes (rows and files), what is held or current stays,
every purge is counted in the audit log, and a second run finds nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.bootstrap import Storage
from core.errors import ConfigurationError
from core.models import (
    AuditEntry,
    Camera,
    CameraKind,
    FaceTemplate,
    Passage,
    Person,
    PhotoKind,
    Report,
    ReportCategory,
    ReportStatus,
    StoredPhoto,
    WatchlistEntry,
    WatchlistKind,
)
from core.retention import months_before
from core.roles import Actor
from core.services import ServiceFactory
from core.services.privacy.retention import enforce_retention
from core.settings import load_settings
from tests.core.pictures import picture


async def _resident(svc, admin: Actor, house_id: int, name: str, *, moved_out: bool) -> int:  # type: ignore[no-untyped-def]
    person = await svc.persons.add(admin, name=name, id_number=None)
    residency = await svc.persons.add_residency(
        admin, person_id=person.id, house_id=house_id, moved_in=date(2025, 1, 1)
    )
    for kind in (PhotoKind.ID_FRONT, PhotoKind.ID_BACK):
        await svc.photos.store(admin, kind, picture(f"{name}{kind}"), person_id=person.id)
    face = await svc.photos.store(
        admin, PhotoKind.FACE, picture(f"{name}face"), person_id=person.id
    )
    sealed, key_id = svc.persons.seal_template(np.ones(128, np.float32).tobytes())
    svc.session.add(
        FaceTemplate(
            person_id=person.id,
            backend="dlib",
            dimensions=128,
            vector=sealed,
            key_id=key_id,
            photo_id=face.id,
        )
    )
    await svc.watchlists.enrol_resident(admin, person.id)
    if moved_out:
        await svc.persons.move_out(admin, residency, datetime.now(UTC).date())
    return person.id


async def test_daily_purge(storage: Storage, admin: Actor) -> None:
    now = datetime.now(UTC)
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区")
        grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        house, _ = await svc.houses.save_house(
            admin, building=building, code="A-1", standard_address="安宁路1号"
        )
        gone = await _resident(svc, admin, house.id, "张三", moved_out=True)
        held = await _resident(svc, admin, house.id, "李四", moved_out=True)
        stays = await _resident(svc, admin, house.id, "王五", moved_out=False)
        wanted = await svc.watchlists.create(
            admin, kind=WatchlistKind.PERSONS_OF_INTEREST, name="在逃"
        )
        svc.session.add(WatchlistEntry(watchlist_id=wanted.id, person_id=held, note="协查"))
        svc.session.add(Camera(id="gate", name="东门", kind=CameraKind.FACE, token_hash="t"))
        snapshot = await svc.photos.store(admin, PhotoKind.SNAPSHOT, picture("snap"))
        await svc.session.flush()
        svc.session.add(Passage(camera_id="gate", seen_at=now, snapshot_id=snapshot.id))
        report = Report(category=ReportCategory.HAZARD, text="井盖", status=ReportStatus.RESOLVED)
        report.created_at = report.updated_at = now
        svc.session.add(report)
        await svc.session.flush()
        await svc.photos.store(admin, PhotoKind.REPORT, picture("report"), report_id=report.id)
        svc.session.add(
            AuditEntry(
                at=now - timedelta(days=4 * 366),
                actor_label="old",
                action="read",
                subject_type="person",
                subject_id="1",
            )
        )
    data_dir = storage.services.context.data_dir
    files_before = {p for p in (data_dir / "photos").rglob("*.bin")}
    assert len(files_before) == 3 * 3 + 2

    later = now + timedelta(days=400)
    services = ServiceFactory(dataclasses.replace(storage.services.context, clock=lambda: later))
    async with services() as svc:
        due = await svc.retention.due(admin)
    expected = {
        "snapshots": 1,
        "snapshots_held": 0,
        "unknown_faces": 0,
        "persons": 1,
        "person_photos": 3,
        "templates": 1,
        "held": 1,
        "report_photos": 1,
        "audit_entries": 1,
    }
    assert due.counts() == expected
    async with storage.services() as svc:  # `due` changed nothing
        assert await svc.session.scalar(select(func.count()).select_from(StoredPhoto)) == 11

    report_ = await enforce_retention(services, Actor.system("retention"))
    assert report_.counts() == expected
    assert len(report_.template_ids) == 1
    files_after = {p for p in (data_dir / "photos").rglob("*.bin")}
    assert len(files_before - files_after) == 5
    async with storage.services() as svc:
        person = await svc.session.get(Person, gone)
        assert person is not None
        assert person.name == "张三"  # the record stays, marked
        assert person.pictures_purged_at is not None
        kinds = {
            pid: await svc.session.scalar(select(func.count()).where(StoredPhoto.person_id == pid))
            for pid in (gone, held, stays)
        }
        assert kinds == {gone: 0, held: 3, stays: 3}
        templates = await svc.session.scalars(select(FaceTemplate.person_id))
        assert sorted(templates) == sorted([held, stays])
        residents_list = await svc.watchlists.of_kind(WatchlistKind.RESIDENTS)
        assert residents_list is not None
        listed = await svc.session.scalars(
            select(WatchlistEntry.person_id).where(
                WatchlistEntry.watchlist_id == residents_list.id
            )
        )
        assert sorted(listed) == sorted([held, stays])
        passage = await svc.session.scalar(select(Passage))
        assert passage is not None
        assert passage.snapshot_id is None
        purges = (
            await svc.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "retention_purge")
            )
        ).all()
        assert {(e.subject_type, e.subject_id) for e in purges} == {
            ("person", str(gone)),
            ("retention", "daily"),
        }
        daily = next(e for e in purges if e.subject_type == "retention")
        assert daily.details["counts"] == expected
        assert (
            await svc.session.scalar(select(func.count()).where(AuditEntry.actor_label == "old"))
            == 0
        )

    again = await enforce_retention(services, Actor.system("retention"))
    assert sum(again.counts().values()) == 1  # only the one still held
    assert again.held == 1


def test_the_audit_log_must_outlive_the_data() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(_env_file=None, retention_moved_out_months=24, retention_audit_months=12)
    assert caught.value.variable.startswith("SAFECOMMUNITY_")


def test_months_before_clamps_to_the_end_of_a_month() -> None:
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )
