"""Guard and staff group chats, and which grids they serve."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.errors import AlreadyExists, InvalidInput, NotFound
from core.models import GroupChat, GroupRole
from core.roles import Actor, Permission
from core.services.base import Service


class GroupService(Service):
    async def add(
        self,
        actor: Actor,
        *,
        chat_id: int,
        role: GroupRole,
        grid_codes: Sequence[str] = (),
        title: str = "",
    ) -> GroupChat:
        actor.require(Permission.MANAGE_GROUPS)
        if chat_id >= 0:
            raise InvalidInput("chat_id", chat_id=chat_id)  # a private chat, not a group
        if await self.by_chat_id(chat_id):
            raise AlreadyExists("group", chat_id=chat_id)
        grids = [await self.grid_by_code(code) for code in dict.fromkeys(grid_codes)]
        title = " ".join(title.split())[:120]
        group = GroupChat(chat_id=chat_id, role=GroupRole(role), title=title, grids=grids)
        group.created_at = self.now()
        self.session.add(group)
        await self.session.flush()
        await self.uow.audit.record(actor, "create", "group", chat_id, role=group.role.value)
        return group

    async def get(self, actor: Actor, chat_id: int) -> GroupChat:
        """A bound group, for the admin's screens."""
        actor.require(Permission.MANAGE_GROUPS)
        group = await self.by_chat_id(chat_id)
        if group is None:
            raise NotFound("group", chat_id=chat_id)
        return group

    async def remove(self, actor: Actor, chat_id: int) -> GroupChat:
        """Unbind a group: it gets no more alerts or reminders (audited)."""
        group = await self.get(actor, chat_id)
        await self.session.delete(group)
        await self.session.flush()
        await self.uow.audit.record(
            actor, "remove", "group", chat_id, role=group.role.value, title=group.title
        )
        return group

    async def by_chat_id(self, chat_id: int) -> GroupChat | None:
        return await self.session.scalar(
            select(GroupChat)
            .where(GroupChat.chat_id == chat_id)
            .options(selectinload(GroupChat.grids))
        )

    async def list(self, actor: Actor) -> Sequence[GroupChat]:
        actor.require(Permission.MANAGE_GROUPS)
        query = select(GroupChat).options(selectinload(GroupChat.grids)).order_by(GroupChat.id)
        return (await self.session.scalars(query)).all()

    async def of_role(self, role: GroupRole) -> Sequence[GroupChat]:
        query = select(GroupChat).where(GroupChat.role == role).order_by(GroupChat.id)
        return (await self.session.scalars(query)).all()

    async def for_grid(self, role: GroupRole, grid_id: int | None) -> Sequence[GroupChat]:
        """Groups of `role` that serve `grid_id` (those with no grids serve every grid)."""
        groups = (
            await self.session.scalars(
                select(GroupChat)
                .where(GroupChat.role == role)
                .options(selectinload(GroupChat.grids))
            )
        ).all()
        return [g for g in groups if not g.grids or any(x.id == grid_id for x in g.grids)]
