"""Supervision of cadres' visits: which rental houses are overdue, and how each cadre is doing.

The overdue rule: a rental house must be visited within N days of its last completed visit
(of its creation when it was never visited), N set by its risk colour. Days are counted in
whole local days, because reminders go out once a day in the community's time zone: a house
due on the 8th is "due today" on the 8th and one day overdue on the 9th, whatever the hour.
Everything here is returned as data; the bot decides the words.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from core.models import GroupRole, House, HouseKind, Member, RiskColour, Role, Visit, VisitStatus
from core.roles import Actor, Permission
from core.services.base import Service

CHART_DAYS = 14


@dataclass(frozen=True)
class OverdueHouse:
    house_id: int
    code: str
    address: str
    risk_colour: RiskColour
    grid_id: int
    cadre_id: int | None
    last_visit_at: datetime | None
    due_at: datetime
    days_overdue: int  # whole local days past the due date, ≥ 1
    escalate: bool  # overdue by more than the grace period


@dataclass(frozen=True)
class RecentVisit:
    visit_id: int
    house_id: int
    code: str
    address: str
    started_at: datetime
    finished_at: datetime
    duration: timedelta
    assigned: bool  # False: covering for another cadre


@dataclass(frozen=True)
class DueHouse:
    house_id: int
    code: str
    address: str
    risk_colour: RiskColour
    last_visit_at: datetime | None
    due_at: datetime
    days_left: int  # 0: due today; negative: overdue by that many days

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


@dataclass(frozen=True)
class MyVisits:
    recent: list[RecentVisit]  # newest first
    due: list[DueHouse]  # most overdue first, then soonest due
    horizon_days: int
    assigned_houses: int


@dataclass(frozen=True)
class CadreStats:
    member_id: int
    name: str
    visits_week: int
    visits_month: int
    houses_month: int  # distinct houses visited this month
    overdue: int  # overdue houses among those assigned to them
    median_duration: timedelta | None  # of this month's visits; None without visits


@dataclass(frozen=True)
class TeamStats:
    now: datetime
    week_start: datetime  # Monday 00:00 local
    month_start: datetime  # the 1st, 00:00 local
    cadres: list[CadreStats]
    days: list[date]  # the last CHART_DAYS local days, oldest first, today last
    per_day: dict[int, list[int]]  # member id → completed visits on each of `days`
    overdue_total: int
    overdue_unassigned: int


@dataclass(frozen=True)
class Recipient:
    member_id: int
    name: str
    telegram_id: int | None
    locale: str | None


@dataclass(frozen=True)
class CadreReminder:
    cadre: Recipient
    houses: list[OverdueHouse]


@dataclass(frozen=True)
class EscalatedHouse:
    house: OverdueHouse
    cadre_name: str | None  # None: nobody (active) is assigned


@dataclass(frozen=True)
class Escalation:
    chat_id: int
    locale: str | None
    houses: list[EscalatedHouse]


@dataclass(frozen=True)
class ReminderPlan:
    """Who is told what today: each cadre their overdue houses, each staff group escalations."""

    today: date
    reminders: list[CadreReminder]
    escalations: list[Escalation]
    unrouted: int  # escalated houses that no staff group serves


class SupervisionService(Service):
    # --- local calendar ------------------------------------------------------------------

    def today(self) -> date:
        return self.now().astimezone(self.context.zone).date()

    def local_midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.context.zone)

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.context.zone).date()

    def due_at(self, house: House, last_visit_at: datetime | None) -> datetime:
        interval = self.context.visit_interval_days[house.risk_colour.value]
        return (last_visit_at or house.created_at) + timedelta(days=interval)

    # --- queries -------------------------------------------------------------------------

    async def _rental_houses(
        self, cadre_id: int | None = None
    ) -> list[tuple[House, datetime | None]]:
        """Rental houses with their last visit: the later of `last_visit_at` and the newest
        completed visit row (so a visit counts even if the house row was not updated)."""
        latest = (
            select(Visit.house_id, func.max(Visit.finished_at).label("finished"))
            .where(Visit.status == VisitStatus.COMPLETED)
            .group_by(Visit.house_id)
            .subquery()
        )
        query = (
            select(House, latest.c.finished)
            .outerjoin(latest, latest.c.house_id == House.id)
            .where(House.kind == HouseKind.RENTAL)
            .order_by(House.code)
        )
        if cadre_id is not None:
            query = query.where(House.cadre_id == cadre_id)
        rows = (await self.session.execute(query)).all()
        result: list[tuple[House, datetime | None]] = []
        for house, finished in rows:
            moments = [m for m in (house.last_visit_at, _aware(finished)) if m is not None]
            result.append((house, max(moments) if moments else None))
        return result

    def _overdue_of(self, houses: Iterable[tuple[House, datetime | None]]) -> list[OverdueHouse]:
        today, grace = self.today(), self.context.overdue_grace_days
        found = []
        for house, last in houses:
            due = self.due_at(house, last)
            days = (today - self._local_date(due)).days
            if days >= 1:
                found.append(
                    OverdueHouse(
                        house_id=house.id,
                        code=house.code,
                        address=house.standard_address,
                        risk_colour=house.risk_colour,
                        grid_id=house.grid_id,
                        cadre_id=house.cadre_id,
                        last_visit_at=last,
                        due_at=due,
                        days_overdue=days,
                        escalate=days > grace,
                    )
                )
        found.sort(key=lambda h: (-h.days_overdue, h.code))
        return found

    async def _completed_visits(self, since: datetime, cadre_id: int | None = None) -> list[Visit]:
        query = select(Visit).where(
            Visit.status == VisitStatus.COMPLETED,
            Visit.finished_at.is_not(None),
            Visit.finished_at >= since,
        )
        if cadre_id is not None:
            query = query.where(Visit.cadre_id == cadre_id)
        return list((await self.session.scalars(query)).all())

    # --- the feature ---------------------------------------------------------------------

    async def overdue(self, actor: Actor) -> list[OverdueHouse]:
        """Every rental house past due, most overdue first (then by code)."""
        actor.require(Permission.VIEW_ALL_VISITS)
        return self._overdue_of(await self._rental_houses())

    async def reminder_plan(self, actor: Actor) -> ReminderPlan:
        """Today's reminders. Houses with no active cadre go to the staff groups at once:
        nobody else would be told about them."""
        actor.require(Permission.VIEW_ALL_VISITS)
        overdue = await self.overdue(actor)
        cadres = await self._members({h.cadre_id for h in overdue if h.cadre_id is not None})
        by_cadre: dict[int, list[OverdueHouse]] = defaultdict(list)
        escalated: list[EscalatedHouse] = []
        for house in overdue:
            cadre = cadres.get(house.cadre_id) if house.cadre_id is not None else None
            if cadre is not None:
                by_cadre[cadre.id].append(house)
            if cadre is None or house.escalate:
                escalated.append(EscalatedHouse(house, cadre.name if cadre else None))
        reminders = [
            CadreReminder(Recipient(m.id, m.name, m.telegram_id, m.locale), by_cadre[m.id])
            for m in sorted(cadres.values(), key=lambda m: (m.name, m.id))
            if by_cadre[m.id]
        ]
        escalations, routed = await self._route(escalated)
        return ReminderPlan(self.today(), reminders, escalations, len(escalated) - routed)

    async def _members(self, ids: set[int]) -> dict[int, Member]:
        if not ids:
            return {}
        rows = await self.session.scalars(
            select(Member).where(Member.id.in_(ids), Member.active.is_(True))
        )
        return {m.id: m for m in rows}

    async def _route(self, escalated: Sequence[EscalatedHouse]) -> tuple[list[Escalation], int]:
        """Group escalated houses by the staff groups serving their grids."""
        per_chat: dict[int, list[EscalatedHouse]] = defaultdict(list)
        locales: dict[int, str | None] = {}
        routed = 0
        for grid_id in sorted({e.house.grid_id for e in escalated}):
            groups = await self.uow.groups.for_grid(GroupRole.STAFF, grid_id)
            houses = [e for e in escalated if e.house.grid_id == grid_id]
            routed += len(houses) if groups else 0
            for group in groups:
                per_chat[group.chat_id].extend(houses)
                locales[group.chat_id] = group.locale
        order = {id(e): i for i, e in enumerate(escalated)}
        escalations = [
            Escalation(chat_id, locales[chat_id], sorted(houses, key=lambda e: order[id(e)]))
            for chat_id, houses in sorted(per_chat.items())
        ]
        return escalations, routed

    async def my_overview(
        self, actor: Actor, *, recent: int = 10, horizon_days: int = 7
    ) -> MyVisits:
        """The acting cadre's recent visits and their houses due within the horizon."""
        actor.require(Permission.VISIT_HOUSES)
        if actor.member_id is None:
            return MyVisits([], [], horizon_days, 0)
        rows = (
            await self.session.execute(
                select(Visit, House)
                .join(House, House.id == Visit.house_id)
                .where(
                    Visit.cadre_id == actor.member_id,
                    Visit.status == VisitStatus.COMPLETED,
                    Visit.finished_at.is_not(None),
                )
                .order_by(Visit.finished_at.desc(), Visit.id.desc())
                .limit(recent)
            )
        ).all()
        visits = [_recent(visit, house) for visit, house in rows]
        houses = await self._rental_houses(cadre_id=actor.member_id)
        today, due = self.today(), []
        for house, last in houses:
            due_at = self.due_at(house, last)
            days_left = (self._local_date(due_at) - today).days
            if days_left <= horizon_days:
                due.append(
                    DueHouse(
                        house.id,
                        house.code,
                        house.standard_address,
                        house.risk_colour,
                        last,
                        due_at,
                        days_left,
                    )
                )
        due.sort(key=lambda d: (d.days_left, d.code))
        return MyVisits(visits, due, horizon_days, len(houses))

    async def team_stats(self, actor: Actor) -> TeamStats:
        """Per active cadre: visits this week and month, coverage, overdue, median duration."""
        actor.require(Permission.VIEW_ALL_VISITS)
        today = self.today()
        week_start = self.local_midnight(today - timedelta(days=today.weekday()))
        month_start = self.local_midnight(today.replace(day=1))
        days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
        since = min(week_start, month_start, self.local_midnight(days[0]))
        cadres = (
            await self.session.scalars(
                select(Member)
                .where(Member.role == Role.CADRE, Member.active.is_(True))
                .order_by(Member.name, Member.id)
            )
        ).all()
        visits: dict[int, list[Visit]] = defaultdict(list)
        for visit in await self._completed_visits(since):
            visits[visit.cadre_id].append(visit)
        overdue = self._overdue_of(await self._rental_houses())
        overdue_by_cadre: dict[int | None, int] = defaultdict(int)
        for house in overdue:
            overdue_by_cadre[house.cadre_id] += 1
        stats, per_day = [], {}
        index = {day: i for i, day in enumerate(days)}
        for cadre in cadres:
            mine = visits[cadre.id]
            month = [v for v in mine if _finished(v) >= month_start]
            durations = [_duration(v) for v in month]
            counts = [0] * len(days)
            for visit in mine:
                position = index.get(self._local_date(_finished(visit)))
                if position is not None:
                    counts[position] += 1
            per_day[cadre.id] = counts
            stats.append(
                CadreStats(
                    member_id=cadre.id,
                    name=cadre.name,
                    visits_week=sum(1 for v in mine if _finished(v) >= week_start),
                    visits_month=len(month),
                    houses_month=len({v.house_id for v in month}),
                    overdue=overdue_by_cadre[cadre.id],
                    median_duration=_median(durations),
                )
            )
        active = {c.id for c in cadres}
        unassigned = sum(1 for h in overdue if h.cadre_id not in active)
        return TeamStats(
            self.now(), week_start, month_start, stats, days, per_day, len(overdue), unassigned
        )


def _aware(value: datetime | None) -> datetime | None:
    """An aggregate may come back without the column type's zone (SQLite keeps none)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _finished(visit: Visit) -> datetime:
    assert visit.finished_at is not None  # completed visits are queried with a finish time
    return visit.finished_at


def _duration(visit: Visit) -> timedelta:
    return max(timedelta(0), _finished(visit) - visit.started_at)


def _median(durations: Sequence[timedelta]) -> timedelta | None:
    if not durations:
        return None
    return timedelta(seconds=statistics.median(d.total_seconds() for d in durations))


def _recent(visit: Visit, house: House) -> RecentVisit:
    return RecentVisit(
        visit_id=visit.id,
        house_id=house.id,
        code=house.code,
        address=house.standard_address,
        started_at=visit.started_at,
        finished_at=_finished(visit),
        duration=_duration(visit),
        assigned=visit.assigned,
    )
