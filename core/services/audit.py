"""Every read or change of personal data leaves an entry here; admins and police page it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from core.models import AuditEntry, Member
from core.roles import Actor, Permission
from core.services.base import Service

PAGE_SIZE = 8


@dataclass(frozen=True)
class AuditFilter:
    """Which entries: about one person, by one member, on one local day or since a time."""

    person_id: int | None = None
    member_id: int | None = None
    day: date | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    actor: str  # the member's name, else the label recorded (cli, retention, …)
    member_id: int | None
    action: str
    subject_type: str
    subject_id: str
    flow: str
    reason: str
    details: dict[str, Any]


@dataclass(frozen=True)
class AuditPage:
    lines: tuple[AuditLine, ...]
    total: int
    offset: int
    limit: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1


class AuditService(Service):
    async def record(
        self,
        actor: Actor,
        action: str,
        subject_type: str,
        subject_id: object,
        *,
        flow: str = "",
        **details: Any,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=self.now(),
                actor_id=actor.member_id,
                actor_label=actor.display,
                action=action,
                subject_type=subject_type,
                subject_id=str(subject_id),
                flow=flow,
                details=details,
            )
        )

    async def entries(
        self,
        actor: Actor,
        *,
        subject_type: str | None = None,
        subject_id: object | None = None,
        limit: int = 50,
    ) -> Sequence[AuditEntry]:
        actor.require(Permission.VIEW_AUDIT)
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if subject_type:
            query = query.where(AuditEntry.subject_type == subject_type)
        if subject_id is not None:
            query = query.where(AuditEntry.subject_id == str(subject_id))
        return (await self.session.scalars(query)).all()

    async def page(
        self,
        actor: Actor,
        where: AuditFilter = AuditFilter(),
        *,
        offset: int = 0,
        limit: int = PAGE_SIZE,
    ) -> AuditPage:
        """The newest entries matching `where`, `limit` at a time from `offset`."""
        actor.require(Permission.VIEW_AUDIT)
        conditions: list[Any] = []
        if where.person_id is not None:
            conditions += [
                AuditEntry.subject_type == "person",
                AuditEntry.subject_id == str(where.person_id),
            ]
        if where.member_id is not None:
            conditions.append(AuditEntry.actor_id == where.member_id)
        if where.day is not None:
            start = datetime.combine(where.day, time(0), tzinfo=self.context.zone)
            conditions += [AuditEntry.at >= start, AuditEntry.at < start + timedelta(days=1)]
        if where.since is not None:
            conditions.append(AuditEntry.at >= where.since)
        total = int(
            await self.session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0
        )
        offset = max(0, min(offset, (max(total, 1) - 1) // limit * limit))
        rows = await self.session.execute(
            select(AuditEntry, Member.name)
            .outerjoin(Member, Member.id == AuditEntry.actor_id)
            .where(*conditions)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        lines = tuple(
            AuditLine(
                id=entry.id,
                at=entry.at,
                actor=name or entry.actor_label,
                member_id=entry.actor_id,
                action=entry.action,
                subject_type=entry.subject_type,
                subject_id=entry.subject_id,
                flow=entry.flow,
                reason=str((entry.details or {}).get("reason", "")),
                details=dict(entry.details or {}),
            )
            for entry, name in rows
        )
        return AuditPage(lines, total, offset, limit)

    async def actors(self, actor: Actor, *, limit: int = 12) -> list[tuple[int, str]]:
        """(member id, name) of the members with entries in the log, latest first."""
        actor.require(Permission.VIEW_AUDIT)
        rows = await self.session.execute(
            select(Member.id, Member.name)
            .join(AuditEntry, AuditEntry.actor_id == Member.id)
            .group_by(Member.id, Member.name)
            .order_by(func.max(AuditEntry.at).desc())
            .limit(limit)
        )
        return [(int(member_id), str(name)) for member_id, name in rows]
