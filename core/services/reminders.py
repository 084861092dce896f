"""The daily overdue reminder as notices: each cadre their overdue houses, staff escalations.

A notice per recipient and local day carries a dedup key, so a job that runs twice in a day
(a restart, a manual run) tells nobody twice; the outbox retries each until it is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.notify import Audience, Notice
from core.roles import Actor
from core.services.base import Service

log = logging.getLogger(__name__)

OVERDUE_KIND = "overdue"
ESCALATION_KIND = "escalation"


@dataclass
class ReminderResult:
    """What one run did (for the log and for tests)."""

    reminders: int = 0  # cadres' messages enqueued
    escalations: int = 0  # staff groups' messages enqueued
    already_sent: int = 0  # recipients who already had today's message
    skipped_no_telegram: int = 0  # cadres with overdue houses but no Telegram account
    unrouted: int = 0  # escalated houses that no staff group serves

    @property
    def enqueued(self) -> int:
        return self.reminders + self.escalations


class ReminderService(Service):
    async def send_overdue(self, actor: Actor) -> ReminderResult:
        """Record today's reminders and escalations (VIEW_ALL_VISITS, checked by the plan)."""
        plan = await self.uow.supervision.reminder_plan(actor)
        grace = self.context.overdue_grace_days
        day = plan.today.isoformat()
        result = ReminderResult(unrouted=plan.unrouted)
        for reminder in plan.reminders:
            cadre = reminder.cadre
            if cadre.telegram_id is None:
                result.skipped_no_telegram += 1
                continue
            sent = await self.uow.notifications.notify(
                Notice(
                    OVERDUE_KIND,
                    Audience.member(cadre.member_id),
                    {"reminder": reminder, "grace": grace},
                    dedup=f"{OVERDUE_KIND}:{cadre.member_id}:{day}",
                )
            )
            result.reminders += sent
            result.already_sent += sent == 0
        for escalation in plan.escalations:
            sent = await self.uow.notifications.notify(
                Notice(
                    ESCALATION_KIND,
                    Audience.chat(escalation.chat_id, escalation.locale),
                    {"escalation": escalation, "grace": grace},
                    dedup=f"{ESCALATION_KIND}:{escalation.chat_id}:{day}",
                )
            )
            result.escalations += sent
            result.already_sent += sent == 0
        if result.unrouted:
            log.warning("%d escalated houses have no staff group serving them", result.unrouted)
        return result
