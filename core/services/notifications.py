"""The one notification path: audience → recipients → each one's words → the outbox.

System-side: it resolves who hears a notice, never what a person may read; the service that
records the notice has already checked its actor. See `core.notify` for the pieces.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select

from core.errors import ConfigurationError
from core.models import Channel, GroupRole, House, Member, Role
from core.notify import Audience, AudienceKind, Notice, Recipient
from core.services.base import Service


class NotificationService(Service):
    async def notify(self, notice: Notice) -> int:
        """Store one delivery per recipient (rendered in their language); how many were new.

        0 means nobody could be reached, or every recipient had it already (`dedup`).
        """
        renderer = self.context.notifier.renderer
        if renderer is None:
            raise ConfigurationError("notifier", "no front end renders notices")
        enqueued = 0
        for recipient in await self.recipients(notice.audience):
            rendered = renderer(notice, recipient)
            telegram = recipient.channel == "telegram"
            where = recipient.chat_id if telegram else f"{recipient.channel}.{recipient.chat_id}"
            delivery = await self.uow.outbox.enqueue(
                channel=recipient.channel,
                facts=None if telegram or notice.facts is None else dict(notice.facts),
                chat_id=recipient.chat_id,
                text=rendered.text,
                kind=notice.kind,
                photo=notice.photo,
                buttons=rendered.buttons,
                reply_to=notice.reply_to,
                dedup_key=f"{notice.dedup}:{where}" if notice.dedup else None,
                house_message_id=notice.house_message_id,
                alert_id=notice.alert_id,
                report_id=notice.report_id,
                edit_of=notice.edit_of,
            )
            enqueued += delivery is not None
        return enqueued

    async def recipients(self, audience: Audience) -> list[Recipient]:
        """The chats an audience is made of today (inactive members are nobody)."""
        kind = audience.kind
        if kind is AudienceKind.CHAT:
            assert audience.id is not None
            return [Recipient(audience.id, audience.locale, is_group=audience.id < 0)]
        if kind is AudienceKind.MEMBER:
            member = await self.session.get(Member, audience.id)
            return _members([member] if member is not None else [])
        if kind is AudienceKind.ADMINS:
            return _members(await self._members(Role.ADMIN))
        if kind is AudienceKind.GRID_CADRES:
            return _members(await self._members(Role.CADRE, audience.id))
        if kind is AudienceKind.CHANNELS:
            return await self._channels(audience.id, audience.severity or 0)
        if kind is AudienceKind.GRID_STAFF:
            return await self._groups(GroupRole.STAFF, audience.id)
        if kind is AudienceKind.GRID_GUARDS:
            return await self._groups(GroupRole.GUARDS, audience.id)
        assert kind is AudienceKind.HOUSE_CONTACTS
        return await self._house_contacts(int(audience.id or 0))

    async def _house_contacts(self, house_id: int) -> list[Recipient]:
        """The staff group of the house's grid, else its cadre, else the admins."""
        house = await self.session.get(House, house_id)
        if house is None:
            return []
        groups = await self._groups(GroupRole.STAFF, house.grid_id)
        if groups:
            return groups
        if house.cadre_id is not None:
            cadre = _members([await self.session.get(Member, house.cadre_id)])
            if cadre:
                return cadre
        return _members(await self._members(Role.ADMIN))

    async def _channels(self, grid_id: int | None, severity: int) -> list[Recipient]:
        """Enabled channels for the grid (a channel of no grid takes every grid's alerts)."""
        query = select(Channel).where(Channel.enabled.is_(True), Channel.min_severity <= severity)
        if grid_id is not None:
            query = query.where(or_(Channel.grid_id.is_(None), Channel.grid_id == grid_id))
        rows = await self.session.scalars(query.order_by(Channel.id))
        return [Recipient(c.id, c.locale, is_group=True, channel=c.kind.value) for c in rows]

    async def _groups(self, role: GroupRole, grid_id: int | None) -> list[Recipient]:
        """The groups serving `grid_id`; with no grid, every group of `role`."""
        if grid_id is None:
            groups = list(await self.uow.groups.of_role(role))
        else:
            groups = list(await self.uow.groups.for_grid(role, grid_id))
        return [Recipient(g.chat_id, g.locale, is_group=True) for g in groups]

    async def _members(self, role: Role, grid_id: int | None = None) -> list[Member]:
        query = select(Member).where(Member.role == role).order_by(Member.id)
        if grid_id is not None:
            query = query.where(Member.grid_id == grid_id)
        return list(await self.session.scalars(query))


def _members(members: Sequence[Member | None]) -> list[Recipient]:
    return [
        Recipient(m.telegram_id, m.locale)
        for m in members
        if m is not None and m.active and m.telegram_id is not None
    ]
