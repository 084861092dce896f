"""SLA escalation and the digests: daily to each staff group, weekly to the admins.

Jobs call these as the system (`Actor.system(...)`); each notice has a dedup key, so a job
that runs twice tells nobody twice.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.models import GroupChat, GroupRole, Report, ReportCategory, ReportStatus
from core.notify import Audience, Notice
from core.roles import Actor, Permission
from core.services.reports.base import ReportBase
from core.services.reports.views import (
    DIGEST_KIND,
    ESCALATION_KIND,
    OPEN,
    SATISFIED_FROM,
    WEEKLY_KIND,
    Digest,
    DigestLine,
    Satisfaction,
    WeeklyStats,
)

SATISFACTION_DAYS = 30


def satisfaction(reports: list[Report]) -> Satisfaction:
    rated = [r.satisfaction for r in reports if r.satisfaction is not None]
    return Satisfaction(len(rated), sum(1 for s in rated if s >= SATISFIED_FROM))


def _hours(deltas: list[timedelta]) -> float | None:
    return statistics.median(d.total_seconds() / 3600 for d in deltas) if deltas else None


class DigestMixin(ReportBase):
    def overdue(self, report: Report, now: datetime) -> bool:
        """New and not acknowledged within its category's SLA."""
        return report.status is ReportStatus.NEW and now > report.created_at + self.sla(
            report.category
        )

    async def escalate_overdue(self, actor: Actor) -> int:
        """Tell the admins of every report not acknowledged in time (once each); how many."""
        actor.require(Permission.HANDLE_REPORTS)
        now = self.now()
        rows = await self.session.scalars(
            select(Report)
            .where(Report.status == ReportStatus.NEW, Report.escalated_at.is_(None))
            .order_by(Report.id)
        )
        escalated = 0
        for report in rows.all():
            if not self.overdue(report, now):
                continue
            report.escalated_at = now
            await self._record(report, "escalated", actor)
            view = await self._view(report)
            hours = int(self.sla(report.category).total_seconds() // 3600)
            await self.uow.notifications.notify(
                Notice(
                    ESCALATION_KIND,
                    Audience.admins(),
                    {"view": view, "hours": hours},
                    dedup=f"{ESCALATION_KIND}:{report.id}:{report.reopen_count}",
                    report_id=report.id,
                )
            )
            escalated += 1
        return escalated

    async def daily_digests(self, actor: Actor) -> int:
        """Each staff group's open and overdue reports and satisfaction; groups told."""
        actor.require(Permission.HANDLE_REPORTS)
        now = self.now()
        open_reports = list(
            await self.session.scalars(
                select(Report).where(Report.status.in_(list(OPEN))).order_by(Report.id)
            )
        )
        since = now - timedelta(days=SATISFACTION_DAYS)
        rated = list(
            await self.session.scalars(
                select(Report).where(Report.resolved_at >= since, Report.satisfaction.is_not(None))
            )
        )
        groups = await self.session.scalars(
            select(GroupChat)
            .where(GroupChat.role == GroupRole.STAFF)
            .options(selectinload(GroupChat.grids))
            .order_by(GroupChat.id)
        )
        told = 0
        for group in groups.all():
            grids = {g.id for g in group.grids}

            def serves(report: Report, grids: set[int] = grids) -> bool:
                return not grids or report.grid_id in grids

            mine = [r for r in open_reports if serves(r)]
            by_category = {
                c.value: satisfaction([r for r in rated if serves(r) and r.category is c])
                for c in ReportCategory
            }
            by_category = {k: v for k, v in by_category.items() if v.rated}
            if not mine and not by_category:
                continue
            lines = tuple(
                [
                    DigestLine(
                        r.id,
                        r.category,
                        r.status,
                        await self._place(r),
                        r.created_at,
                        self.overdue(r, now),
                    )
                    for r in mine
                ]
            )
            day = now.astimezone(self.context.zone).date().isoformat()
            told += await self.uow.notifications.notify(
                Notice(
                    DIGEST_KIND,
                    Audience.chat(group.chat_id, group.locale),
                    {"digest": Digest(lines, by_category)},
                    dedup=f"{DIGEST_KIND}:{day}",
                )
            )
        return told

    async def weekly_stats(self, actor: Actor, *, days: int = 7) -> WeeklyStats:
        """The last `days` days: counts by category and state, medians, satisfaction."""
        actor.require(Permission.HANDLE_REPORTS)
        until = self.now()
        since = until - timedelta(days=days)
        reports = list(
            await self.session.scalars(
                select(Report).where(Report.created_at >= since).order_by(Report.id)
            )
        )
        zone = self.context.zone
        start = since.astimezone(zone).date()
        day_list = [start + timedelta(days=n + 1) for n in range(days)]
        per_day: dict[str, list[int]] = {}
        for category in ReportCategory:
            counts = Counter(
                r.created_at.astimezone(zone).date() for r in reports if r.category is category
            )
            if counts:
                per_day[category.value] = [counts.get(d, 0) for d in day_list]
        acks = [r.acknowledged_at - r.created_at for r in reports if r.acknowledged_at]
        fixes = [r.resolved_at - r.created_at for r in reports if r.resolved_at]
        return WeeklyStats(
            since=since,
            until=until,
            by_category=dict(Counter(r.category.value for r in reports)),
            by_status=dict(Counter(r.status.value for r in reports)),
            per_day=per_day,
            days=tuple(datetime(d.year, d.month, d.day, 12, tzinfo=zone) for d in day_list),
            median_ack_hours=_hours(acks),
            median_resolve_hours=_hours(fixes),
            satisfaction=satisfaction(reports),
        )

    async def send_weekly(self, actor: Actor, stats: WeeklyStats, chart: str | None) -> int:
        """The weekly digest to the admins (`chart`: a picture under the data dir)."""
        actor.require(Permission.HANDLE_REPORTS)
        week = stats.until.astimezone(self.context.zone).date().isoformat()
        return await self.uow.notifications.notify(
            Notice(
                WEEKLY_KIND,
                Audience.admins(),
                {"stats": stats},
                dedup=f"{WEEKLY_KIND}:{week}",
                photo=chart,
            )
        )
