"""Supervision: the overdue rule, escalation, a cadre's overview and the team's numbers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.bootstrap import Storage
from core.errors import PermissionDenied
from core.models import GroupRole, HouseKind, RiskColour, Role, VisitStatus
from core.roles import Actor
from core.services import ServiceFactory
from tests.core.supervision_factories import SYSTEM, FrozenClock, Seeder, local, with_context

RED, YELLOW, GREEN = RiskColour.RED, RiskColour.YELLOW, RiskColour.GREEN
NOW = local(2024, 11, 28, 10, 0)  # a Thursday


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def services(storage: Storage, clock: FrozenClock) -> ServiceFactory:
    return with_context(storage.services, clock=clock)


@pytest.fixture
def seed(services: ServiceFactory) -> Seeder:
    return Seeder(services)


async def overdue_codes(services: ServiceFactory) -> dict[str, int]:
    async with services() as svc:
        return {h.code: h.days_overdue for h in await svc.supervision.overdue(SYSTEM)}


async def test_the_interval_follows_the_risk_colour(
    services: ServiceFactory, seed: Seeder
) -> None:
    old = local(2024, 1, 1)
    # Due at the visit's local time + N days; overdue from the next local day on.
    for code, colour, visited in [
        ("R-due-today", RED, local(2024, 11, 21, 23, 59)),
        ("R-1", RED, local(2024, 11, 20, 15, 0)),
        ("Y-due-today", YELLOW, local(2024, 11, 13, 8, 0)),
        ("Y-1", YELLOW, local(2024, 11, 12, 23, 0)),
        ("G-due-today", GREEN, local(2024, 10, 29, 0, 0)),
        ("G-1", GREEN, local(2024, 10, 28, 23, 59)),
    ]:
        await seed.house(code, colour=colour, created_at=old, last_visit_at=visited)
    assert await overdue_codes(services) == {"G-1": 1, "R-1": 1, "Y-1": 1}


async def test_intervals_are_configurable(services: ServiceFactory, seed: Seeder) -> None:
    await seed.house(
        "R", colour=RED, created_at=local(2024, 1, 1), last_visit_at=NOW - timedelta(days=4)
    )
    await seed.house(
        "G", colour=GREEN, created_at=local(2024, 1, 1), last_visit_at=NOW - timedelta(days=9)
    )
    assert await overdue_codes(services) == {}
    shorter = with_context(services, visit_interval_days={"red": 3, "yellow": 5, "green": 8})
    assert await overdue_codes(shorter) == {"R": 1, "G": 1}


async def test_a_never_visited_house_counts_from_its_creation(
    services: ServiceFactory, seed: Seeder
) -> None:
    await seed.house("NEW", colour=RED, created_at=NOW - timedelta(days=3))
    await seed.house("OLD", colour=RED, created_at=NOW - timedelta(days=12))
    async with services() as svc:
        [house] = await svc.supervision.overdue(SYSTEM)
    assert (house.code, house.days_overdue, house.last_visit_at) == ("OLD", 5, None)
    assert house.due_at == NOW - timedelta(days=5)


async def test_only_rental_houses_are_supervised(services: ServiceFactory, seed: Seeder) -> None:
    long_ago = local(2023, 1, 1)
    await seed.house("RENT", created_at=long_ago, kind=HouseKind.RENTAL)
    await seed.house("OWN", created_at=long_ago, kind=HouseKind.OWNER)
    await seed.house("EMPTY", created_at=long_ago, kind=HouseKind.VACANT)
    assert set(await overdue_codes(services)) == {"RENT"}


async def test_grace_decides_escalation_and_order_is_most_overdue_first(
    services: ServiceFactory, seed: Seeder
) -> None:
    for code, days in [("B", 7), ("A", 8), ("C", 8), ("D", 2)]:
        await seed.house(code, colour=RED, created_at=NOW - timedelta(days=7 + days))
    async with services() as svc:
        found = await svc.supervision.overdue(SYSTEM)
    assert [(h.code, h.days_overdue, h.escalate) for h in found] == [
        ("A", 8, True),
        ("C", 8, True),
        ("B", 7, False),
        ("D", 2, False),
    ]
    async with with_context(services, overdue_grace_days=1)() as svc:
        assert [h.escalate for h in await svc.supervision.overdue(SYSTEM)] == [True] * 4


async def test_only_completed_visits_reset_the_clock(
    services: ServiceFactory, seed: Seeder
) -> None:
    cadre = await seed.cadre("王芳")
    done = await seed.house("DONE", colour=RED, created_at=NOW - timedelta(days=30))
    open_ = await seed.house("OPEN", colour=RED, created_at=NOW - timedelta(days=30))
    # A completed visit row counts even when the house row was not updated.
    await seed.visit(done, cadre, finished_at=NOW - timedelta(days=1), touch_house=False)
    await seed.visit(open_, cadre, finished_at=None, status=VisitStatus.IN_PROGRESS)
    await seed.visit(
        open_, cadre, finished_at=NOW - timedelta(days=1), status=VisitStatus.ABANDONED
    )
    assert await overdue_codes(services) == {"OPEN": 23}


async def test_the_reminder_plan_routes_houses_to_cadres_and_staff_groups(
    services: ServiceFactory, seed: Seeder
) -> None:
    wang = await seed.cadre("王芳", telegram_id=501, locale="en")
    li = await seed.cadre("李明")  # no Telegram account yet
    gone = await seed.cadre("赵旧", telegram_id=503, active=False)
    created = NOW - timedelta(days=40)
    await seed.house("G1-late", colour=RED, cadre_id=wang, created_at=created)  # 33 days
    await seed.house("G1-soon", colour=GREEN, cadre_id=wang, created_at=NOW - timedelta(days=32))
    await seed.house("G1-li", colour=RED, cadre_id=li, created_at=NOW - timedelta(days=10))
    await seed.house("G1-orphan", colour=GREEN, created_at=NOW - timedelta(days=31))
    await seed.house("G2-gone", colour=RED, cadre_id=gone, created_at=created, grid="G2")
    await seed.house("G2-ok", colour=RED, cadre_id=wang, created_at=NOW, grid="G2")
    async with services() as svc:
        await svc.groups.add(SYSTEM, chat_id=-100, role=GroupRole.STAFF, grid_codes=["G1"])
        await svc.groups.add(SYSTEM, chat_id=-200, role=GroupRole.STAFF)  # every grid
        await svc.groups.add(SYSTEM, chat_id=-300, role=GroupRole.GUARDS)
        plan = await svc.supervision.reminder_plan(SYSTEM)
    assert plan.today == date(2024, 11, 28)
    assert [(r.cadre.name, r.cadre.telegram_id, r.cadre.locale) for r in plan.reminders] == [
        ("李明", None, None),
        ("王芳", 501, "en"),
    ]
    assert [h.code for h in plan.reminders[1].houses] == ["G1-late", "G1-soon"]
    routed = {
        e.chat_id: [(x.house.code, x.cadre_name) for x in e.houses] for e in plan.escalations
    }
    assert routed == {
        -200: [("G1-late", "王芳"), ("G2-gone", None), ("G1-orphan", None)],
        -100: [("G1-late", "王芳"), ("G1-orphan", None)],
    }
    assert plan.unrouted == 0


async def test_escalations_nobody_serves_are_counted(
    services: ServiceFactory, seed: Seeder
) -> None:
    await seed.house("X", created_at=NOW - timedelta(days=60))
    async with services() as svc:
        plan = await svc.supervision.reminder_plan(SYSTEM)
    assert (plan.escalations, plan.unrouted) == ([], 1)


async def test_my_overview_lists_recent_visits_and_houses_due_soon(
    services: ServiceFactory, seed: Seeder
) -> None:
    me = await seed.cadre("王芳", telegram_id=601)
    other = await seed.cadre("李明")
    base = local(2024, 1, 1)
    mine = await seed.house("M-1", colour=RED, cadre_id=me, created_at=base)
    soon = await seed.house("M-2", colour=RED, cadre_id=me, created_at=base)
    later = await seed.house("M-3", colour=GREEN, cadre_id=me, created_at=base)
    await seed.house("M-4", colour=YELLOW, cadre_id=me, created_at=NOW - timedelta(days=20))
    theirs = await seed.house("T-1", colour=RED, cadre_id=other, created_at=base)
    await seed.visit(soon, me, finished_at=NOW - timedelta(days=4), minutes=25)
    await seed.visit(later, me, finished_at=NOW - timedelta(days=2), minutes=40)
    await seed.visit(theirs, me, finished_at=NOW - timedelta(days=1), minutes=15, assigned=False)
    await seed.visit(mine, other, finished_at=NOW - timedelta(hours=1))
    actor = Actor(Role.CADRE, me)
    async with services() as svc:
        overview = await svc.supervision.my_overview(actor, recent=2)
    assert [(v.code, v.assigned, v.duration) for v in overview.recent] == [
        ("T-1", False, timedelta(minutes=15)),
        ("M-3", True, timedelta(minutes=40)),
    ]
    # M-1 was visited by someone else an hour ago (due in 7 days, still within the week);
    # M-3 is due in 28 days.
    assert [(d.code, d.days_left, d.days_overdue) for d in overview.due] == [
        ("M-4", -5, 5),
        ("M-2", 3, 0),
        ("M-1", 7, 0),
    ]
    assert overview.assigned_houses == 4
    async with services() as svc:
        theirs_due = (await svc.supervision.my_overview(Actor(Role.CADRE, other))).due
        assert [(d.code, d.days_left) for d in theirs_due] == [("T-1", 6)]  # covered by me
        with pytest.raises(PermissionDenied):
            await svc.supervision.my_overview(Actor(Role.POLICE, other))


async def test_team_stats_count_local_weeks_and_months(
    services: ServiceFactory, seed: Seeder, clock: FrozenClock
) -> None:
    clock.now = local(2024, 12, 2, 8, 0)  # Monday; the month began yesterday (Sunday)
    wang = await seed.cadre("王芳")
    idle = await seed.cadre("李明")
    await seed.cadre("赵旧", active=False)
    await seed.cadre("张管", role=Role.ADMIN)
    a = await seed.house("A", colour=RED, cadre_id=wang, created_at=local(2024, 1, 1))
    b = await seed.house("B", colour=RED, cadre_id=idle, created_at=local(2024, 1, 1))
    await seed.visit(a, wang, finished_at=local(2024, 12, 2, 0, 10), minutes=10)  # week
    await seed.visit(a, wang, finished_at=local(2024, 12, 1, 23, 50), minutes=30)  # month
    await seed.visit(b, wang, finished_at=local(2024, 12, 1, 0, 5), minutes=50)  # month
    await seed.visit(b, wang, finished_at=local(2024, 11, 30, 23, 55), minutes=5)  # before
    await seed.visit(b, wang, finished_at=None, status=VisitStatus.IN_PROGRESS)
    await seed.visit(a, wang, finished_at=clock.now, status=VisitStatus.ABANDONED)
    await seed.house("C", colour=RED, cadre_id=idle, created_at=local(2024, 1, 1))
    await seed.house("D", colour=RED, created_at=local(2024, 1, 1))
    async with services() as svc:
        stats = await svc.supervision.team_stats(Actor(Role.POLICE, None))
    assert stats.week_start == local(2024, 12, 2)
    assert stats.month_start == local(2024, 12, 1)
    by_name = {c.name: c for c in stats.cadres}
    assert list(by_name) == ["李明", "王芳"]  # active cadres only, sorted by name
    w = by_name["王芳"]
    assert (w.visits_week, w.visits_month, w.houses_month) == (1, 3, 2)
    assert w.median_duration == timedelta(minutes=30)
    assert w.overdue == 0
    i = by_name["李明"]
    assert (i.visits_week, i.visits_month, i.houses_month, i.median_duration) == (0, 0, 0, None)
    assert i.overdue == 1  # C (B was visited on 1 Dec)
    assert (stats.overdue_total, stats.overdue_unassigned) == (2, 1)
    assert stats.days[0] == date(2024, 11, 19)
    assert stats.days[-1] == date(2024, 12, 2)
    assert len(stats.days) == 14
    assert stats.per_day[w.member_id][-3:] == [1, 2, 1]
    assert sum(stats.per_day[w.member_id]) == 4
    assert stats.per_day[i.member_id] == [0] * 14


async def test_median_of_an_even_number_of_visits(services: ServiceFactory, seed: Seeder) -> None:
    cadre = await seed.cadre("王芳")
    house = await seed.house("A", created_at=local(2024, 1, 1))
    for minutes in (10, 20, 30, 100):
        await seed.visit(house, cadre, finished_at=NOW - timedelta(hours=1), minutes=minutes)
    async with services() as svc:
        [stats] = (await svc.supervision.team_stats(SYSTEM)).cadres
    assert stats.median_duration == timedelta(minutes=25)


async def test_supervision_is_not_for_everybody(services: ServiceFactory) -> None:
    for role in (Role.CADRE, Role.GUARD, Role.RESIDENT):
        async with services() as svc:
            with pytest.raises(PermissionDenied):
                await svc.supervision.team_stats(Actor(role, 1))
            with pytest.raises(PermissionDenied):
                await svc.supervision.overdue(Actor(role, 1))
