"""What must be told, to whom: notices recorded by services, rendered by the chat front end.

A service that causes something people must hear about (a tenant's message, an answer, an
overdue house, later an alert or a report's progress) calls
``await self.uow.notifications.notify(Notice(...))`` inside its own transaction. The one
notification path (`core.services.notifications`) resolves the `Audience` to chats, asks the
front end's `Renderer` for each recipient's words in their language, and stores one outbox
delivery per chat, all in the same transaction as the cause: both are written, or neither.
After the commit the unit of work tells the front end (`Notifier.on_enqueued`) to send.

Core never writes words: the renderer is installed by the front end at start (the Telegram
bot today; a WeCom front end could install its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class AudienceKind(StrEnum):
    MEMBER = "member"  # one member (their Telegram account)
    CHAT = "chat"  # one chat known only by id (a tenant who is not a member)
    GRID_STAFF = "grid_staff"  # the staff groups serving a grid
    GRID_CADRES = "grid_cadres"  # the cadres of a grid
    GRID_GUARDS = "grid_guards"  # the guard groups serving a grid
    ADMINS = "admins"  # every active admin
    HOUSE_CONTACTS = "house_contacts"  # the grid's staff group, else the cadre, else admins
    CHANNELS = "channels"  # the robots outside Telegram taking a grid's alerts (core.channels)


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    id: int | None = None  # member id, chat id, grid id or house id, by kind
    locale: str | None = None  # a CHAT's language (members and groups carry their own)
    severity: int | None = None  # CHANNELS: only those whose minimum this reaches

    @classmethod
    def member(cls, member_id: int) -> Audience:
        return cls(AudienceKind.MEMBER, member_id)

    @classmethod
    def chat(cls, chat_id: int, locale: str | None = None) -> Audience:
        return cls(AudienceKind.CHAT, chat_id, locale)

    @classmethod
    def grid_staff(cls, grid_id: int | None) -> Audience:
        return cls(AudienceKind.GRID_STAFF, grid_id)

    @classmethod
    def grid_cadres(cls, grid_id: int) -> Audience:
        return cls(AudienceKind.GRID_CADRES, grid_id)

    @classmethod
    def grid_guards(cls, grid_id: int | None) -> Audience:
        return cls(AudienceKind.GRID_GUARDS, grid_id)

    @classmethod
    def channels(cls, grid_id: int | None, severity: int) -> Audience:
        """Enabled channels of `grid_id` (or of every grid; None: every channel)."""
        return cls(AudienceKind.CHANNELS, grid_id, severity=severity)

    @classmethod
    def admins(cls) -> Audience:
        return cls(AudienceKind.ADMINS)

    @classmethod
    def house_contacts(cls, house_id: int) -> Audience:
        return cls(AudienceKind.HOUSE_CONTACTS, house_id)


@dataclass(frozen=True)
class Recipient:
    chat_id: int  # for a channel (not "telegram"): the channel's id
    locale: str | None  # None: the community's default language
    is_group: bool = False
    channel: str = "telegram"  # or a `core.models.ChannelKind` value


@dataclass(frozen=True)
class Notice:
    """Something to tell an audience; `kind` names the front end's renderer."""

    kind: str
    audience: Audience
    params: Mapping[str, Any] = field(default_factory=dict)
    # One delivery per (dedup, chat): a job that runs twice tells nobody twice.
    dedup: str | None = None
    photo: str | None = None  # a stored picture (path under the data folder)
    reply_to: int | None = None
    house_message_id: int | None = None
    alert_id: int | None = None
    report_id: int | None = None
    edit_of: int | None = None  # a delivery whose sent message this one edits (an alert's)
    # Data for machine receivers (a channel's webhook JSON), JSON-safe; kept with channel
    # deliveries only.
    facts: Mapping[str, Any] | None = None


ButtonRows = Sequence[Sequence[tuple[str, Any]]]


@dataclass(frozen=True)
class Rendered:
    """A notice in one recipient's words; `buttons` rows of (label, button data)."""

    text: str
    buttons: ButtonRows = ()


class Renderer(Protocol):
    def __call__(self, notice: Notice, recipient: Recipient) -> Rendered: ...


@dataclass
class Notifier:
    """The front end's side of the path, installed once it has started."""

    renderer: Renderer | None = None
    on_enqueued: Callable[[], None] | None = None
