"""Privacy: the daily retention job, 👤 a person's record and 📜 the audit log (police, admins)."""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from bot.context import BotContext, BotDeps
from core.roles import Actor
from core.services.privacy.retention import enforce_retention
from handlers.privacy import audit, person

log = logging.getLogger(__name__)
JOB_NAME = "retention"
AnyApp = Application[Any, Any, Any, Any, Any, Any]


def register(application: AnyApp) -> None:
    """The person and audit screens; the retention purge every day at the configured time."""
    person.register(application)
    audit.register(application)
    deps: BotDeps = application.deps  # type: ignore[attr-defined]
    settings = deps.settings
    assert application.job_queue is not None, "the job-queue extra is required"
    at = settings.retention_time.replace(tzinfo=settings.zone)
    application.job_queue.run_daily(_job, time=at, name=JOB_NAME)


async def purge(application: AnyApp) -> dict[str, int]:
    """Purge what is due and drop the removed faces from the running gallery."""
    deps: BotDeps = application.deps  # type: ignore[attr-defined]
    report = await enforce_retention(deps.storage.services, Actor.system("retention"))
    recognition = deps.recognition
    if recognition is not None:
        for template_id in report.template_ids:
            recognition.gallery.remove(template_id)
    return report.counts()


async def _job(context: BotContext) -> None:
    log.info("retention: %s", await purge(context.application))
