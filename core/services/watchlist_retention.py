"""Watchlist retention: entries expiring soon (the admins' weekly notice) and the daily purge
of entries past their end, with the face templates and photos only they needed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, delete, or_, select, update

from core.models import (
    Alert,
    FaceTemplate,
    PhotoKind,
    Residency,
    ResidencyStatus,
    StoredPhoto,
    WatchlistEntry,
)
from core.notify import Audience, Notice
from core.roles import Actor, Permission
from core.services.watchlist_views import EXPIRING_KIND, EntryView, Purged, WatchlistBase


class WatchlistRetention(WatchlistBase):
    async def expiring(self, within: timedelta) -> list[EntryView]:
        """Live entries that expire within `within` (system use: the weekly notice)."""
        now = self.now()
        rows = await self.session.scalars(
            select(WatchlistEntry)
            .where(
                self._live_clause(),
                WatchlistEntry.valid_until.is_not(None),
                WatchlistEntry.valid_until <= now + within,
            )
            .order_by(WatchlistEntry.valid_until)
        )
        return [await self._view(entry) for entry in rows]

    async def tell_expiring(self, within: timedelta) -> int:
        """Tell the admins which entries expire soon (once per ISO week); how many entries."""
        soon = await self.expiring(within)
        if soon:
            year, week, _ = self.now().astimezone(self.context.zone).isocalendar()
            await self.uow.notifications.notify(
                Notice(
                    EXPIRING_KIND,
                    Audience.admins(),
                    {"entries": soon, "days": within.days},
                    dedup=f"{EXPIRING_KIND}:{year}-W{week:02d}",
                )
            )
        return len(soon)

    async def purge_expired(self, actor: Actor) -> Purged:
        """Delete entries past their purge time, and the face data only they needed."""
        actor.require(Permission.MANAGE_WATCHLISTS)
        now = self.now()
        due = or_(
            and_(WatchlistEntry.purge_at.is_not(None), WatchlistEntry.purge_at <= now),
            and_(
                WatchlistEntry.purge_at.is_(None),
                WatchlistEntry.valid_until.is_not(None),
                WatchlistEntry.valid_until <= now,
            ),
        )
        entries = (await self.session.scalars(select(WatchlistEntry).where(due))).all()
        if not entries:
            return Purged(0, (), 0)
        ids = [e.id for e in entries]
        persons = {e.person_id for e in entries if e.person_id is not None}
        await self.session.execute(
            update(Alert).where(Alert.entry_id.in_(ids)).values(entry_id=None)
        )
        for entry in entries:
            await self.uow.audit.record(
                actor,
                "purge",
                "watchlist_entry",
                entry.id,
                person_id=entry.person_id,
                plate=entry.plate,
            )
        await self.session.execute(delete(WatchlistEntry).where(WatchlistEntry.id.in_(ids)))
        templates, photos = await self._forget_faces(actor, persons)
        await self.session.flush()
        return Purged(len(ids), tuple(templates), photos)

    async def _forget_faces(self, actor: Actor, persons: set[int]) -> tuple[list[int], int]:
        """Face templates and face photos of the persons nothing else keeps."""
        templates: list[int] = []
        photos = 0
        for person_id in sorted(persons):
            kept = await self.session.scalar(
                select(WatchlistEntry.id).where(WatchlistEntry.person_id == person_id).limit(1)
            )
            lives = await self.session.scalar(
                select(Residency.id)
                .where(
                    Residency.person_id == person_id,
                    Residency.status == ResidencyStatus.ACTIVE,
                )
                .limit(1)
            )
            if kept is not None or lives is not None:
                continue
            ids = list(
                await self.session.scalars(
                    select(FaceTemplate.id).where(FaceTemplate.person_id == person_id)
                )
            )
            await self.session.execute(delete(FaceTemplate).where(FaceTemplate.id.in_(ids)))
            faces = list(
                await self.session.scalars(
                    select(StoredPhoto).where(
                        StoredPhoto.person_id == person_id, StoredPhoto.kind == PhotoKind.FACE
                    )
                )
            )
            for photo in faces:
                await self.session.delete(photo)  # the file goes with the orphan sweep
            templates += ids
            photos += len(faces)
            await self.uow.audit.record(
                actor, "purge_face", "person", person_id, templates=len(ids), photos=len(faces)
            )
        return templates, photos
