"""Passages as guards and police look them up: by plate (tolerant), or the latest ones.

A plate search compares the plate asked for with every distinct plate read, through the
tolerant match the caller passes in (the recognition core's: province, O/0, B/8 …; core never
imports the recognition package), then pages the matching passages newest first. Every search
and list is audited as a read of passages; a snapshot is opened through the sealed photo store
(`PhotoService.read`, audited again with its reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from core.errors import DomainError, NotFound
from core.idnumber import mask_name
from core.models import Camera, MatchBand, Passage, Person
from core.roles import Actor, Permission
from core.services.base import Service
from core.sightings import PlateMatcher

FLOW = "passages"
MAX_PLATE = 16


class BadPlate(DomainError):
    """The plate to search for is empty or too long."""

    code = "bad_plate"


@dataclass(frozen=True)
class PassageView:
    """One passage as a line or a caption needs it (words are the front end's)."""

    id: int
    seen_at: datetime
    camera: str
    direction: str
    person: str | None  # the person's name, masked (张*)
    plate: str | None
    band: MatchBand | None
    score: float | None
    snapshot_id: int | None


class PassageService(Service):
    async def by_plate(
        self,
        actor: Actor,
        plate: str,
        match_plate: PlateMatcher,
        *,
        offset: int = 0,
        limit: int = 5,
    ) -> tuple[list[PassageView], int]:
        """Passages whose plate is `plate` up to reading errors, newest first, and how many."""
        actor.require(Permission.HANDLE_ALERTS)
        wanted = "".join(plate.split())
        if not wanted or len(wanted) > MAX_PLATE:
            raise BadPlate(plate=plate[:MAX_PLATE])
        read = await self.session.scalars(
            select(Passage.plate).where(Passage.plate.is_not(None)).distinct()
        )
        matched = [p for p in read if p and match_plate(p, [wanted]) is not None]
        views, total = await self._page(Passage.plate.in_(matched), offset, limit)
        await self._audit(actor, "search", wanted, total, views, plate=wanted)
        return views, total

    async def latest(
        self,
        actor: Actor,
        *,
        camera: str | None = None,
        since: datetime | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> tuple[list[PassageView], int]:
        """The latest passages (of one camera, by id or name; since a time), and how many."""
        actor.require(Permission.HANDLE_ALERTS)
        conditions: list[ColumnElement[bool]] = []
        if camera:
            found = await self.session.scalar(
                select(Camera.id).where(or_(Camera.id == camera, Camera.name == camera))
            )
            if found is None:
                raise NotFound("camera", id=camera)
            conditions.append(Passage.camera_id == found)
        if since is not None:
            conditions.append(Passage.seen_at >= since)
        where = and_(*conditions) if conditions else None
        views, total = await self._page(where, offset, limit)
        details: dict[str, Any] = {"camera": camera or ""}
        if since is not None:
            details["since"] = since.isoformat()
        await self._audit(actor, "list", camera or "*", total, views, **details)
        return views, total

    async def snapshot(self, actor: Actor, passage_id: int, *, reason: str) -> bytes | None:
        """A passage's snapshot from the sealed store (audited with `reason`), or None."""
        actor.require(Permission.HANDLE_ALERTS)
        passage = await self.session.get(Passage, passage_id)
        if passage is None:
            raise NotFound("passage", id=passage_id)
        if passage.snapshot_id is None:
            return None
        _photo, data = await self.uow.photos.read(
            actor, passage.snapshot_id, flow=FLOW, reason=reason
        )
        return data

    async def _page(
        self, where: ColumnElement[bool] | None, offset: int, limit: int
    ) -> tuple[list[PassageView], int]:
        count = select(func.count(Passage.id))
        rows = select(Passage, Camera.name, Person.name).join(
            Camera, Camera.id == Passage.camera_id
        )
        rows = rows.outerjoin(Person, Person.id == Passage.person_id)
        if where is not None:
            count, rows = count.where(where), rows.where(where)
        total = int(await self.session.scalar(count) or 0)
        page = await self.session.execute(
            rows.order_by(Passage.seen_at.desc(), Passage.id.desc())
            .offset(max(0, offset))
            .limit(limit)
        )
        return [_view(p, camera, person) for p, camera, person in page.all()], total

    async def _audit(
        self,
        actor: Actor,
        action: str,
        subject: str,
        total: int,
        views: list[PassageView],
        **details: Any,
    ) -> None:
        await self.uow.audit.record(
            actor,
            f"{action}_passages",
            "passages",
            subject[:64],
            flow=FLOW,
            total=total,
            shown=[v.id for v in views],
            **details,
        )


def _view(passage: Passage, camera: str, person: str | None) -> PassageView:
    return PassageView(
        id=passage.id,
        seen_at=passage.seen_at,
        camera=camera,
        direction=passage.direction,
        person=mask_name(person) if person else None,
        plate=passage.plate,
        band=passage.band,
        score=passage.score,
        snapshot_id=passage.snapshot_id,
    )
