"""Bind a Telegram account to a member, reusing the unbound one the house import created.

The houses CSV names cadres who are not members yet; the import creates them without a
Telegram id. When the operator later adds that cadre by Telegram id, the existing row is
bound instead of a duplicate being created, so the houses stay assigned to them.
Use it over a unit of work: `await MemberBindingService(svc).bind_or_add(actor, ...)`.
"""

from __future__ import annotations

from sqlalchemy import select

from core.errors import AlreadyExists, InvalidInput
from core.idnumber import normalize_phone
from core.models import Member, Role
from core.roles import Actor, Permission
from core.services.base import Service
from core.text import clean_name


class MemberBindingService(Service):
    async def bind_or_add(
        self,
        actor: Actor,
        *,
        telegram_id: int,
        role: Role,
        name: str,
        grid_code: str | None = None,
        phone: str = "",
    ) -> tuple[Member, bool]:
        """The member now bound to `telegram_id`, and whether an unbound one was reused."""
        actor.require(Permission.MANAGE_MEMBERS)
        role = Role(role)
        cleaned = clean_name(name)
        phone = normalize_phone(phone) if phone.strip() else ""
        if await self.uow.members.by_telegram_id(telegram_id) is not None:
            raise AlreadyExists("member", telegram_id=telegram_id)
        grid_id = await self.grid_id(grid_code)
        member = await self._unbound(cleaned, role, grid_id)
        if member is None:
            added = await self.uow.members.add(
                actor,
                telegram_id=telegram_id,
                role=role,
                name=cleaned,
                grid_code=grid_code,
                phone=phone,
            )
            return added, False
        member.telegram_id = telegram_id
        if phone:
            member.phone = phone
        if grid_id is not None:
            member.grid_id = grid_id
        await self.session.flush()
        await self.uow.audit.record(actor, "bind", "member", member.id, role=role.value)
        return member, True

    async def _unbound(self, name: str, role: Role, grid_id: int | None) -> Member | None:
        """The one active unbound member with this name and role (preferring the grid)."""
        candidates = (
            await self.session.scalars(
                select(Member)
                .where(
                    Member.name == name,
                    Member.role == role,
                    Member.telegram_id.is_(None),
                    Member.active.is_(True),
                )
                .order_by(Member.id)
            )
        ).all()
        if len(candidates) > 1 and grid_id is not None:
            candidates = [m for m in candidates if m.grid_id == grid_id] or candidates
        if len(candidates) > 1:
            raise InvalidInput("ambiguous_member", name=name, count=len(candidates))
        return candidates[0] if candidates else None
