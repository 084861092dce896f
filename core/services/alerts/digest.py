"""A saturated guard group gets a digest instead of a queue of alerts minutes long.

Telegram lets a bot send a group about 20 messages a minute. Before the outbox sends, each
chat with alert messages waiting is checked: the messages sent to it in the last minute plus
the alerts waiting must fit the budget. When they do not, the waiting alerts are ranked —
missing persons and key persons first (they are never folded), then by their rule's severity
(high, normal, low), oldest first — the best ones are kept to fill the budget but one, and
the rest are marked *folded* and told in one digest message (every folded alert stays open
in 🚨 and can be opened from the digest). A digest is only made when it saves messages.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from core.models import Alert, AlertKind, AlertRule, Delivery, DeliveryStatus, GroupChat
from core.notify import Audience, Notice

if TYPE_CHECKING:
    from core.services.alerts.service import AlertService

DIGEST_KIND = "alert.digest"
FIRST = {AlertKind.MISSING_PERSON: 0, AlertKind.PERSON_OF_INTEREST: 1}
SEVERITY = {"high": 2, "normal": 3, "low": 4}
MINUTE = timedelta(minutes=1)


def rank(alert: Alert, rule: AlertRule | None) -> int:
    if alert.kind in FIRST:
        return FIRST[alert.kind]
    severity = str(rule.params.get("severity", "normal")) if rule is not None else "normal"
    return SEVERITY.get(severity, 3)


async def fold(service: AlertService, per_minute: int) -> int:
    """Fold what saturated chats cannot take this minute; how many alerts were folded."""
    session, now = service.session, service.now()
    waiting = (
        await session.execute(
            select(Delivery, Alert, AlertRule)
            .join(Alert, Alert.id == Delivery.alert_id)
            .outerjoin(AlertRule, AlertRule.id == Alert.rule_id)
            .where(Delivery.status == DeliveryStatus.PENDING, Delivery.kind == "alert")
            .order_by(Delivery.id)
        )
    ).all()
    by_chat: dict[int, list[tuple[Delivery, Alert, AlertRule | None]]] = {}
    for delivery, alert, rule in waiting:
        by_chat.setdefault(delivery.chat_id, []).append((delivery, alert, rule))
    folded = 0
    for chat_id, rows in by_chat.items():
        sent = await session.scalar(
            select(func.count(Delivery.id)).where(
                Delivery.chat_id == chat_id, Delivery.sent_at >= now - MINUTE
            )
        )
        room = per_minute - int(sent or 0)
        if len(rows) <= max(room, 0):
            continue
        ranked = sorted(rows, key=lambda r: (rank(r[1], r[2]), r[0].id))
        keep = max(room - 1, 0)  # one message is the digest
        kept = 0
        fold_rows = []
        for row in ranked:
            if row[1].kind in FIRST or kept < keep:
                kept += 1
                continue
            fold_rows.append(row)
        if len(fold_rows) < 2:  # a digest of one saves nothing
            continue
        for delivery, _alert, _rule in fold_rows:
            delivery.status = DeliveryStatus.FOLDED
            delivery.last_error = "folded into a digest (group saturated)"
        locale = await session.scalar(select(GroupChat.locale).where(GroupChat.chat_id == chat_id))
        views = [await service.view(alert) for _d, alert, _r in fold_rows]
        await service.uow.notifications.notify(
            Notice(DIGEST_KIND, Audience.chat(chat_id, locale), {"views": views})
        )
        folded += len(fold_rows)
    return folded
