"""Alert channels: robots and webhooks outside Telegram (admins only, every change audited).

A channel's URL and secret are credentials (WeCom's key and DingTalk's token sit in the URL):
they are sealed with the vault and shown to nobody; `target` opens them for the sender only.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from core.channels.severity import SEVERITIES, severity_value
from core.errors import AlreadyExists, InvalidInput, NotFound
from core.models import Alert, Channel, ChannelKind, Grid, StoredPhoto
from core.roles import Actor, Permission
from core.services.base import Service
from core.text import clean_line

URL_CONTEXT, SECRET_CONTEXT = "channel.url", "channel.secret"
MAX_NAME, MAX_URL, MAX_SECRET = 64, 1000, 200
SECRET_REQUIRED = {ChannelKind.WEBHOOK}  # generated when not given: receivers check it


@dataclass(frozen=True)
class ChannelInfo:
    """A channel as admins see it: the URL's host only, never its key or the secret."""

    id: int
    name: str
    kind: ChannelKind
    host: str
    grid: str | None
    min_severity: str
    signed: bool
    enabled: bool


@dataclass(frozen=True)
class ChannelTarget:
    """What the sender needs (system side): the opened URL and secret."""

    id: int
    name: str
    kind: ChannelKind
    url: str
    secret: str | None
    locale: str | None
    enabled: bool


class ChannelService(Service):
    async def add(
        self,
        actor: Actor,
        *,
        name: str,
        kind: ChannelKind,
        url: str,
        secret: str | None = None,
        grid_code: str | None = None,
        min_severity: str = "low",
        locale: str | None = None,
    ) -> tuple[ChannelInfo, str | None]:
        """Add a channel; the second value is a generated secret (shown once), else None."""
        actor.require(Permission.MANAGE_CHANNELS)
        kind = ChannelKind(kind)
        name = clean_line(name, field="name", max_length=MAX_NAME)
        url = _clean_url(url)
        level = severity_value(min_severity)
        if await self.session.scalar(select(Channel.id).where(Channel.name == name)):
            raise AlreadyExists("channel", name=name)
        generated = None
        if secret is not None:
            secret = clean_line(secret, field="secret", max_length=MAX_SECRET)
        elif kind in SECRET_REQUIRED:
            secret = generated = secrets.token_urlsafe(32)
        vault = self.context.vault
        channel = Channel(
            name=name,
            kind=kind,
            url_sealed=vault.encrypt(url, context=URL_CONTEXT),
            secret_sealed=vault.encrypt(secret, context=SECRET_CONTEXT) if secret else None,
            grid_id=await self.grid_id(grid_code),
            min_severity=level,
            locale=locale,
            enabled=True,
            created_at=self.now(),
        )
        self.session.add(channel)
        await self.session.flush()
        await self.uow.audit.record(actor, "create", "channel", channel.id, kind=kind.value)
        return await self._info(channel), generated

    async def list(self, actor: Actor) -> Sequence[ChannelInfo]:
        actor.require(Permission.MANAGE_CHANNELS)
        rows = await self.session.scalars(select(Channel).order_by(Channel.name))
        return [await self._info(c) for c in rows]

    async def get(self, actor: Actor, name: str) -> ChannelInfo:
        actor.require(Permission.MANAGE_CHANNELS)
        return await self._info(await self._by_name(name))

    async def disable(self, actor: Actor, name: str) -> ChannelInfo:
        actor.require(Permission.MANAGE_CHANNELS)
        channel = await self._by_name(name)
        channel.enabled = False
        await self.uow.audit.record(actor, "disable", "channel", channel.id)
        return await self._info(channel)

    async def for_test(self, actor: Actor, name: str) -> ChannelTarget:
        """An admin's `channel test`: the target opened, the test audited."""
        actor.require(Permission.MANAGE_CHANNELS)
        channel = await self._by_name(name)
        await self.uow.audit.record(actor, "test", "channel", channel.id)
        return self._target(channel)

    async def target(self, channel_id: int) -> ChannelTarget | None:
        """System side (the sender): None when the channel is gone."""
        channel = await self.session.get(Channel, channel_id)
        return self._target(channel) if channel is not None else None

    async def snapshot(self, alert_id: int) -> bytes:
        """An alert's snapshot for a valid signed link (the caller checked the signature);
        decrypted in memory, audited. NotFound when the alert or its picture is gone."""
        alert = await self.session.get(Alert, alert_id)
        photo = (
            await self.session.get(StoredPhoto, alert.snapshot_id)
            if alert is not None and alert.snapshot_id is not None
            else None
        )
        if photo is None:
            raise NotFound("snapshot", alert=alert_id)
        data = await self.uow.photos.open(photo)
        await self.uow.audit.record(Actor.system("channel-link"), "view", "photo", photo.id)
        return data

    async def _by_name(self, name: str) -> Channel:
        channel = await self.session.scalar(select(Channel).where(Channel.name == name))
        if channel is None:
            raise NotFound("channel", name=name)
        return channel

    def _target(self, channel: Channel) -> ChannelTarget:
        vault = self.context.vault
        secret = channel.secret_sealed
        return ChannelTarget(
            id=channel.id,
            name=channel.name,
            kind=channel.kind,
            url=vault.decrypt(channel.url_sealed, context=URL_CONTEXT),
            secret=vault.decrypt(secret, context=SECRET_CONTEXT) if secret else None,
            locale=channel.locale,
            enabled=channel.enabled,
        )

    async def _info(self, channel: Channel) -> ChannelInfo:
        grid = await self.session.get(Grid, channel.grid_id) if channel.grid_id else None
        url = self.context.vault.decrypt(channel.url_sealed, context=URL_CONTEXT)
        return ChannelInfo(
            id=channel.id,
            name=channel.name,
            kind=channel.kind,
            host=urlsplit(url).netloc,
            grid=grid.code if grid else None,
            min_severity=SEVERITIES[channel.min_severity],
            signed=channel.secret_sealed is not None,
            enabled=channel.enabled,
        )


def _clean_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
        raise InvalidInput("url", field="url")
    return url
