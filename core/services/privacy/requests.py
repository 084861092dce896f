"""A person's requests under PIPL: access (art. 45, `export`) and erasure (art. 47, `erase`).

`export` gathers everything held about a person (the records as JSON, their pictures opened,
the audit entries about them) for one archive. `erase` removes the person's pictures, face
templates and personal fields, their links to houses, lists, passages and alerts, and the
camera pictures of those passages and alerts (the passage and alert rows stay, without the
person or the picture: that an alert happened stays on record); the person's row stays, with
when and why it was erased, and so do the audit entries. It is refused while an active entry
of a watchlist other than the residents list holds the person: the error names the entry and
who put it there. Files are removed after the commit (like retention's).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update

from core.errors import AlreadyErased, ErasureHeld, NotFound
from core.files import write_private
from core.models import (
    Alert,
    AlertVerdict,
    AuditEntry,
    CameraEvent,
    FaceTemplate,
    House,
    Member,
    Passage,
    Person,
    Report,
    Residency,
    StoredPhoto,
    Visitor,
    WatchlistEntry,
)
from core.roles import Actor, Permission
from core.services.base import Service
from core.services.persons import ID_CONTEXT, PHONE_CONTEXT
from core.services.photos import EXTENSIONS
from core.services.privacy.records import stated_reason
from core.services.privacy.retention import RetentionReport

EVERYTHING_DAYS = 365 * 100  # an export covers every passage kept


@dataclass
class Export:
    person_id: int
    record: dict[str, Any]
    audit: list[dict[str, Any]]
    pictures: list[tuple[str, bytes]] = field(default_factory=list)  # (name in archive, data)


@dataclass
class Erasure:
    person_id: int
    photos: int = 0
    templates: int = 0
    residencies: int = 0
    watchlist_entries: int = 0
    passages: int = 0
    alerts: int = 0
    files: list[str] = field(default_factory=list)
    template_ids: list[int] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """JSON-ready: enums by value, times in ISO 8601, nested dataclasses as dicts."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class PersonRequestService(Service):
    async def export(self, actor: Actor, person_id: int, *, reason: str = "") -> Export:
        """Everything held about the person, ID number and phone in full; audited."""
        actor.require(Permission.MANAGE_PERSONAL_DATA)
        person = await self._person(person_id)
        vault = self.context.vault
        record = asdict(
            await self.uow.person_records.collect(person_id, days=EVERYTHING_DAYS, limit=10_000)
        )
        record["person"].update(
            id_number=(
                vault.decrypt(person.id_number_encrypted, context=ID_CONTEXT)
                if person.id_number_encrypted
                else None
            ),
            phone=(
                vault.decrypt(person.phone_encrypted, context=PHONE_CONTEXT)
                if person.phone_encrypted
                else None
            ),
            notes=person.notes,
            created_at=person.created_at,
            updated_at=person.updated_at,
        )
        members = select(Member.id).where(Member.person_id == person_id)
        reports = await self.session.scalars(select(Report).where(Report.reporter_id.in_(members)))
        record["reports"] = [
            {
                "id": r.id,
                "category": r.category,
                "status": r.status,
                "text": r.text,
                "location": r.location_text,
                "created_at": r.created_at,
            }
            for r in reports
        ]
        visitors = await self.session.scalars(
            select(Visitor).where(Visitor.person_id == person_id)
        )
        record["visitor_registrations"] = [
            {
                "id": v.id,
                "name": v.name,
                "host_house_id": v.host_house_id,
                "plate": v.plate,
                "valid_from": v.valid_from,
                "valid_until": v.valid_until,
            }
            for v in visitors
        ]
        templates = await self.session.scalars(
            select(FaceTemplate).where(FaceTemplate.person_id == person_id)
        )
        record["face_templates"] = [
            {
                "id": t.id,
                "backend": t.backend,
                "dimensions": t.dimensions,
                "created_at": t.created_at,
            }
            for t in templates
        ]
        entries = await self.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_type == "person", AuditEntry.subject_id == str(person_id))
            .order_by(AuditEntry.id)
        )
        audit = [
            {
                "id": e.id,
                "at": e.at,
                "actor": e.actor_label,
                "action": e.action,
                "flow": e.flow,
                "details": e.details,
            }
            for e in entries
        ]
        export = Export(person_id, _plain(record), _plain(audit))
        photos = self.uow.photos
        for row in await self.session.scalars(
            select(StoredPhoto).where(StoredPhoto.person_id == person_id).order_by(StoredPhoto.id)
        ):
            try:
                data = await photos.open(row)
            except NotFound:
                continue  # no file (already gone): the record says it existed
            extension = EXTENSIONS.get(row.content_type, "bin")
            export.pictures.append((f"pictures/{row.id}-{row.kind.value}.{extension}", data))
        extra = {"reason": stated_reason(reason)} if reason.strip() else {}
        await self.uow.audit.record(
            actor, "export", "person", person_id, pictures=len(export.pictures), **extra
        )
        return export

    async def erase(self, actor: Actor, person_id: int, reason: str) -> Erasure:
        """Erase the person's pictures, templates and personal fields (record and reason kept).

        Refused (ErasureHeld) while an active non-residents watchlist entry holds them.
        """
        actor.require(Permission.MANAGE_PERSONAL_DATA)
        why = stated_reason(reason)
        person = await self._person(person_id)
        if person.erased_at is not None:
            raise AlreadyErased("person", id=person_id)
        holds = await self.uow.retention.holds([person_id])
        if holds:
            _, entry, watchlist = holds[0]
            creator = (
                await self.session.get(Member, entry.created_by_id)
                if entry.created_by_id
                else None
            )
            added_by = f"{creator.name} ({creator.role.value})" if creator else "-"
            authority = entry.authority or added_by  # the request it rests on, else who added it
            raise ErasureHeld(
                "watchlist",
                entry=entry.id,
                watchlist=watchlist.name,
                authority=authority,
                note=entry.note,
            )
        result = Erasure(person_id)
        photos = list(
            await self.session.scalars(
                select(StoredPhoto).where(
                    (StoredPhoto.person_id == person_id)
                    | StoredPhoto.id.in_(await self._camera_pictures(person_id))
                )
            )
        )
        # Every row that refers to these pictures (camera events, passages, alerts, report
        # steps, templates) stays, without the picture.
        purge = RetentionReport(self.uow.retention.cutoffs())
        await self.uow.retention.delete_photos(photos, purge)
        result.photos, result.files = len(photos), purge.files
        result.template_ids = list(
            await self.session.scalars(
                select(FaceTemplate.id).where(FaceTemplate.person_id == person_id)
            )
        )
        result.templates = len(result.template_ids)
        await self.session.execute(delete(FaceTemplate).where(FaceTemplate.person_id == person_id))
        entries = select(WatchlistEntry.id).where(WatchlistEntry.person_id == person_id)
        await self.session.execute(
            update(Alert).where(Alert.entry_id.in_(entries)).values(entry_id=None)
        )
        result.watchlist_entries = await self._delete(
            WatchlistEntry, WatchlistEntry.person_id == person_id
        )
        result.residencies = await self._delete(Residency, Residency.person_id == person_id)
        await self._delete(AlertVerdict, AlertVerdict.person_id == person_id)
        result.passages = await self._unlink(Passage, Passage.person_id == person_id)
        # An alert about the person stays (kind, camera, times, the guards' note): that it
        # happened is kept, who it was about is not (their verdicts go with them).
        result.alerts = await self._unlink(Alert, Alert.person_id == person_id)
        await self.session.execute(
            update(Visitor)
            .where(Visitor.person_id == person_id)
            .values(name="", phone_encrypted=None, phone_masked=None, plate=None)
        )
        await self.session.execute(
            update(Member).where(Member.person_id == person_id).values(person_id=None)
        )
        await self.session.execute(
            update(House).where(House.landlord_id == person_id).values(landlord_id=None)
        )
        person.name = ""
        person.id_number_encrypted = person.id_number_hash = person.id_number_masked = None
        person.phone_encrypted = person.phone_masked = None
        person.notes = ""
        person.erased_at = person.updated_at = self.now()
        person.erasure_reason = why
        await self.uow.audit.record(
            actor,
            "erase",
            "person",
            person_id,
            reason=why,
            photos=result.photos,
            templates=result.templates,
            residencies=result.residencies,
            watchlist_entries=result.watchlist_entries,
            passages=result.passages,
            alerts=result.alerts,
        )
        return result

    async def _camera_pictures(self, person_id: int) -> list[int]:
        """Ids of the camera pictures of the person's passages and alerts: each passage's
        snapshot, its event's image and face crop, each alert's boxed snapshot."""
        passages = select(Passage.id).where(Passage.person_id == person_id)
        ids: set[int | None] = set()
        for columns in (
            select(Passage.snapshot_id).where(Passage.person_id == person_id),
            select(CameraEvent.image_id, CameraEvent.face_id, CameraEvent.plate_image_id).where(
                CameraEvent.passage_id.in_(passages)
            ),
            select(Alert.snapshot_id).where(Alert.person_id == person_id),
        ):
            for row in await self.session.execute(columns):
                ids.update(row)
        ids.discard(None)
        return [i for i in ids if i is not None]

    async def _unlink(self, table: type[Any], *where: Any) -> int:
        rows = await self.session.execute(update(table).where(*where).values(person_id=None))
        return int(rows.rowcount or 0)  # type: ignore[attr-defined]

    async def _delete(self, table: type[Any], *where: Any) -> int:
        rows = await self.session.execute(delete(table).where(*where))
        return int(rows.rowcount or 0)  # type: ignore[attr-defined]

    async def _person(self, person_id: int) -> Person:
        person = await self.session.get(Person, person_id)
        if person is None:
            raise NotFound("person", id=person_id)
        return person


def archive_bytes(export: Export) -> bytes:
    """The export as one zip: record.json, audit.json and the pictures, opened."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "record.json", json.dumps(export.record, ensure_ascii=False, indent=2) + "\n"
        )
        archive.writestr(
            "audit.json", json.dumps(export.audit, ensure_ascii=False, indent=2) + "\n"
        )
        for name, data in export.pictures:
            archive.writestr(name, data)
    return buffer.getvalue()


def write_archive(export: Export, path: Path) -> None:
    """Write the export's zip owner-only (it holds the person's data in clear)."""
    write_private(path, archive_bytes(export))
