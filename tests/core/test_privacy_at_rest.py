"""Issue #13's bar: after a visit that adds a resident with ID card pictures and a face photo,
then a camera that sees them (snapshot, face crop, the boxed alert picture) and a resident's
report with a photo (and the staff's after-photo), no file in the data folder holds the ID
number, the phone or a decodable picture; files are owner-only; clear pictures and raw
templates from before are converted, even when the conversion is interrupted and run again."""

from __future__ import annotations

import hashlib
import io
import stat
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from core.bootstrap import open_storage
from core.models import (
    CameraKind,
    FaceTemplate,
    GroupRole,
    MatchBand,
    PhotoKind,
    ReportCategory,
    Role,
    StoredPhoto,
    WatchlistKind,
)
from core.notify import Rendered
from core.roles import Actor
from core.services import actor_for
from core.services.privacy import pending, seal_stored_data
from core.services.privacy import sealing as sealing_module
from core.services.reports import NewReport, Reporter
from core.services.visits import FaceEnrolment, NewResident, PhotoUpload, VisitPlan
from core.settings import Settings
from core.sightings import FaceSighting, Observation, exact_plates
from tests.conftest import shared_data
from tests.core.pictures import GPS_SERIAL, picture

ID_NUMBER = "110105198001010016"
PHONE = "13912345678"
NAME = "李四"


def _id_card(number: str) -> bytes:
    from tests.recognition.idcard.synth_idcard import cjk_available, id_card_photo

    if not cjk_available():
        pytest.skip("no CJK font to draw the ID card with")
    return id_card_photo(number, NAME, seed=3)


def _face(quality: int = 90) -> bytes:
    """A real face photo, with EXIF (GPS, camera serial) added as a phone would."""
    image = Image.open(shared_data() / "faces" / "obama.jpg")
    tags = Image.Exif()
    tags[0xA431] = GPS_SERIAL
    tags[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=tags.tobytes(), quality=quality)
    return buffer.getvalue()


