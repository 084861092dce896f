"""A person's record end to end: search by what an officer has, the masked record, reasons
for revealing, the access export, erasure (refused while held) and the audit log's pages."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.bootstrap import Storage
from core.errors import AlreadyErased, ErasureHeld, InvalidInput
from core.models import (
    AuditEntry,
    Camera,
    CameraKind,
    FaceTemplate,
    Member,
    Passage,
    Person,
    PhotoKind,
    Report,
    ReportCategory,
    Role,
    StoredPhoto,
    Visitor,
    WatchlistEntry,
    WatchlistKind,
)
from core.roles import Actor
from core.services.audit import AuditFilter
from core.services.privacy.requests import archive_bytes
from core.services.privacy.retention import remove_unreferenced
from tests.core.pictures import picture

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
PLATE = "浙A12345"


@dataclass
class Seeded:
    person_id: int
    other_id: int
    face_photo_id: int
    officer_id: int
    poi_entry_id: int


async def _seed(storage: Storage, admin: Actor) -> Seeded:
    now = datetime.now(UTC)
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区")
        grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        house, _ = await svc.houses.save_house(
            admin, building=building, code="A-1", standard_address="安宁路1号101室"
        )
        person = await svc.persons.add(admin, name="张三", id_number=ID_NUMBER, phone=PHONE)
        other = await svc.persons.add(admin, name="张三丰", phone="13900001111")
        await svc.persons.add_residency(
            admin, person_id=person.id, house_id=house.id, moved_in=date(2025, 1, 1)
        )
        await svc.photos.store(admin, PhotoKind.ID_FRONT, picture("id"), person_id=person.id)
        face = await svc.photos.store(admin, PhotoKind.FACE, picture("face"), person_id=person.id)
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
        officer = await svc.members.add(admin, telegram_id=900, role=Role.POLICE, name="王警官")
        resident = await svc.members.add(admin, telegram_id=901, role=Role.RESIDENT, name="张三")
        member = await svc.session.get(Member, resident.id)
        assert member is not None
        member.person_id = person.id
        report = Report(category=ReportCategory.HAZARD, text="楼道堆物", reporter_id=resident.id)
        svc.session.add(report)
        svc.session.add(Camera(id="gate", name="东门", kind=CameraKind.FACE, token_hash="t"))
        snapshot = await svc.photos.store(admin, PhotoKind.SNAPSHOT, picture("snap"))
        await svc.session.flush()
        svc.session.add(
            Passage(
                camera_id="gate",
                seen_at=now - timedelta(hours=2),
                person_id=person.id,
                snapshot_id=snapshot.id,
            )
        )
        svc.session.add(
            Visitor(
                name="张三",
                host_house_id=house.id,
                person_id=person.id,
                plate=PLATE,
                valid_until=now + timedelta(days=1),
            )
        )
        wanted = await svc.watchlists.create(
            admin, kind=WatchlistKind.PERSONS_OF_INTEREST, name="协查名单"
        )
        entry = WatchlistEntry(
            watchlist_id=wanted.id,
            person_id=person.id,
            note="派出所协查",
            created_by_id=officer.id,
        )
        svc.session.add(entry)
        await svc.session.flush()
        return Seeded(person.id, other.id, face.id, officer.id, entry.id)


async def test_search_record_and_reveal(storage: Storage, admin: Actor) -> None:
    seeded = await _seed(storage, admin)
    police = Actor(role=Role.POLICE, member_id=seeded.officer_id)
    async with storage.services() as svc:
        records = svc.person_records
        by_name = await records.search(police, "张三")
        assert [m.id for m in by_name] == [seeded.person_id, seeded.other_id]
        for query in (ID_NUMBER, "002X", "1231002x", PHONE, "138 1234 5678", PLATE):
            found = await records.search(police, query)
            assert [m.id for m in found] == [seeded.person_id], query
        assert await records.search(police, "9999") == []
        assert await records.search(police, "13812340000") == []

        record = await records.record(police, seeded.person_id)
        assert record.person.id_number_masked == "1101**********002X"
        assert record.person.phone_masked == "138****5678"
        assert [r.house_code for r in record.residencies] == ["A-1"]
        assert [r.category for r in record.reports] == [ReportCategory.HAZARD]
        assert {w.watchlist for w in record.watchlist} == {"residents", "协查名单"}
        held = next(w for w in record.watchlist if w.watchlist == "协查名单")
        assert held.active
        assert held.authority == "王警官 (police)"
        assert [p.camera for p in record.passages] == ["东门"]
        assert {p.kind for p in record.pictures} == {PhotoKind.ID_FRONT, PhotoKind.FACE}
        assert record.templates == 1

        with pytest.raises(InvalidInput):
            await records.reveal_id_number(police, seeded.person_id, "  ")
        full = await records.reveal_id_number(police, seeded.person_id, "协查 2026-118")
        assert full == ID_NUMBER
        with pytest.raises(InvalidInput):
            await records.picture(police, seeded.person_id, seeded.face_photo_id, "")
        _, data = await records.picture(
            police, seeded.person_id, seeded.face_photo_id, "辨认嫌疑人"
        )
        assert data[:3] == b"\xff\xd8\xff"

    async with storage.services() as svc:
        page = await svc.audit.page(police, AuditFilter(person_id=seeded.person_id), limit=50)
        actions = {line.action: line.reason for line in page.lines}
        assert actions["reveal_id_number"] == "协查 2026-118"
        assert actions["read_photo"] == "辨认嫌疑人"
        assert "read_record" in actions
        searches = await svc.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "search")
        )
        assert all(ID_NUMBER not in json.dumps(e.details) for e in searches)


async def test_export_holds_everything(storage: Storage, admin: Actor) -> None:
    seeded = await _seed(storage, admin)
    async with storage.services() as svc:
        export = await svc.person_requests.export(admin, seeded.person_id, reason="本人申请")
    archive = zipfile.ZipFile(io.BytesIO(archive_bytes(export)))
    names = archive.namelist()
    assert {"record.json", "audit.json"} <= set(names)
    assert len([n for n in names if n.startswith("pictures/")]) == 2
    record = json.loads(archive.read("record.json"))
    assert record["person"]["id_number"] == ID_NUMBER
    assert record["person"]["phone"] == PHONE
    assert record["reports"][0]["text"] == "楼道堆物"
    assert record["residencies"][0]["address"] == "安宁路1号101室"
    assert record["visitor_registrations"][0]["plate"] == PLATE
    face = next(n for n in names if "face" in n)
    assert archive.read(face)[:3] == b"\xff\xd8\xff"
    audit = json.loads(archive.read("audit.json"))
    assert {"create", "move_in"} <= {e["action"] for e in audit}
    async with storage.services() as svc:
        exported = await svc.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "export")
        )
        assert exported is not None
        assert exported.details["reason"] == "本人申请"


async def test_erase_refused_while_held_then_done(storage: Storage, admin: Actor) -> None:
    seeded = await _seed(storage, admin)
    data_dir = storage.services.context.data_dir
    files_before = set((data_dir / "photos").rglob("*.bin"))
    async with storage.services() as svc:
        with pytest.raises(ErasureHeld) as caught:
            await svc.person_requests.erase(admin, seeded.person_id, "本人申请删除")
    assert caught.value.params["entry"] == seeded.poi_entry_id
    assert caught.value.params["watchlist"] == "协查名单"
    assert caught.value.params["authority"] == "王警官 (police)"

    async with storage.services() as svc:  # the entry ends: nothing holds the person now
        entry = await svc.session.get(WatchlistEntry, seeded.poi_entry_id)
        assert entry is not None
        entry.valid_until = datetime.now(UTC) - timedelta(days=1)
    async with storage.services() as svc:
        erased = await svc.person_requests.erase(admin, seeded.person_id, "本人申请删除")
    assert (erased.photos, erased.templates, erased.residencies) == (3, 1, 1)
    assert await remove_unreferenced(storage.services, erased.files) == 3
    assert len(files_before - set((data_dir / "photos").rglob("*.bin"))) == 3

    async with storage.services() as svc:
        person = await svc.session.get(Person, seeded.person_id)
        assert person is not None
        assert person.erased_at is not None
        assert person.erasure_reason == "本人申请删除"
        assert person.name == ""
        assert person.id_number_encrypted is None
        assert person.phone_encrypted is None
        for model, column in (
            (StoredPhoto, StoredPhoto.person_id),
            (FaceTemplate, FaceTemplate.person_id),
            (WatchlistEntry, WatchlistEntry.person_id),
            (Passage, Passage.person_id),
            (Member, Member.person_id),
        ):
            count = select(func.count()).select_from(model).where(column == seeded.person_id)
            assert await svc.session.scalar(count) == 0, model
        visitor = await svc.session.scalar(select(Visitor))
        assert visitor is not None
        assert visitor.plate is None
        assert visitor.name == ""
        assert await svc.person_records.search(admin, ID_NUMBER) == []
        assert await svc.person_records.search(admin, PHONE) == []
        record = await svc.person_records.record(admin, seeded.person_id)
        assert record.person.erased
        assert record.erasure_reason == "本人申请删除"
        erase = await svc.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
        assert erase is not None
        assert erase.details["reason"] == "本人申请删除"
        with pytest.raises(AlreadyErased):
            await svc.person_requests.erase(admin, seeded.person_id, "again")


async def test_audit_pages_and_filters(storage: Storage, admin: Actor) -> None:
    seeded = await _seed(storage, admin)
    police = Actor(role=Role.POLICE, member_id=seeded.officer_id)
    async with storage.services() as svc:
        for _ in range(5):
            await svc.person_records.record(police, seeded.other_id)
    async with storage.services() as svc:
        mine = await svc.audit.page(police, AuditFilter(member_id=seeded.officer_id), limit=2)
        assert (mine.total, mine.pages, len(mine.lines)) == (5, 3, 2)
        assert all(line.actor == "王警官" for line in mine.lines)
        last = await svc.audit.page(
            police, AuditFilter(member_id=seeded.officer_id), offset=4, limit=2
        )
        assert (last.page, len(last.lines)) == (3, 1)
        beyond = await svc.audit.page(
            police, AuditFilter(member_id=seeded.officer_id), offset=40, limit=2
        )
        assert beyond.page == 3  # clamped to the last page
        today = datetime.now(svc.context.zone).date()
        assert (await svc.audit.page(police, AuditFilter(day=today))).total > 5
        yesterday = today - timedelta(days=1)
        assert (await svc.audit.page(police, AuditFilter(day=yesterday))).total == 0
        about = await svc.audit.page(police, AuditFilter(person_id=seeded.other_id), limit=50)
        assert {line.action for line in about.lines} == {"create", "read_record"}
