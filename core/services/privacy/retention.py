"""Retention: personal data kept only as long as allowed, purged by a daily job.

- camera snapshots (a camera event's image and face crop, the passage's snapshot, an alert's
  boxed picture) after `snapshot_days`: the events, passages and alerts keep their rows,
  without the picture. A snapshot still needed stays until a later run (`snapshots_held`):
  one an open alert shows, one a queued event has yet to be recognised from, one an
  undelivered outbox message will send. Unknown-face embeddings would go with them, but the
  camera path stores none (a passage keeps only how many faces it saw);
- a moved-out resident's ID card pictures, other document pictures, face photos and face
  templates `moved_out_months` after the last move-out, unless the person lives somewhere
  again or an active entry of a watchlist other than the residents list holds them; the
  person's record stays, marked `pictures_purged_at`;
- photos of resolved or closed reports (the reporter's and the staff's) `report_photo_months`
  after the report was resolved or closed (the steps stay, without the photo);
- audit entries after `audit_months`, which the settings keep longer than all of the above.

Every purge is counted in the audit log (and each person's in theirs). Files are removed
after the commit, and only when no row refers to them any more.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import case, delete, func, select, update

from core.models import (
    Alert,
    AlertStatus,
    AuditEntry,
    CameraEvent,
    Delivery,
    DeliveryStatus,
    EventStatus,
    FaceTemplate,
    Passage,
    Person,
    PhotoKind,
    Report,
    ReportStatus,
    ReportStatusChange,
    Residency,
    ResidencyStatus,
    StoredPhoto,
    Watchlist,
    WatchlistEntry,
    WatchlistKind,
)
from core.retention import months_before
from core.roles import Actor, Permission
from core.services.base import Service
from core.services.uow import ServiceFactory

PERSONAL_KINDS = (
    PhotoKind.ID_FRONT,
    PhotoKind.ID_BACK,
    PhotoKind.RESIDENCE_PERMIT,
    PhotoKind.GUARANTEE_LETTER,
    PhotoKind.FACE,
)
CLOSED_REPORTS = (ReportStatus.RESOLVED, ReportStatus.CLOSED)
# Every column that refers to a stored picture: the row stays, without the picture.
PICTURE_REFERENCES: tuple[tuple[type[Any], Any], ...] = (
    (FaceTemplate, FaceTemplate.photo_id),
    (CameraEvent, CameraEvent.image_id),
    (CameraEvent, CameraEvent.face_id),
    (CameraEvent, CameraEvent.plate_image_id),
    (Passage, Passage.snapshot_id),
    (Alert, Alert.snapshot_id),
    (ReportStatusChange, ReportStatusChange.photo_id),
)


@dataclass(frozen=True)
class Cutoffs:
    snapshots: datetime
    moved_out: datetime
    report_photos: datetime
    audit: datetime


@dataclass
class RetentionReport:
    cutoffs: Cutoffs
    snapshots: int = 0
    snapshots_held: int = 0  # due, but an open alert, a queued event or a pending message needs it
    unknown_faces: int = 0
    persons: int = 0  # moved-out residents whose pictures and templates go
    person_photos: int = 0
    templates: int = 0
    held: int = 0  # moved-out residents kept by an active watchlist entry
    report_photos: int = 0
    audit_entries: int = 0
    template_ids: list[int] = field(default_factory=list)  # to drop from the running gallery
    files: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "snapshots": self.snapshots,
            "snapshots_held": self.snapshots_held,
            "unknown_faces": self.unknown_faces,
            "persons": self.persons,
            "person_photos": self.person_photos,
            "templates": self.templates,
            "held": self.held,
            "report_photos": self.report_photos,
            "audit_entries": self.audit_entries,
        }


class RetentionService(Service):
    def cutoffs(self) -> Cutoffs:
        now, policy = self.now(), self.context.retention
        return Cutoffs(
            snapshots=now - timedelta(days=policy.snapshot_days),
            moved_out=months_before(now, policy.moved_out_months),
            report_photos=months_before(now, policy.report_photo_months),
            audit=months_before(now, policy.audit_months),
        )

    async def due(self, actor: Actor) -> RetentionReport:
        """What a purge now would remove (nothing is changed)."""
        return await self._run(actor, apply=False)

    async def purge(self, actor: Actor) -> RetentionReport:
        """Remove what is due, in the caller's transaction; files go after the commit."""
        return await self._run(actor, apply=True)

    async def _run(self, actor: Actor, *, apply: bool) -> RetentionReport:
        actor.require(Permission.MANAGE_PERSONAL_DATA)
        report = RetentionReport(self.cutoffs())
        snapshots = await self._snapshots(report)
        report.snapshots = len(snapshots)
        if apply:
            await self.delete_photos(snapshots, report)
        await self._moved_out(actor, report, apply=apply)
        # Counted from when the report ended (resolved or closed), not from `updated_at`,
        # which a late questionnaire answer or a follower moves; a reopened report is not
        # in CLOSED_REPORTS until it ends again, and then counts from that end.
        ended = case(
            (Report.status == ReportStatus.RESOLVED, Report.resolved_at),
            else_=Report.closed_at,
        )
        closed = select(Report.id).where(
            Report.status.in_(CLOSED_REPORTS),
            func.coalesce(ended, Report.updated_at) < report.cutoffs.report_photos,
        )
        report_photos = await self._photo_rows(StoredPhoto.report_id.in_(closed))
        report.report_photos = len(report_photos)
        if apply:
            await self.delete_photos(report_photos, report)
        old_audit = AuditEntry.at < report.cutoffs.audit
        report.audit_entries = int(
            await self.session.scalar(select(func.count()).where(old_audit)) or 0
        )
        if apply:
            await self.session.execute(delete(AuditEntry).where(old_audit))
            await self.uow.audit.record(
                actor, "retention_purge", "retention", "daily", counts=report.counts()
            )
        return report

    async def _snapshots(self, report: RetentionReport) -> list[StoredPhoto]:
        """Camera snapshots past the cutoff, less those still needed (counted as held).

        Held rather than purged, until a later run finds them free: the pictures of an open
        alert (its boxed snapshot and its passage's), since guards still act on it and its
        messages are edited with the picture; a queued event's image and face crop, which
        the worker has yet to read; and a picture a pending outbox delivery names, which
        would otherwise fail as "photo missing". A closed alert's or a sent message's
        snapshot goes at the cutoff like any other.
        """
        due = await self._photo_rows(
            StoredPhoto.kind == PhotoKind.SNAPSHOT,
            StoredPhoto.created_at < report.cutoffs.snapshots,
        )
        if not due:
            return []
        open_alerts = select(Alert.snapshot_id, Alert.passage_id).where(
            Alert.status == AlertStatus.OPEN
        )
        needed: set[int | None] = set()
        passages: set[int | None] = set()
        for snapshot_id, passage_id in await self.session.execute(open_alerts):
            needed.add(snapshot_id)
            passages.add(passage_id)
        passages.discard(None)
        if passages:
            needed.update(
                await self.session.scalars(
                    select(Passage.snapshot_id).where(Passage.id.in_(passages))
                )
            )
        for row in await self.session.execute(
            select(CameraEvent.image_id, CameraEvent.face_id, CameraEvent.plate_image_id).where(
                CameraEvent.status == EventStatus.QUEUED
            )
        ):
            needed.update(row)
        pending = await self.session.scalars(
            select(Delivery.payload).where(Delivery.status == DeliveryStatus.PENDING)
        )
        paths = {str(p["photo"]) for p in pending if isinstance(p, dict) and p.get("photo")}
        free = [p for p in due if p.id not in needed and p.path not in paths]
        report.snapshots_held = len(due) - len(free)
        return free

    async def _moved_out(self, actor: Actor, report: RetentionReport, *, apply: bool) -> None:
        cutoff_date = report.cutoffs.moved_out.astimezone(self.context.zone).date()
        active = select(Residency.person_id).where(Residency.status == ResidencyStatus.ACTIVE)
        candidates = (
            (
                await self.session.execute(
                    select(Residency.person_id)
                    .join(Person, Person.id == Residency.person_id)
                    .where(
                        Residency.status == ResidencyStatus.MOVED_OUT,
                        Person.pictures_purged_at.is_(None),
                        Person.erased_at.is_(None),
                        Residency.person_id.not_in(active),
                    )
                    .group_by(Residency.person_id)
                    .having(func.max(Residency.moved_out) < cutoff_date)
                )
            )
            .scalars()
            .all()
        )
        held = {hold[0] for hold in await self.holds(candidates)}
        report.held = len(held)
        for person_id in candidates:
            if person_id in held:
                continue
            photos = await self._photo_rows(
                StoredPhoto.person_id == person_id, StoredPhoto.kind.in_(PERSONAL_KINDS)
            )
            templates = list(
                await self.session.scalars(
                    select(FaceTemplate.id).where(FaceTemplate.person_id == person_id)
                )
            )
            report.persons += 1
            report.person_photos += len(photos)
            report.templates += len(templates)
            if not apply:
                continue
            await self.drop_faces(person_id, templates, report)
            await self.delete_photos(photos, report)
            person = await self.session.get(Person, person_id)
            assert person is not None
            person.pictures_purged_at = self.now()
            await self.uow.audit.record(
                actor,
                "retention_purge",
                "person",
                person_id,
                photos=len(photos),
                templates=len(templates),
            )

    async def holds(
        self, person_ids: Sequence[int]
    ) -> list[tuple[int, WatchlistEntry, Watchlist]]:
        """Active entries of watchlists other than the residents list naming these persons."""
        now = self.now()
        rows = await self.session.execute(
            select(WatchlistEntry.person_id, WatchlistEntry, Watchlist)
            .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
            .where(
                WatchlistEntry.person_id.in_(list(person_ids)),
                Watchlist.kind != WatchlistKind.RESIDENTS,
                (WatchlistEntry.valid_until.is_(None)) | (WatchlistEntry.valid_until > now),
            )
        )
        return [(int(row[0] or 0), row[1], row[2]) for row in rows]

    async def drop_faces(
        self, person_id: int, template_ids: list[int], report: RetentionReport
    ) -> None:
        """Remove the person's templates and their place on the residents list."""
        if template_ids:
            await self.session.execute(
                delete(FaceTemplate).where(FaceTemplate.id.in_(template_ids))
            )
        report.template_ids += template_ids
        residents = select(Watchlist.id).where(Watchlist.kind == WatchlistKind.RESIDENTS)
        await self.session.execute(
            delete(WatchlistEntry).where(
                WatchlistEntry.person_id == person_id, WatchlistEntry.watchlist_id.in_(residents)
            )
        )

    async def _photo_rows(self, *where: object) -> list[StoredPhoto]:
        return list(await self.session.scalars(select(StoredPhoto).where(*where)))  # type: ignore[arg-type]

    async def drop_unreferenced(self, photo_ids: Iterable[int | None]) -> int:
        """Delete the rows of these pictures when nothing refers to them any more (a camera's
        boxed snapshot no alert took, or one a better view replaced), so no picture outlives
        what retention and erasure can find; their files go with the next orphan sweep."""
        ids = {i for i in photo_ids if i is not None}
        for _model, column in PICTURE_REFERENCES:
            if not ids:
                return 0
            ids -= set(await self.session.scalars(select(column).where(column.in_(ids))))
        if ids:
            await self.session.execute(delete(StoredPhoto).where(StoredPhoto.id.in_(ids)))
        return len(ids)

    async def delete_photos(self, photos: Sequence[StoredPhoto], report: RetentionReport) -> None:
        """Delete the rows (their files go after the commit); rows referring to them stay."""
        if not photos:
            return
        ids = [p.id for p in photos]
        for model, column in PICTURE_REFERENCES:
            await self.session.execute(
                update(model).where(column.in_(ids)).values({column.key: None})
            )
        await self.session.execute(delete(StoredPhoto).where(StoredPhoto.id.in_(ids)))
        report.files += [p.path for p in photos]


async def remove_unreferenced(services: ServiceFactory, paths: Sequence[str]) -> int:
    """Remove the files among `paths` that no photo row refers to (after a commit)."""
    if not paths:
        return 0
    async with services() as svc:
        still = set(
            await svc.session.scalars(
                select(StoredPhoto.path).where(StoredPhoto.path.in_(list(set(paths))))
            )
        )
    data_dir = services.context.data_dir
    gone = [data_dir / p for p in set(paths) - still]
    return await asyncio.to_thread(_unlink, gone)


def _unlink(paths: list[Path]) -> int:
    removed = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed


async def enforce_retention(services: ServiceFactory, actor: Actor) -> RetentionReport:
    """The daily job's body: purge what is due, commit, then remove the files."""
    async with services() as svc:
        report = await svc.retention.purge(actor)
    await remove_unreferenced(services, report.files)
    return report