def _decodable(data: bytes) -> bool:
    """Whether a picture can be carved out of `data` at any JPEG/PNG/WebP signature."""
    for signature in (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF"):
        start = data.find(signature)
        while start != -1:
            try:
                with Image.open(io.BytesIO(data[start:])) as image:
                    image.load()
                return True
            except Exception:
                start = data.find(signature, start + 1)
    return False


async def _visit(settings: Settings) -> tuple[bytes, bytes, bytes]:
    admin = Actor.system("test")
    card_front, card_back, face = _id_card(ID_NUMBER), picture("back"), _face()
    storage = await open_storage(settings, migrate=False)
    try:
        async with storage.services() as svc:
            await svc.houses.ensure_community(admin, "安宁社区")
            grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
            building = await svc.houses.ensure_building(admin, grid, "1幢")
            cadre = await svc.members.add(admin, telegram_id=501, role=Role.CADRE, name="王芳")
            house, _ = await svc.houses.save_house(
                admin,
                building=building,
                code="A-1-101",
                standard_address="安宁路1号",
                cadre_id=cadre.id,
            )
        embedding = (np.arange(128) / np.linalg.norm(np.arange(128))).astype(np.float32)
        plan = VisitPlan(
            house_id=house.id,
            started_at=datetime.now(UTC),
            new_residents=(
                NewResident(
                    name=NAME,
                    id_number=ID_NUMBER,
                    phone=PHONE,
                    photos=(
                        PhotoUpload(PhotoKind.ID_FRONT, card_front),
                        PhotoUpload(PhotoKind.ID_BACK, card_back),
                    ),
                    face=FaceEnrolment(face, embedding.tobytes(), "dlib", 128, 0.9),
                ),
            ),
        )
        async with storage.services() as svc:
            await svc.visits.commit(actor_for(cadre), plan)
        # The pictures read back decrypted, upright and without their EXIF.
        async with storage.services() as svc:
            photo = await svc.session.scalar(
                select(StoredPhoto).where(StoredPhoto.kind == PhotoKind.FACE)
            )
            assert photo is not None
            _row, data = await svc.photos.read(admin, photo.id, reason="test")
            with Image.open(io.BytesIO(data)) as image:
                assert image.size == Image.open(io.BytesIO(face)).size
                assert dict(image.getexif()) == {}
            assert GPS_SERIAL.encode() not in data
            templates = await svc.persons.face_templates("dlib")
            assert np.allclose(np.frombuffer(templates[0][2], np.float32), embedding)
        return card_front, face, embedding.tobytes()
    finally:
        await storage.close()


async def _camera_and_report(settings: Settings) -> None:
    """The resident, on a watchlist, passes a camera (an alert) and files a report."""
    admin = Actor.system("test")
    storage = await open_storage(settings, migrate=False)
    storage.services.context.notifier.renderer = lambda notice, _to: Rendered(notice.kind)
    try:
        async with storage.services() as svc:
            await svc.groups.add(admin, chat_id=-100, role=GroupRole.GUARDS, grid_codes=["G1"])
            person_id, template_id = (
                await svc.session.execute(select(FaceTemplate.person_id, FaceTemplate.id))
            ).one()
            key = await svc.watchlists.create(
                admin, kind=WatchlistKind.PERSONS_OF_INTEREST, name="重点人员"
            )
            await svc.watchlists.add_person(admin, key.id, person_id, reason="协查", authority="1")
            await svc.alerts.ensure_default_rules()
            _camera, token = await svc.cameras.add(
                admin, camera_id="gate", kind=CameraKind.FACE, name="北门", grid_code="G1"
            )
            resident = await svc.members.add(
                admin, telegram_id=502, role=Role.RESIDENT, name="李四"
            )
            staff = await svc.members.add(admin, telegram_id=503, role=Role.CADRE, name="赵六")
        async with storage.services() as svc:
            event = await svc.camera_events.accept(
                "gate", token, image=_face(quality=85), face=_face(quality=80)
            )
        boxed = _face(quality=70)  # what recognition draws: another JPEG of the scene
        sighting = FaceSighting(template_id, MatchBand.MATCH, 0.3, (1, 1, 20, 20), 40.0)
        async with storage.services() as svc:
            alerts = await svc.camera_events.record(
                event.event_id, Observation((sighting,), annotated=boxed), exact_plates
            )
        assert len(alerts) == 1
        async with storage.services() as svc:
            report = await svc.reports.file(
                actor_for(resident),
                Reporter(502, "zh_CN", "李四", resident.id),
                NewReport(ReportCategory.OTHER, "楼道灯坏了", photos=(_face(quality=60),)),
            )
            await svc.reports.resolve(actor_for(staff), report.id, "已修", _face(quality=50))
        async with storage.services() as svc:
            kinds = list(await svc.session.scalars(select(StoredPhoto.kind)))
        assert kinds.count(PhotoKind.SNAPSHOT) == 3  # the snapshot, the face crop, the boxed one
        assert kinds.count(PhotoKind.REPORT) == 2
    finally:
        await storage.close()


async def test_no_file_in_the_data_folder_reveals_the_resident(settings: Settings) -> None:
    card, face, embedding = await _visit(settings)
    await _camera_and_report(settings)
    files = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    # ID front and back, the face; the snapshot, crop and boxed picture; two report photos
    assert len([p for p in files if p.suffix == ".bin"]) == 8
    needles = [ID_NUMBER, PHONE, GPS_SERIAL, hashlib.sha256(card).hexdigest()]
    for path in files:
        raw = path.read_bytes()
        for needle in needles:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert needle.encode(encoding) not in raw, (path, needle)
        assert ID_NUMBER[:-1].encode() not in raw, path  # not even the first 17 digits
        assert embedding not in raw, path
        assert card not in raw, path
        assert face[200:4000] not in raw, path
        assert not _decodable(raw), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert "jpg" not in path.name
        assert hashlib.sha256(face).hexdigest() not in path.name
    for folder in [settings.data_dir, *(p for p in settings.data_dir.rglob("*") if p.is_dir())]:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


async def _legacy(settings: Settings, count: int) -> list[bytes]:
    """Pictures and templates as the product stored them before: clear, world-readable."""
    storage = await open_storage(settings, migrate=False)
    pictures = [picture(f"old{i}") for i in range(count)]
    try:
        async with storage.services() as svc:
            person = await svc.persons.add(Actor.system("test"), name="张三")
            for index, data in enumerate(pictures):
                digest = hashlib.sha256(data).hexdigest()
                relative = f"photos/2025/01/{digest}.jpg"
                path = settings.data_dir / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                path.chmod(0o644)
                photo = StoredPhoto(
                    kind=PhotoKind.FACE,
                    path=relative,
                    sha256=digest,
                    size=len(data),
                    person_id=person.id,
                )
                svc.session.add(photo)
                if index == 0:  # the same file twice (de-duplicated upload)
                    svc.session.add(StoredPhoto(kind=PhotoKind.FACE, path=relative, sha256=digest))
                await svc.session.flush()
                vector = np.full(128, (-1) ** index / np.sqrt(128), np.float32)
                svc.session.add(
                    FaceTemplate(
                        person_id=person.id,
                        backend="dlib",
                        dimensions=128,
                        vector=vector.tobytes(),
                        photo_id=photo.id,
                    )
                )
    finally:
        await storage.close()
    return pictures


async def test_clear_pictures_and_raw_templates_are_sealed_even_after_a_crash(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    originals = await _legacy(settings, 4)
    storage = await open_storage(settings, migrate=False)
    try:
        assert await pending(storage.services) == (4, 4)
        written = 0
        real_write = sealing_module.write_private

        def crash_on_third(path: Path, data: bytes) -> None:
            nonlocal written
            written += 1
            if written == 3:
                real_write(path, data)  # the file is written, the process dies before commit
                raise KeyboardInterrupt
            real_write(path, data)

        monkeypatch.setattr(sealing_module, "write_private", crash_on_third)
        with pytest.raises(KeyboardInterrupt):
            await seal_stored_data(storage.services)
        monkeypatch.setattr(sealing_module, "write_private", real_write)
        async with storage.services() as svc:  # every row still points at a file
            for row in await svc.session.scalars(select(StoredPhoto)):
                assert (settings.data_dir / row.path).is_file()
        assert await pending(storage.services) == (2, 4)

        report = await seal_stored_data(storage.services)
        assert (report.pictures, report.templates, report.missing) == (2, 4, 0)
        assert await pending(storage.services) == (0, 0)
        assert (await seal_stored_data(storage.services)).changed == 0  # a rerun does nothing

        admin = Actor.system("test")
        async with storage.services() as svc:
            rows = (await svc.session.scalars(select(StoredPhoto).order_by(StoredPhoto.id))).all()
            assert rows[0].path == rows[1].path  # the shared file stayed shared
            for row, original in zip([rows[0], *rows[2:]], originals, strict=True):
                _row, data = await svc.photos.read(admin, row.id)
                assert GPS_SERIAL.encode() not in data
                assert Image.open(io.BytesIO(data)).size == Image.open(io.BytesIO(original)).size
            templates = await svc.persons.face_templates("dlib")
            assert len(templates) == 4
            assert np.isclose(np.linalg.norm(np.frombuffer(templates[0][2], np.float32)), 1)
    finally:
        await storage.close()
    for path in (settings.data_dir / "photos").rglob("*"):
        if path.is_file():
            assert path.suffix == ".bin", path  # no clear file left, even the crashed one's
            assert not _decodable(path.read_bytes())
