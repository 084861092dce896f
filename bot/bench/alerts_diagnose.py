"""Why accepted events of `bench alerts` had no photo in the group when the drain ended."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from sqlalchemy import select

from core.bootstrap import Storage
from core.models import Alert, CameraEvent, Delivery


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
