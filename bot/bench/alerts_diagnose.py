"""What became of the accepted events of `bench alerts`: delivered, lost, or why not yet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from sqlalchemy import func, select

from core.bootstrap import Storage
from core.models import Alert, CameraEvent, Delivery, EventStatus


async def undelivered_reasons(
    storage: Storage, event_ids: Collection[int], group_id: int, arrived: Collection[int]
) -> dict[str, int]:
    """Each undelivered event's reason: its processing state, or its alert's delivery's."""
    reasons: Counter[str] = Counter()
    async with storage.services() as svc:
        for event_id in event_ids:
            event = await svc.session.get(CameraEvent, event_id)
            if event is None:
                reasons["missing"] += 1
                continue
            if event.passage_id is None:
                reasons[f"event {event.status.value}"] += 1
                continue
            alert = await svc.session.scalar(
                select(Alert).where(Alert.passage_id == event.passage_id).limit(1)
            )
            if alert is None:
                reasons["no alert (folded into an earlier one, or none raised)"] += 1
                continue
            delivery = await svc.session.scalar(
                select(Delivery).where(
                    Delivery.alert_id == alert.id,
                    Delivery.chat_id == group_id,
                    Delivery.kind == "alert",
                )
            )
            if delivery is None:
                reasons["no delivery"] += 1
            elif delivery.message_id is None:
                reasons[f"delivery {delivery.status.value}"] += 1
            elif delivery.message_id not in arrived:
                reasons["sent, not seen in the group"] += 1
    return dict(reasons)


async def delivered(
    storage: Storage, event_ids: Collection[int], group_id: int
) -> dict[int, int]:
    """Event id → the message id of its alert's photo in the guard group (sent ones)."""
    async with storage.services() as svc:
        rows = await svc.session.execute(
            select(CameraEvent.id, Delivery.message_id)
            .join(Alert, Alert.passage_id == CameraEvent.passage_id)
            .join(Delivery, Delivery.alert_id == Alert.id)
            .where(
                CameraEvent.id.in_(list(event_ids)),
                CameraEvent.status == EventStatus.DONE,
                Delivery.chat_id == group_id,
                Delivery.message_id.is_not(None),
            )
        )
        return {int(e): int(m) for e, m in rows.all() if m is not None}


async def why(
    storage: Storage, event_ids: Collection[int], group_id: int, arrivals: dict[int, float]
) -> dict[str, int]:
    """Why the events whose photo did not arrive did not (see `undelivered_reasons`)."""
    sent = await delivered(storage, event_ids, group_id)
    late = [e for e in event_ids if sent.get(e) not in arrivals]
    return await undelivered_reasons(storage, late, group_id, arrivals)


async def lost(storage: Storage, event_ids: Collection[int]) -> int:
    """Accepted events that are not stored, or were given up (FAILED)."""
    async with storage.services() as svc:
        kept = await svc.session.scalar(
            select(func.count(CameraEvent.id)).where(
                CameraEvent.id.in_(list(event_ids)),
                CameraEvent.status != EventStatus.FAILED,
            )
        )
    return len(event_ids) - int(kept or 0)
