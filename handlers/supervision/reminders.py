"""The daily overdue reminder: the job, and how its notices read.

`core.services.reminders` records one notice per cadre and per escalating staff group (with
a dedup key per day); here they are rendered in each recipient's language, with a 📋 button
to the cadre's own visits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application

from bot.context import BotContext, BotDeps
from bot.i18n import Translator
from core.notify import Notice, Rendered
from core.roles import Actor
from core.serial import persistable
from core.services.reminders import ESCALATION_KIND, OVERDUE_KIND, ReminderResult
from core.services.supervision import CadreReminder, Escalation
from handlers.common import COLOUR_ICONS
from handlers.kit.notices import renders
from handlers.supervision.text import capped, house_line, overdue_days

log = logging.getLogger(__name__)

JOB_NAME = "overdue-reminders"
AnyApp = Application[Any, Any, Any, Any, Any, Any]


@persistable("button.my_visits")
@dataclass(frozen=True)
class MyVisitsButton:
    """📋 under a reminder: the cadre's own visits (/myvisits)."""


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
    """Record today's reminders and escalations; the outbox sends them."""
    async with _deps(application).storage.services() as svc:
        return await svc.reminders.send_overdue(Actor.system(JOB_NAME))


def overdue_notice(t: Translator, notice: Notice) -> Rendered:
    reminder: CadreReminder = notice.params["reminder"]
    text = reminder_text(t, reminder, notice.params["grace"])
    return Rendered(text, [[(t("supervision.button.my_visits"), MyVisitsButton())]])


def escalation_notice(t: Translator, notice: Notice) -> Rendered:
    escalation: Escalation = notice.params["escalation"]
    return Rendered(escalation_text(t, escalation, notice.params["grace"]))


def register_notices(application: AnyApp) -> None:
    renders(application, OVERDUE_KIND, overdue_notice)
    renders(application, ESCALATION_KIND, escalation_notice)
