"""Erasure across features: a person a camera matched, with an alert, is erased on SQLite and
PostgreSQL (whose foreign keys refuse a picture row deleted under a camera event or an alert);
the alert stays on record without the person or the picture."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.bootstrap import Storage
from core.models import (
    Alert,
    AlertKind,
    AlertStatus,
    AuditEntry,
    CameraEvent,
    EventStatus,
    Passage,
    StoredPhoto,
    WatchlistEntry,
)
from core.services.privacy.retention import remove_unreferenced
from core.sightings import Observation
from tests.core.notices import Told
from tests.core.test_camera_events import SYSTEM, face, png, post, record, world


async def test_erasing_a_person_a_camera_matched_keeps_the_alert_without_them(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    token = str(w["token"])
    seen = await post(storage, token, png((200, 10, 10)), face=png((10, 200, 10)))
    boxed = dataclasses.replace(face(w["template"]), annotated=png((10, 10, 200)))
    [alert] = await record(storage, seen, boxed)
    stranger = await post(storage, token, png((90, 90, 90)))
    await record(storage, stranger, Observation())
    async with storage.services() as svc:
        await svc.alerts.act(SYSTEM, alert.id, "dispatch")
        await svc.alerts.add_note(SYSTEM, alert.id, "已劝离")
        entry = await svc.session.get(WatchlistEntry, w["entry"])
        assert entry is not None
        entry.valid_until = datetime.now(UTC) - timedelta(days=1)  # nothing holds them now
    photos = storage.services.context.data_dir / "photos"
    assert len(list(photos.rglob("*.bin"))) == 4

    async with storage.services() as svc:
        erased = await svc.person_requests.erase(SYSTEM, int(w["person"]), "本人申请删除")
    assert (erased.photos, erased.passages, erased.alerts, erased.watchlist_entries) == (
        3,
        1,
        1,
        1,
    )
    assert await remove_unreferenced(storage.services, erased.files) == 3
    assert len(list(photos.rglob("*.bin"))) == 1  # the stranger's snapshot stays

    async with storage.services() as svc:
        kept = await svc.session.get(Alert, alert.id)
        assert kept is not None
        assert (kept.kind, kept.status, kept.note, kept.sightings, kept.camera_id) == (
            AlertKind.PERSON_OF_INTEREST,
            AlertStatus.DISPATCHED,
            "已劝离",
            1,
            "gate-1",
        )
        assert (kept.person_id, kept.snapshot_id, kept.entry_id) == (None, None, None)
        view = await svc.alerts.view(kept)
        assert (view.photo, view.reason, view.camera) == (None, "", "北门")
        assert "张三" not in view.subject
        event = await svc.session.get(CameraEvent, seen)
        assert event is not None
        assert (event.image_id, event.face_id, event.status) == (None, None, EventStatus.DONE)
        passage = await svc.session.get(Passage, event.passage_id)
        assert passage is not None
        assert (passage.person_id, passage.snapshot_id) == (None, None)
        other = await svc.session.get(CameraEvent, stranger)
        assert other is not None
        assert other.image_id is not None
        assert await svc.session.get(StoredPhoto, other.image_id) is not None
        audit = await svc.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase"))
        assert audit is not None
        assert (audit.details["passages"], audit.details["alerts"]) == (1, 1)
