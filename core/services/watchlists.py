"""Watchlists (比对库): persons (by their face templates) and plates to match camera events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.errors import InvalidInput, NotFound
from core.models import Person, Watchlist, WatchlistEntry, WatchlistKind
from core.roles import Actor, Permission
from core.services.base import Service
from core.text import normalize


class WatchlistService(Service):
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

    async def add_person(
        self, actor: Actor, watchlist_id: int, person_id: int, *, note: str = ""
    ) -> WatchlistEntry:
        actor.require(Permission.MANAGE_WATCHLISTS)
        await self._watchlist(watchlist_id)
        if await self.session.get(Person, person_id) is None:
            raise NotFound("person", id=person_id)
        entry = WatchlistEntry(
            watchlist_id=watchlist_id,
            person_id=person_id,
            note=note,
            created_by_id=actor.member_id,
        )
        entry.created_at = self.now()
        self.session.add(entry)
        await self.session.flush()
        await self.uow.audit.record(actor, "watch", "person", person_id, watchlist_id=watchlist_id)
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
                watchlist_id=watchlist.id, person_id=person_id, created_by_id=actor.member_id
            )
            entry.created_at = self.now()
            self.session.add(entry)
            await self.session.flush()
            await self.uow.audit.record(
                actor, "watch", "person", person_id, watchlist_id=watchlist.id
            )
        return entry

    async def add_plate(
        self, actor: Actor, watchlist_id: int, plate: str, *, note: str = ""
    ) -> WatchlistEntry:
        actor.require(Permission.MANAGE_WATCHLISTS)
        watchlist = await self._watchlist(watchlist_id)
        if watchlist.kind is not WatchlistKind.VEHICLES:
            raise InvalidInput("watchlist_kind")
        cleaned = "".join(normalize(plate).split()).upper()  # full-width 浙Ａ… is 浙A…
        if not 7 <= len(cleaned) <= 8:
            raise InvalidInput("plate")
        entry = WatchlistEntry(
            watchlist_id=watchlist_id, plate=cleaned, note=note, created_by_id=actor.member_id
        )
        entry.created_at = self.now()
        self.session.add(entry)
        await self.session.flush()
        await self.uow.audit.record(actor, "watch", "plate", cleaned, watchlist_id=watchlist_id)
        return entry

    async def entries(self, actor: Actor, watchlist_id: int) -> Sequence[WatchlistEntry]:
        actor.require(Permission.MANAGE_WATCHLISTS)
        return (
            await self.session.scalars(
                select(WatchlistEntry).where(WatchlistEntry.watchlist_id == watchlist_id)
            )
        ).all()

    async def _watchlist(self, watchlist_id: int) -> Watchlist:
        watchlist = await self.session.get(Watchlist, watchlist_id)
        if watchlist is None:
            raise NotFound("watchlist", id=watchlist_id)
        return watchlist
