"""The watchlists' jobs: the daily purge of expired entries (and the face data only they
needed), the weekly notice to admins of entries expiring soon, and how that notice reads."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from typing import Any

from telegram.ext import Application

from bot.context import BotDeps
from bot.i18n import Translator
from bot.recognition import sync_gallery
from core.notify import Notice, Rendered
from core.roles import Actor
from core.services.watchlists import EntryView, Purged
from handlers.supervision.text import capped
from handlers.watchlists.listing import ICONS, expiry_text

log = logging.getLogger(__name__)
AnyApp = Application[Any, Any, Any, Any, Any, Any]
PURGE_JOB, EXPIRING_JOB = "watchlist-purge", "watchlist-expiring"
EXPIRING_WITHIN = timedelta(days=14)
MONDAY = 0


def _deps(application: AnyApp) -> BotDeps:
    return application.deps  # type: ignore[attr-defined,no-any-return]


def schedule(application: AnyApp) -> None:
    """Purge every night at 03:45; tell the admins every Monday at 09:00 (local time)."""
    assert application.job_queue is not None, "the job-queue extra is required"
    zone = _deps(application).settings.zone
    jobs = application.job_queue
    jobs.run_daily(_purge_job, time=time(3, 45, tzinfo=zone), name=PURGE_JOB)
    jobs.run_daily(_expiring_job, time=time(9, 0, tzinfo=zone), days=(MONDAY,), name=EXPIRING_JOB)


async def _purge_job(context: Any) -> None:
    await purge(context.application)


async def _expiring_job(context: Any) -> None:
    await tell_expiring(context.application)


async def purge(application: AnyApp) -> Purged:
    """Delete expired entries and their face data; the running gallery forgets those faces."""
    deps = _deps(application)
    async with deps.storage.services() as svc:
        purged = await svc.watchlists.purge_expired(Actor.system(PURGE_JOB))
    if purged.photos:
        async with deps.storage.services() as svc:
            await svc.photos.sweep_orphans()
    core = deps.recognition
    if core is not None:
        for template_id in purged.template_ids:
            core.gallery.remove(template_id)
        await sync_gallery(core, deps.storage, core.face_info.backend)
    if purged.entries:
        log.info(
            "purged %d watchlist entries (%d faces)", purged.entries, len(purged.template_ids)
        )
    return purged


async def tell_expiring(application: AnyApp) -> int:
    async with _deps(application).storage.services() as svc:
        return await svc.watchlists.tell_expiring(EXPIRING_WITHIN)


def expiring_notice(t: Translator, notice: Notice) -> Rendered:
    entries: list[EntryView] = notice.params["entries"]
    lines = [
        t.ngettext("watchlists.expiring.title", "watchlists.expiring.title.plural", len(entries)),
        t("watchlists.expiring.hint"),
        "",
        *capped(
            t,
            [
                t(
                    "watchlists.expiring.line",
                    icon=ICONS.get(e.list_kind, "📋"),
                    subject=e.subject,
                    list=e.list_name,
                    authority=e.authority or "—",
                    expiry=expiry_text(t, e),
                )
                for e in entries
            ],
        ),
    ]
    return Rendered("\n".join(lines))
