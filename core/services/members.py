"""Members (Telegram users with a role) and invitations to become one."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from core.crypto import token_hash
from core.errors import AlreadyExists, InvalidInput, InvitationInvalid, NotFound
from core.models import Invitation, Member, Role
from core.roles import Actor, Permission
from core.services.base import Service
from core.text import MAX_NAME, clean_name, normalize

SUPPORTED_LOCALES = ("zh_CN", "en")
INVITE_PREFIX = "inv_"
INVITE_LINK = "https://t.me/{bot}?start={token}"


def invite_link(bot_username: str, token: str) -> str:
    """The one-time t.me link that opens `/start inv_…` in the bot."""
    return INVITE_LINK.format(bot=bot_username.strip().lstrip("@"), token=token)


class MemberService(Service):
    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        """Identify the sender of an update (no permission: it is who they are)."""
        return await self.session.scalar(
            select(Member).where(Member.telegram_id == telegram_id, Member.active.is_(True))
        )

    async def get(self, actor: Actor, member_id: int) -> Member:
        if actor.member_id != member_id:
            actor.require(Permission.MANAGE_MEMBERS)
        member = await self.session.get(Member, member_id)
        if member is None:
            raise NotFound("member", id=member_id)
        return member

    async def add(
        self,
        actor: Actor,
        *,
        telegram_id: int | None,
        role: Role,
        name: str,
        grid_code: str | None = None,
        phone: str = "",
    ) -> Member:
        actor.require(Permission.MANAGE_MEMBERS)
        name = clean_name(name)
        if telegram_id is not None and await self.by_telegram_id(telegram_id):
            raise AlreadyExists("member", telegram_id=telegram_id)
        member = Member(
            telegram_id=telegram_id,
            role=Role(role),
            name=name,
            phone=phone,
            grid_id=await self.grid_id(grid_code),
            created_at=self.now(),
        )
        self.session.add(member)
        await self.session.flush()
        await self.uow.audit.record(actor, "create", "member", member.id, role=member.role.value)
        return member

    async def list(
        self,
        actor: Actor,
        *,
        role: Role | None = None,
        grid_code: str | None = None,
        active: bool | None = None,
    ) -> Sequence[Member]:
        """Members by role and name; only `role`'s, `grid_code`'s, active (or not) ones."""
        actor.require(Permission.MANAGE_MEMBERS)
        query = select(Member).order_by(Member.role, Member.name, Member.id)
        if role is not None:
            query = query.where(Member.role == role)
        if grid_code is not None:
            query = query.where(Member.grid_id == await self.grid_id(grid_code))
        if active is not None:
            query = query.where(Member.active.is_(active))
        return (await self.session.scalars(query)).all()

    async def invite(
        self,
        actor: Actor,
        *,
        role: Role,
        name: str = "",
        grid_code: str | None = None,
        valid_days: int = 7,
    ) -> tuple[Invitation, str]:
        """Create a one-time invitation; the token is returned once and stored hashed."""
        actor.require(Permission.MANAGE_MEMBERS)
        token = INVITE_PREFIX + secrets.token_urlsafe(18)
        invitation = Invitation(
            token_hash=token_hash(token),
            role=Role(role),
            name=clean_name(name) if normalize(name) else "",
            grid_id=await self.grid_id(grid_code),
            created_by_id=actor.member_id,
            expires_at=self.now() + timedelta(days=valid_days),
            created_at=self.now(),
        )
        self.session.add(invitation)
        await self.session.flush()
        await self.uow.audit.record(actor, "create", "invitation", invitation.id, role=role.value)
        return invitation, token

    async def redeem(self, *, telegram_id: int, token: str, name: str) -> Member:
        """Bind the Telegram user who opened an invitation link to a new member."""
        invitation = await self.session.scalar(
            select(Invitation).where(Invitation.token_hash == token_hash(token))
        )
        if invitation is None:
            raise InvitationInvalid("unknown")
        if invitation.used_at is not None:
            raise InvitationInvalid("used")
        if invitation.expires_at < self.now():
            raise InvitationInvalid("expired")
        if await self.by_telegram_id(telegram_id):
            raise AlreadyExists("member", telegram_id=telegram_id)
        # `name` is the Telegram profile's, not typed here: an invitation must not fail on it,
        # so a blank one gives way to the Telegram id and a long one is shortened.
        profile = normalize(name)[:MAX_NAME]
        member = Member(
            telegram_id=telegram_id,
            role=invitation.role,
            name=invitation.name or clean_name(profile or str(telegram_id)),
            grid_id=invitation.grid_id,
            created_at=self.now(),
        )
        self.session.add(member)
        await self.session.flush()
        invitation.used_at = self.now()
        invitation.used_by_id = member.id
        bound = Actor(role=member.role, member_id=member.id)
        await self.uow.audit.record(bound, "redeem", "invitation", invitation.id)
        return member

    async def set_locale(self, actor: Actor, locale: str) -> None:
        """A member chooses their language."""
        if locale not in SUPPORTED_LOCALES:
            raise InvalidInput("locale", locale=locale)
        if actor.member_id is None:
            raise NotFound("member")
        member = await self.session.get(Member, actor.member_id)
        if member is None:
            raise NotFound("member", id=actor.member_id)
        member.locale = locale

    async def set_role(self, actor: Actor, member_id: int, role: Role) -> Role:
        """Give a member another role (audited with the old and new one); returns the old."""
        member = await self._managed(actor, member_id)
        old, member.role = member.role, Role(role)
        if old is not member.role:
            await self.uow.audit.record(
                actor, "set_role", "member", member.id, old=old.value, new=member.role.value
            )
        return old

    async def set_grid(self, actor: Actor, member_id: int, grid_code: str | None) -> Member:
        """Move a member to the grid with `grid_code` (None: no grid), audited."""
        member = await self._managed(actor, member_id)
        old, member.grid_id = member.grid_id, await self.grid_id(grid_code)
        if old != member.grid_id:
            await self.uow.audit.record(
                actor, "set_grid", "member", member.id, old=old, new=member.grid_id
            )
        return member

    async def deactivate(self, actor: Actor, member_id: int) -> Member:
        """The member can no longer use the bot (their account may be invited again)."""
        member = await self._managed(actor, member_id)
        if member.active:
            member.active = False
            await self.uow.audit.record(actor, "deactivate", "member", member.id)
        return member

    async def _managed(self, actor: Actor, member_id: int) -> Member:
        """A member another member changes: never oneself (an admin could lock all out)."""
        actor.require(Permission.MANAGE_MEMBERS)
        if actor.member_id is not None and actor.member_id == member_id:
            raise InvalidInput("own_member")
        member = await self.session.get(Member, member_id)
        if member is None:
            raise NotFound("member", id=member_id)
        return member


def actor_for(member: Member) -> Actor:
    return Actor(role=member.role, member_id=member.id, label=f"member:{member.id}")
