"""The delivery outbox: a message is stored first, then sent by the bot, retried until sent.

The payload is rendered by the adapter in the recipient's language before it is stored:
``{"text": html, "photo": path under the data dir | None, "buttons": [[[label, data], …], …],
"reply_to": message id | None}`` (with ``"edit_of": delivery id`` the message that delivery
sent is edited instead of a new one sent); a button's data is stored with `core.serial` (a
typed button dataclass comes back as itself). Features do not call `enqueue` directly: they
record a notice (`core.notify`) and the notification path enqueues one delivery per recipient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from core.models import Delivery, DeliveryStatus
from core.serial import encode
from core.services.base import Service

# Backoff after a failed attempt: 5 s, 10 s, 20 s … capped at 10 minutes; never given up on
# while the error may pass (network, 5xx, 429). Errors that cannot pass fail at once.
BASE_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=10)
TELEGRAM = "telegram"  # `Delivery.channel` of chat messages; robots use their kind


@dataclass(frozen=True)
class PendingDelivery:
    id: int
    chat_id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    house_message_id: int | None
    channel: str = "telegram"


class OutboxService(Service):
    """System-side service: it moves messages, it never reads personal fields."""

    async def enqueue(
        self,
        *,
        chat_id: int,
        text: str,
        kind: str = "message",
        photo: str | None = None,
        buttons: Sequence[Sequence[tuple[str, Any]]] = (),
        reply_to: int | None = None,
        dedup_key: str | None = None,
        house_message_id: int | None = None,
        alert_id: int | None = None,
        report_id: int | None = None,
        edit_of: int | None = None,
        channel: str = TELEGRAM,
        facts: dict[str, Any] | None = None,
    ) -> int | None:
        """Store one message to send; None when `dedup_key` was already enqueued."""
        if dedup_key is not None:
            found = await self.session.scalar(
                select(Delivery.id).where(Delivery.dedup_key == dedup_key)
            )
            if found is not None:
                return None
        now = self.now()
        delivery = Delivery(
            channel=channel,
            chat_id=chat_id,
            kind=kind,
            dedup_key=dedup_key,
            house_message_id=house_message_id,
            alert_id=alert_id,
            report_id=report_id,
            payload={
                "text": text,
                "photo": photo,
                "buttons": [[[label, encode(data)] for label, data in row] for row in buttons],
                "reply_to": reply_to,
                **({"edit_of": edit_of} if edit_of is not None else {}),
                **({"facts": facts} if facts is not None else {}),
            },
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
        # No savepoint around this: SQLite's driver commits a savepoint that opens the
        # transaction on its own, which would store the delivery even if its cause rolls
        # back. A key enqueued concurrently fails the whole unit of work instead.
        self.session.add(delivery)
        await self.session.flush()
        self.uow.enqueued = True
        return delivery.id

    async def due(self, limit: int = 20, *, channels: bool = False) -> list[PendingDelivery]:
        """Pending Telegram deliveries whose next attempt is due, oldest first (with
        `channels`, those of the robots outside Telegram instead)."""
        rows = await self.session.scalars(
            select(Delivery)
            .where(
                (Delivery.channel != TELEGRAM) if channels else (Delivery.channel == TELEGRAM),
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.next_attempt_at <= self.now(),
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        return [_pending(d) for d in rows]

    async def mark_sent(self, delivery_id: int, message_id: int | None) -> None:
        delivery = await self._get(delivery_id)
        delivery.status, delivery.message_id = DeliveryStatus.SENT, message_id
        delivery.attempts += 1
        delivery.sent_at = self.now()

    async def mark_retry(
        self, delivery_id: int, error: str, *, after: timedelta | None = None, count: bool = True
    ) -> datetime:
        """Count a failed attempt and schedule the next one (`after`, else the backoff);
        without `count` it only waits (a saturated robot: nothing was tried)."""
        delivery = await self._get(delivery_id)
        delivery.attempts += 1 if count else 0
        delay = after or min(MAX_DELAY, BASE_DELAY * 2 ** min(delivery.attempts - 1, 10))
        delivery.next_attempt_at = self.now() + delay
        delivery.last_error = error[:500]
        return delivery.next_attempt_at

    async def mark_folded(self, delivery_ids: Sequence[int]) -> None:
        """Deliveries told together in one digest message (a saturated robot)."""
        for delivery_id in delivery_ids:
            delivery = await self._get(delivery_id)
            delivery.status, delivery.sent_at = DeliveryStatus.SENT, self.now()
            delivery.attempts += 1
            delivery.last_error = f"folded into a digest of {len(delivery_ids)}"

    async def mark_failed(self, delivery_id: int, error: str) -> None:
        """Give up: the chat does not exist or blocked the bot; kept for the record."""
        delivery = await self._get(delivery_id)
        delivery.attempts += 1
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, error[:500]

    async def sent_message(self, chat_id: int, message_id: int) -> PendingDelivery | None:
        """The delivery that became message `message_id` in `chat_id` (to route replies)."""
        d = await self.session.scalar(
            select(Delivery).where(
                Delivery.channel == TELEGRAM,
                Delivery.chat_id == chat_id,
                Delivery.message_id == message_id,
            )
        )
        return _pending(d) if d is not None else None

    async def original(self, delivery_id: int) -> tuple[DeliveryStatus, int | None, bool]:
        """(status, sent message id, whether it had a photo) of the delivery an edit is of."""
        d = await self._get(delivery_id)
        return d.status, d.message_id, bool(d.payload.get("photo"))

    async def mark_parts(self, delivery_id: int, parts: int) -> None:
        """A channel message of several posts (WeCom: text, then image): the first `parts`
        are delivered, so a retry sends only the rest (nothing is posted twice)."""
        delivery = await self._get(delivery_id)
        delivery.payload = {**delivery.payload, "parts_sent": parts}

    async def _get(self, delivery_id: int) -> Delivery:
        delivery = await self.session.get(Delivery, delivery_id)
        assert delivery is not None, delivery_id
        return delivery


def _pending(d: Delivery) -> PendingDelivery:
    return PendingDelivery(
        d.id, d.chat_id, d.kind, d.payload, d.attempts, d.house_message_id, d.channel
    )
