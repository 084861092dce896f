"""The reports' jobs: SLA escalation (every 15 minutes), the staff groups' daily digest, the
admins' weekly digest with a chart; and how their notices read.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.charts import BarSeries, DailyBars, daily_bars_png
from bot.context import BotContext, BotDeps
from bot.i18n import Translator
from core.errors import ConfigurationError
from core.models import ReportCategory, ReportStatus
from core.notify import Notice, Rendered
from core.roles import Actor
from core.services.reports import SATISFACTION_TARGET, Digest, ReportView, WeeklyStats
from handlers.reports.notices import CATEGORY_LABELS, kind_label, staff_card, status_label

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
SLA_JOB, DIGEST_JOB, WEEKLY_JOB = "report-sla", "report-digest", "report-weekly"
SLA_INTERVAL = 15 * 60
CHART_DIR = "charts"  # under the data dir
MAX_LINES = 30


def _deps(application: AnyApp) -> BotDeps:
    return application.deps  # type: ignore[attr-defined,no-any-return]


def schedule(application: AnyApp) -> None:
    settings = _deps(application).settings
    queue = application.job_queue
    assert queue is not None, "the job-queue extra is required"
    queue.run_repeating(_sla_job, interval=SLA_INTERVAL, first=60, name=SLA_JOB)
    at = settings.report_digest_time.replace(tzinfo=settings.zone)
    queue.run_daily(_digest_job, time=at, name=DIGEST_JOB)
    # PTB counts days from Sunday (0); the setting from Monday (0).
    weekday = (settings.report_weekly_weekday + 1) % 7
    queue.run_daily(_weekly_job, time=at, days=(weekday,), name=WEEKLY_JOB)


async def _sla_job(context: BotContext) -> None:
    log.info("reports escalated: %s", await escalate(context.application))


async def _digest_job(context: BotContext) -> None:
    log.info("report digests: %s", await send_digests(context.application))


async def _weekly_job(context: BotContext) -> None:
    log.info("weekly report digest: %s", await send_weekly(context.application))


async def escalate(application: AnyApp) -> int:
    async with _deps(application).storage.services() as svc:
        return await svc.reports.escalate_overdue(Actor.system(SLA_JOB))


async def send_digests(application: AnyApp) -> int:
    async with _deps(application).storage.services() as svc:
        return await svc.reports.daily_digests(Actor.system(DIGEST_JOB))


async def send_weekly(application: AnyApp) -> int:
    """Count the week, draw the chart (none without a CJK font), tell the admins."""
    deps = _deps(application)
    actor = Actor.system(WEEKLY_JOB)
    async with deps.storage.services() as svc:
        stats = await svc.reports.weekly_stats(actor)
    chart = await _chart(deps, stats)
    async with deps.storage.services() as svc:
        return await svc.reports.send_weekly(actor, stats, chart)


async def _chart(deps: BotDeps, stats: WeeklyStats) -> str | None:
    t = deps.translator()
    day_labels = [t.short_date(d.date(), "tick") for d in stats.days]
    series = [
        # The chart's font has no emoji: the label without its icon.
        BarSeries(t(CATEGORY_LABELS[ReportCategory(key)]).split(" ", 1)[-1], values)
        for key, values in stats.per_day.items()
    ]
    title, axis = t("report.weekly.chart_title"), t("report.weekly.chart_axis")
    chart = DailyBars(title, axis, day_labels, series)
    try:
        png = await daily_bars_png(chart, deps.settings.card_font)
    except ConfigurationError as exc:
        log.warning("weekly report chart skipped: %s", exc)
        return None
    relative = Path(CHART_DIR) / f"reports-{stats.until:%Y%m%d}.png"
    path = deps.settings.data_dir / relative
    await asyncio.to_thread(_write, path, png)
    return relative.as_posix()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def escalation_notice(t: Translator, notice: Notice) -> Rendered:
    view: ReportView = notice.params["view"]
    head = t("report.escalation", id=view.id, hours=notice.params["hours"])
    return Rendered(staff_card(t, view, photo=False, head=head))


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def digest_notice(t: Translator, notice: Notice) -> Rendered:
    digest: Digest = notice.params["digest"]
    lines = [t("report.digest.title", n=len(digest.open), overdue=digest.overdue)]
    for line in digest.open[:MAX_LINES]:
        lines.append(
            t(
                "report.digest.line",
                icon="⏰" if line.overdue else "•",
                id=line.id,
                kind=t(CATEGORY_LABELS[line.category]),
                status=status_label(t, line.status),
                place=line.place or "—",
                time=t.short_datetime(line.created_at),
            )
        )
    if len(digest.open) > MAX_LINES:
        lines.append(t("report.digest.more", n=len(digest.open) - MAX_LINES))
    if digest.satisfaction:
        lines += ["", t("report.digest.satisfaction", target=f"{SATISFACTION_TARGET:.0%}")]
        for key, value in digest.satisfaction.items():
            lines.append(
                t(
                    "report.digest.satisfaction_line",
                    kind=t(CATEGORY_LABELS[ReportCategory(key)]),
                    rate=_percent(value.rate),
                    n=value.rated,
                )
            )
    return Rendered("\n".join(lines))


def weekly_notice(t: Translator, notice: Notice) -> Rendered:
    stats: WeeklyStats = notice.params["stats"]
    hours = "—"
    lines = [
        t("report.weekly.title", n=stats.total),
        *(
            t("report.weekly.category", kind=kind_label(t, ReportCategory(k), None), n=v)
            for k, v in stats.by_category.items()
        ),
        t(
            "report.weekly.states",
            states=", ".join(
                f"{status_label(t, s)} {n}"
                for s, n in ((s, stats.by_status.get(s.value, 0)) for s in ReportStatus)
                if n
            )
            or "—",
        ),
        t(
            "report.weekly.medians",
            ack=hours if stats.median_ack_hours is None else f"{stats.median_ack_hours:.1f}",
            fix=hours
            if stats.median_resolve_hours is None
            else f"{stats.median_resolve_hours:.1f}",
        ),
        t(
            "report.weekly.satisfaction",
            rate=_percent(stats.satisfaction.rate),
            n=stats.satisfaction.rated,
            target=f"{SATISFACTION_TARGET:.0%}",
        ),
    ]
    return Rendered("\n".join(lines))
