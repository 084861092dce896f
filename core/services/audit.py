"""Every read or change of personal data leaves an entry here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from core.models import AuditEntry
from core.roles import Actor, Permission
from core.services.base import Service


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
