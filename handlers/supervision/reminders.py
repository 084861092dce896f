"""The daily overdue reminder: each cadre their overdue houses, each staff group escalations.

Messages are rendered in each recipient's language and stored in the outbox with a dedup key
per recipient and local day, so a job that runs twice in a day (a restart, a manual run)
sends nothing twice, and a send that fails is retried by the outbox until Telegram has it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application

from bot import outbox
from bot.context import BotContext, BotDeps
from bot.i18n import Translator, resolve_locale
from core.roles import Actor
from core.services.supervision import CadreReminder, Escalation
from handlers.common import COLOUR_ICONS
from handlers.supervision.text import capped, house_line, overdue_days

log = logging.getLogger(__name__)

JOB_NAME = "overdue-reminders"
MY_VISITS = "supervision"
MY_VISITS_DATA = (MY_VISITS, "my")
AnyApp = Application[Any, Any, Any, Any, Any, Any]


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


def is_my_visits_button(data: object) -> bool:
    return data == MY_VISITS_DATA


def _deps(application: AnyApp) -> BotDeps:
    return application.deps  # type: ignore[attr-defined,no-any-return]


def schedule(application: AnyApp) -> None:
    """Run the reminder every day at the configured local time."""
    settings = _deps(application).settings
    assert application.job_queue is not None, "the job-queue extra is required"
    at = settings.overdue_reminder_time.replace(tzinfo=settings.zone)
    application.job_queue.run_daily(_job, time=at, name=JOB_NAME)


async def _job(context: BotContext) -> None:
    result = await send_overdue_reminders(context.application)
    log.info("overdue reminders: %s", result)


def _translator(deps: BotDeps, locale: str | None) -> Translator:
    return deps.translator(resolve_locale(locale, None, deps.settings.default_locale))


def reminder_text(t: Translator, reminder: CadreReminder, grace_days: int) -> str:
    houses = reminder.houses
    lines = [
        t.ngettext("supervision.reminder.title", "supervision.reminder.title.plural", len(houses)),
        "",
        *capped(t, [house_line(t, h) for h in houses]),
        "",
        t("supervision.reminder.hint", grace=grace_days),
    ]
    return "\n".join(lines)


def escalation_text(t: Translator, escalation: Escalation, grace_days: int) -> str:
    lines = [
        t(
            "supervision.escalation_line",
            icon=COLOUR_ICONS[e.house.risk_colour],
            code=e.house.code,
            address=e.house.address,
            when=overdue_days(t, e.house.days_overdue),
            cadre=e.cadre_name or t("supervision.unassigned"),
        )
        for e in escalation.houses
    ]
    n = len(escalation.houses)
    return "\n".join(
        [
            t.ngettext("supervision.escalation.title", "supervision.escalation.title.plural", n),
            t("supervision.escalation.hint", grace=grace_days),
            "",
            *capped(t, lines),
        ]
    )


async def send_overdue_reminders(application: AnyApp) -> ReminderResult:
    """Enqueue today's reminders and escalations, then start sending them."""
    deps = _deps(application)
    result = ReminderResult()
    async with deps.storage.services() as svc:
        plan = await svc.supervision.reminder_plan(Actor.system(JOB_NAME))
        grace = svc.context.overdue_grace_days
        day = plan.today.isoformat()
        result.unrouted = plan.unrouted
        for reminder in plan.reminders:
            cadre = reminder.cadre
            if cadre.telegram_id is None:
                result.skipped_no_telegram += 1
                continue
            t = _translator(deps, cadre.locale)
            delivery = await svc.outbox.enqueue(
                chat_id=cadre.telegram_id,
                text=reminder_text(t, reminder, grace),
                kind="overdue",
                buttons=[[(t("supervision.button.my_visits"), MY_VISITS_DATA)]],
                dedup_key=f"overdue:{cadre.member_id}:{day}",
            )
            result.reminders += delivery is not None
            result.already_sent += delivery is None
        for escalation in plan.escalations:
            t = _translator(deps, escalation.locale)
            delivery = await svc.outbox.enqueue(
                chat_id=escalation.chat_id,
                text=escalation_text(t, escalation, grace),
                kind="escalation",
                dedup_key=f"escalation:{escalation.chat_id}:{day}",
            )
            result.escalations += delivery is not None
            result.already_sent += delivery is None
    if result.unrouted:
        log.warning("%d escalated houses have no staff group serving them", result.unrouted)
    if result.enqueued:
        outbox.kick(application)
    return result
