"""📷 Cameras in: the Frigate link and camera health (silent cameras told to their grid's staff).

`register(application)` renders the health notices, schedules the health check and starts
the Frigate link (when a broker is configured) with the application. The vendors' push
receivers (Hikvision, Dahua) are HTTP routes (`bot/http.py`).
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application

from bot.cameras import frigate
from bot.context import BotDeps
from bot.i18n import Translator
from core.notify import Notice, Rendered
from core.services.camera_health import BACK_KIND, OFFLINE_KIND
from handlers.kit.notices import renders

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
HEALTH_JOB = "camera-health"
MAX_INTERVAL = 60.0  # seconds between health checks at most


def _when(t: Translator, value: str | None) -> str:
    return t.short_datetime(datetime.fromisoformat(value)) if value else t("cameras.never")


def offline_notice(t: Translator, notice: Notice) -> Rendered:
    p = notice.params
    return Rendered(
        t(
            "cameras.offline",
            camera=html.escape(p["camera"]),
            id=html.escape(p["camera_id"]),
            since=_when(t, p["since"]),
        )
    )


def back_notice(t: Translator, notice: Notice) -> Rendered:
    p = notice.params
    return Rendered(
        t(
            "cameras.back",
            camera=html.escape(p["camera"]),
            id=html.escape(p["camera_id"]),
            since=_when(t, p["since"]),
        )
    )


async def check_health(application: AnyApp) -> list[str]:
    """Report cameras silent for longer than the setting; their ids."""
    deps: BotDeps = application.deps  # type: ignore[attr-defined]
    silent = timedelta(minutes=deps.settings.camera_silent_minutes)
    async with deps.storage.services() as svc:
        return await svc.camera_health.check(silent)


async def _health_job(context: Any) -> None:
    gone = await check_health(context.application)
    if gone:
        log.warning("cameras silent, reported to their staff: %s", gone)


def register(application: AnyApp) -> None:
    renders(application, OFFLINE_KIND, offline_notice)
    renders(application, BACK_KIND, back_notice)
    deps: BotDeps = application.deps  # type: ignore[attr-defined]
    assert application.job_queue is not None, "the job-queue extra is required"
    interval = min(MAX_INTERVAL, deps.settings.camera_silent_minutes * 60 / 4)
    application.job_queue.run_repeating(_health_job, interval, first=interval, name=HEALTH_JOB)
    frigate.schedule(application)


__all__ = ["check_health", "register"]
