"""Watchlists (比对库): persons (by their face templates) and plates to match camera events.

A watchlist is a powerful and dangerous tool, so every entry of a watch list (persons of
interest, people needing care, missing persons, watched vehicles) says who added it, why
(`note`, the reason), on what authority (e.g. a police request number) and until when: 90 days
by default; a missing person's entry runs until the person is found, and is kept 30 days after
that. Only roles with MANAGE_WATCHLISTS add or end entries. An entry past its end stops
matching at once (`alerts` reads only live entries); the daily `purge_expired` deletes it, and
with it the face templates and face photos of a person no other list or residency needs.
Every addition, end and purge is audited here; matches and verdicts in `alerts`.

The residents list (白名单) is different: it is filled by registering residents, has no
expiry and needs no authority (`enrol_resident`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.errors import InvalidInput, NotFound
from core.models import (
    Person,
    PersonKind,
    PhotoKind,
    Watchlist,
    WatchlistEntry,
    WatchlistKind,
)
from core.roles import Actor, Permission
from core.services.face_templates import FaceEnrolment
from core.services.watchlist_retention import WatchlistRetention
from core.services.watchlist_views import (
    DEFAULT_DAYS,
    DEFAULT_NAMES,
    END_REASONS,
    EXPIRING_KIND,
    FOUND_KEEP,
    MAX_AUTHORITY,
    MAX_DAYS,
    MAX_REASON,
    PERSON_KINDS,
    WATCH_KINDS,
    EntryFaces,
    EntryView,
    FaceAdded,
    ListView,
    PhotoAdded,
    Purged,
    clean_authority,
    clean_plate,
    clean_reason,
)
from core.text import clean_name

FLOW = "watchlist"


class WatchlistService(WatchlistRetention):
    async def create(self, actor: Actor, *, kind: WatchlistKind, name: str) -> Watchlist:
        actor.require(Permission.MANAGE_WATCHLISTS)
        watchlist = Watchlist(kind=WatchlistKind(kind), name=name, created_at=self.now())
        self.session.add(watchlist)
        await self.session.flush()
        await self.uow.audit.record(actor, "create", "watchlist", watchlist.id, kind=kind.value)
        return watchlist

    async def of_kind(self, kind: WatchlistKind) -> Watchlist | None:
        return await self.session.scalar(
            select(Watchlist).where(Watchlist.kind == kind).order_by(Watchlist.id)
        )

    async def ensure(self, actor: Actor, kind: WatchlistKind, name: str) -> Watchlist:
        """The first list of `kind`, created (named `name`) when there is none."""
        return await self.of_kind(kind) or await self.create(actor, kind=kind, name=name)

    async def find(self, actor: Actor, ref: str, *, create: bool = False) -> Watchlist:
        """A list by id, kind (`vehicles`) or name (`布控车辆`); with `create`, a built-in
        watch list named by its kind is made when there is none yet."""
        actor.require(Permission.MANAGE_WATCHLISTS)
        ref = ref.strip()
        query = select(Watchlist).order_by(Watchlist.id)
        found: Watchlist | None
        if ref.isdigit():
            found = await self.session.get(Watchlist, int(ref))
        elif ref in {k.value for k in WatchlistKind}:
            found = await self.session.scalar(query.where(Watchlist.kind == ref))
            kind = WatchlistKind(ref)
            if found is None and create and kind in DEFAULT_NAMES:
                found = await self.create(actor, kind=kind, name=DEFAULT_NAMES[kind])
        else:
            found = await self.session.scalar(query.where(Watchlist.name == ref))
        if found is None:
            raise NotFound("watchlist", ref=ref)
        return found

    async def ensure_builtin(self, actor: Actor) -> int:
        """Create the built-in watch lists that do not exist yet; how many were made."""
        made = 0
        for kind, name in DEFAULT_NAMES.items():
            if await self.of_kind(kind) is None:
                await self.create(actor, kind=kind, name=name)
                made += 1
        return made

    async def lists(self, actor: Actor) -> list[ListView]:
        """The watch lists (not the residents or visitors lists) with their live entries."""
        actor.require(Permission.MANAGE_WATCHLISTS)
        live = (
            select(WatchlistEntry.watchlist_id, func.count(WatchlistEntry.id).label("n"))
            .where(self._live_clause())
            .group_by(WatchlistEntry.watchlist_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(Watchlist, func.coalesce(live.c.n, 0))
            .outerjoin(live, live.c.watchlist_id == Watchlist.id)
            .where(Watchlist.kind.in_(WATCH_KINDS))
            .order_by(Watchlist.id)
        )
        return [ListView(w.id, w.kind, w.name, int(n)) for w, n in rows]

    async def add_person(
        self,
        actor: Actor,
        watchlist_id: int,
        person_id: int,
        *,
        reason: str,
        authority: str,
        expires: datetime | None = None,
    ) -> WatchlistEntry:
        """Watch a known person (their enrolled face templates are what match)."""
        actor.require(Permission.MANAGE_WATCHLISTS)
        watchlist = await self._watchlist(watchlist_id)
        if watchlist.kind not in PERSON_KINDS:
            raise InvalidInput("watchlist_kind")
        if await self.session.get(Person, person_id) is None:
            raise NotFound("person", id=person_id)
        entry = await self._entry(actor, watchlist, reason, authority, expires)
        entry.person_id = person_id
        await self.session.flush()
        await self.uow.audit.record(
            actor, "watch", "person", person_id, watchlist_id=watchlist_id, entry_id=entry.id
        )
        return entry

    async def add_face(
        self,
        actor: Actor,
        watchlist_id: int,
        *,
        name: str,
        face: FaceEnrolment,
        reason: str,
        authority: str,
        expires: datetime | None = None,
    ) -> FaceAdded:
        """Watch a person known only from a photo that passed the quality gate: the person,
        the face photo and its template are stored, then the entry."""
        actor.require(Permission.MANAGE_WATCHLISTS)
        watchlist = await self._watchlist(watchlist_id)
        if watchlist.kind not in PERSON_KINDS:
            raise InvalidInput("watchlist_kind")
        entry = await self._entry(actor, watchlist, reason, authority, expires)
        now = self.now()
        person = Person(name=clean_name(name), kind=PersonKind.FLOATING, notes="")
        person.created_at = person.updated_at = now
        self.session.add(person)
        await self.session.flush()
        await self.uow.audit.record(actor, "create", "person", person.id, flow=FLOW)
        photo = await self.uow.photos.store(actor, PhotoKind.FACE, face.data, person_id=person.id)
        added = await self.uow.persons.add_template(actor, person.id, face, photo.id, flow=FLOW)
        entry.person_id = person.id
        await self.session.flush()
        await self.uow.audit.record(
            actor, "watch", "person", person.id, watchlist_id=watchlist_id, entry_id=entry.id
        )
        return FaceAdded(await self._view(entry), added.template_id, face.embedding)

    async def add_photo(self, actor: Actor, entry_id: int, face: FaceEnrolment) -> PhotoAdded:
        """One more face photo (past the quality gate) of a person on a live entry: stored
        with the person and enrolled as one more template, within the per-person limit."""
        actor.require(Permission.MANAGE_WATCHLISTS)
        entry = await self._view(await self._get(entry_id))
        if entry.person_id is None or entry.list_kind not in PERSON_KINDS:
            raise InvalidInput("watchlist_kind")
        if not entry.live:
            raise InvalidInput("entry_ended")
        photo = await self.uow.photos.store(
            actor, PhotoKind.FACE, face.data, person_id=entry.person_id
        )
        added = await self.uow.persons.add_template(
            actor, entry.person_id, face, photo.id, flow=FLOW
        )
        return PhotoAdded(entry, added)

    async def faces(self, actor: Actor, entry_id: int, backend: str) -> EntryFaces:
        """An entry with how many face templates of `backend` its person has, and the limit."""
        actor.require(Permission.MANAGE_WATCHLISTS)
        entry = await self._view(await self._get(entry_id))
        await self.uow.audit.record(actor, "read", "watchlist_entry", entry.id)
        count = 0
        if entry.person_id is not None:
            count = await self.uow.persons.template_count(entry.person_id, backend)
        return EntryFaces(entry, count, self.context.face_templates_per_person)

    async def add_plate(
        self,
        actor: Actor,
        watchlist_id: int,
        plate: str,
        *,
        reason: str,
        authority: str,
        expires: datetime | None = None,
    ) -> WatchlistEntry:
        actor.require(Permission.MANAGE_WATCHLISTS)
        watchlist = await self._watchlist(watchlist_id)
        if watchlist.kind is not WatchlistKind.VEHICLES:
            raise InvalidInput("watchlist_kind")
        cleaned = clean_plate(plate)
        entry = await self._entry(actor, watchlist, reason, authority, expires)
        entry.plate = cleaned
        await self.session.flush()
        await self.uow.audit.record(
            actor, "watch", "plate", cleaned, watchlist_id=watchlist_id, entry_id=entry.id
        )
        return entry

    async def enrol_resident(self, actor: Actor, person_id: int) -> WatchlistEntry:
        """Put a resident on the residents list (白名单) the gate cameras check strangers against.

        Part of registering a resident (EDIT_PERSONS), not of managing watchlists: the list is
        created on first use.
        """
        actor.require(Permission.EDIT_PERSONS)
        watchlist = await self.of_kind(WatchlistKind.RESIDENTS)
        if watchlist is None:
            watchlist = Watchlist(kind=WatchlistKind.RESIDENTS, name="residents")
            watchlist.created_at = self.now()
            self.session.add(watchlist)
            await self.session.flush()
        entry = await self.session.scalar(
            select(WatchlistEntry).where(
                WatchlistEntry.watchlist_id == watchlist.id, WatchlistEntry.person_id == person_id
            )
        )
        if entry is None:
            entry = WatchlistEntry(
                watchlist_id=watchlist.id,
                person_id=person_id,
                created_by_id=actor.member_id,
                added_by=await self._who(actor),
            )
            entry.created_at = self.now()
            self.session.add(entry)
            await self.session.flush()
            await self.uow.audit.record(
                actor, "watch", "person", person_id, watchlist_id=watchlist.id
            )
        return entry

    async def entries(
        self, actor: Actor, watchlist_id: int, *, live_only: bool = False
    ) -> list[EntryView]:
        """A list's entries, newest first (reading them is audited)."""
        actor.require(Permission.MANAGE_WATCHLISTS)
        query = select(WatchlistEntry).where(WatchlistEntry.watchlist_id == watchlist_id)
        if live_only:
            query = query.where(self._live_clause())
        rows = (await self.session.scalars(query.order_by(WatchlistEntry.id.desc()))).all()
        await self.uow.audit.record(actor, "read", "watchlist", watchlist_id, entries=len(rows))
        return [await self._view(entry) for entry in rows]

    async def get(self, actor: Actor, entry_id: int) -> EntryView:
        actor.require(Permission.MANAGE_WATCHLISTS)
        entry = await self._get(entry_id)
        await self.uow.audit.record(actor, "read", "watchlist_entry", entry.id)
        return await self._view(entry)

    async def end(self, actor: Actor, entry_id: int, *, reason: str = "removed") -> EntryView:
        """End an entry now: it stops matching. A found missing person's entry is kept 30 days
        (then purged); any other ended entry is purged by the next daily purge."""
        actor.require(Permission.MANAGE_WATCHLISTS)
        if reason not in END_REASONS:
            raise InvalidInput("end_reason")
        entry = await self._get(entry_id)
        if entry.ended_at is not None:
            return await self._view(entry)
        watchlist = await self._watchlist(entry.watchlist_id)
        now = self.now()
        entry.ended_at, entry.ended_by_id, entry.end_reason = now, actor.member_id, reason
        entry.valid_until = now
        found = watchlist.kind is WatchlistKind.MISSING and reason == "found"
        entry.purge_at = now + FOUND_KEEP if found else now
        await self.uow.audit.record(
            actor, "unwatch", "watchlist_entry", entry.id, reason=reason, list=watchlist.kind.value
        )
        return await self._view(entry)

    async def _entry(
        self,
        actor: Actor,
        watchlist: Watchlist,
        reason: str,
        authority: str,
        expires: datetime | None,
    ) -> WatchlistEntry:
        """A new entry of a watch list with its safeguards (the caller sets the subject)."""
        if watchlist.kind not in WATCH_KINDS:
            raise InvalidInput("watchlist_kind")
        now = self.now()
        if expires is None:
            days = DEFAULT_DAYS[watchlist.kind]
            expires = now + timedelta(days=days) if days is not None else None
        elif expires.tzinfo is None:
            raise InvalidInput("expires")
        elif not now < expires <= now + timedelta(days=MAX_DAYS):
            raise InvalidInput("expires", max_days=MAX_DAYS)
        entry = WatchlistEntry(
            watchlist_id=watchlist.id,
            note=clean_reason(reason),
            authority=clean_authority(authority),
            valid_from=now,
            valid_until=expires,
            created_by_id=actor.member_id,
            added_by=await self._who(actor),
            end_reason="",
        )
        entry.created_at = now
        self.session.add(entry)
        return entry


__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_NAMES",
    "EXPIRING_KIND",
    "MAX_AUTHORITY",
    "MAX_REASON",
    "WATCH_KINDS",
    "EntryFaces",
    "EntryView",
    "FaceAdded",
    "ListView",
    "PhotoAdded",
    "Purged",
    "WatchlistService",
    "clean_authority",
    "clean_plate",
    "clean_reason",
]
