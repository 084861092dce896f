"""Tenants' messages from a house card to the grid's staff, and the staff's answers.

The tenant is usually not a member: they are known by their Telegram id and first name only,
so `submit` takes no Actor and is guarded by a per-sender rate limit instead (it protects the
staff group from a flood). A message is told to the house's contacts (the grid's staff
group, else the cadre, else the admins) and an answer to the tenant, as notices in the same
transaction (`core.notify`); `for_delivery` finds which message a staff reply answers.
Nothing here returns text for users.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.errors import NotFound, RateLimited
from core.models import House, HouseMessage
from core.notify import Audience, Notice
from core.roles import Actor, Permission
from core.services.base import Service
from core.text import MAX_NAME, clean_block, normalize

MAX_TEXT = 1000
RATE_LIMIT = 5  # messages per sender …
RATE_WINDOW = timedelta(hours=1)  # … in this sliding window
# Outbox kinds: a tenant's message to staff (replies to it are answers) and an answer to them.
MESSAGE_KIND = "house_message"
ANSWER_KIND = "house_message_answer"


@dataclass(frozen=True)
class HouseRef:
    """What anybody holding the card may know of a house: no person, no phone."""

    id: int
    code: str
    address: str
    grid_id: int


@dataclass(frozen=True)
class HouseMessageView:
    id: int
    house: HouseRef
    sender_telegram_id: int
    sender_name: str
    sender_locale: str | None
    text: str
    created_at: datetime
    answer: str
    answered_at: datetime | None


def house_ref(house: House) -> HouseRef:
    return HouseRef(house.id, house.code, house.standard_address, house.grid_id)


def clean_text(text: str) -> str:
    """A message or an answer as it will be stored (core.text's multi-line normalisation).

    InvalidInput "empty" or "too_long" (params: field="text", max=MAX_TEXT). It stays NFC, not
    NFKC: the writer's full-width Chinese punctuation (，！？) is kept as typed.
    """
    return clean_block(text, field="text", max_length=MAX_TEXT, compatibility=False)


class HouseMessageService(Service):
    async def house(self, house_id: int) -> HouseRef:
        """The public face of a house (for the tenant's entry); unknown → NotFound."""
        return house_ref(await self._house(house_id))

    async def next_allowed(self, sender_telegram_id: int) -> datetime | None:
        """When this sender may send again; None when they may send now."""
        since = self.now() - RATE_WINDOW
        recent = (
            await self.session.scalars(
                select(HouseMessage.created_at)
                .where(
                    HouseMessage.sender_telegram_id == sender_telegram_id,
                    HouseMessage.created_at > since,
                )
                .order_by(HouseMessage.created_at)
            )
        ).all()
        if len(recent) < RATE_LIMIT:
            return None
        # The window slides: one more is allowed once the oldest that keeps it full drops out.
        return recent[len(recent) - RATE_LIMIT] + RATE_WINDOW

    async def submit(
        self,
        *,
        house_id: int,
        sender_telegram_id: int,
        sender_name: str,
        sender_locale: str | None,
        text: str,
    ) -> HouseMessageView | None:
        """Store a tenant's message and tell the house's contacts (anyone with the card may
        send: no Actor); None, with nothing stored, when nobody could receive it."""
        cleaned = clean_text(text)
        house = await self._house(house_id)
        retry_at = await self.next_allowed(sender_telegram_id)
        if retry_at is not None:
            raise RateLimited("house_message", retry_at=retry_at)
        contacts = Audience.house_contacts(house.id)
        if not await self.uow.notifications.recipients(contacts):
            return None
        message = HouseMessage(
            house_id=house.id,
            grid_id=house.grid_id,
            sender_telegram_id=sender_telegram_id,
            # The Telegram profile's name, not typed here: shortened rather than refused.
            sender_name=normalize(sender_name)[:MAX_NAME],
            sender_locale=sender_locale,
            text=cleaned,
            created_at=self.now(),
            answer="",
        )
        self.session.add(message)
        await self.session.flush()
        view = _view(message, house)
        await self.uow.notifications.notify(
            Notice(
                MESSAGE_KIND,
                contacts,
                {"view": view},
                dedup=f"{MESSAGE_KIND}:{view.id}",
                house_message_id=view.id,
            )
        )
        return view

    async def answer(self, actor: Actor, house_message_id: int, text: str) -> HouseMessageView:
        """A staff member answers; a later answer replaces `answer` (each one is delivered)."""
        actor.require(Permission.HANDLE_REPORTS)
        cleaned = clean_text(text)
        message = await self._get(house_message_id)
        message.answer = cleaned
        message.answered_by_id = actor.member_id
        message.answered_at = self.now()
        await self.uow.audit.record(actor, "answer", "house_message", message.id)
        view = _view(message, await self._house(message.house_id))
        tenant = Audience.chat(view.sender_telegram_id, view.sender_locale)
        await self.uow.notifications.notify(
            Notice(ANSWER_KIND, tenant, {"view": view}, house_message_id=view.id)
        )
        return view

    async def for_delivery(self, chat_id: int, message_id: int) -> HouseMessageView | None:
        """The tenant's message that Telegram message `message_id` in `chat_id` carried."""
        delivery = await self.uow.outbox.sent_message(chat_id, message_id)
        if delivery is None or delivery.kind != MESSAGE_KIND or delivery.house_message_id is None:
            return None
        message = await self._get(delivery.house_message_id)
        return _view(message, await self._house(message.house_id))

    async def _house(self, house_id: int) -> House:
        house = await self.session.get(House, house_id)
        if house is None:
            raise NotFound("house", id=house_id)
        return house

    async def _get(self, house_message_id: int) -> HouseMessage:
        message = await self.session.get(HouseMessage, house_message_id)
        if message is None:
            raise NotFound("house_message", id=house_message_id)
        return message


def _view(message: HouseMessage, house: House) -> HouseMessageView:
    return HouseMessageView(
        id=message.id,
        house=house_ref(house),
        sender_telegram_id=message.sender_telegram_id,
        sender_name=message.sender_name,
        sender_locale=message.sender_locale,
        text=message.text,
        created_at=message.created_at,
        answer=message.answer,
        answered_at=message.answered_at,
    )
