"""Seeding for supervision tests: houses with a visit history, cadres, completed visits.

Rows are written directly (not through the visit flow, which is built separately) so a test
can put a visit or a house's creation at any moment it needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.models import House, HouseKind, Member, RiskColour, Role, Visit, VisitStatus
from core.roles import Actor
from core.services import ServiceFactory, UnitOfWork

SYSTEM = Actor.system("test")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Asia/Shanghai (the tests' community time zone)."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class FrozenClock:
    """The storage clock of a test: `clock.now = …` or `clock.advance(days=1)`."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def with_context(factory: ServiceFactory, **changes: object) -> ServiceFactory:
    """The same database with another clock or other visit intervals."""
    return ServiceFactory(dataclasses.replace(factory.context, **changes))  # type: ignore[arg-type]


@dataclass
class Seeder:
    services: Callable[[], UnitOfWork]
    community: str = "安宁社区"

    async def _building(self, svc: UnitOfWork, grid: str) -> tuple[int, int]:
        await svc.houses.ensure_community(SYSTEM, self.community)
        grid_row = await svc.houses.ensure_grid(SYSTEM, grid, f"{grid}网格")
        building = await svc.houses.ensure_building(SYSTEM, grid_row, "1幢")
        return grid_row.id, building.id

    async def grid_id(self, code: str = "G1") -> int:
        async with self.services() as svc:
            grid_id, _building = await self._building(svc, code)
        return grid_id

    async def cadre(
        self,
        name: str,
        *,
        telegram_id: int | None = None,
        locale: str | None = None,
        active: bool = True,
        role: Role = Role.CADRE,
    ) -> int:
        async with self.services() as svc:
            member = Member(
                telegram_id=telegram_id,
                name=name,
                role=role,
                locale=locale,
                active=active,
                created_at=svc.houses.now(),
            )
            svc.session.add(member)
            await svc.session.flush()
            return member.id

    async def house(
        self,
        code: str,
        *,
        created_at: datetime,
        colour: RiskColour = RiskColour.GREEN,
        kind: HouseKind = HouseKind.RENTAL,
        cadre_id: int | None = None,
        last_visit_at: datetime | None = None,
        grid: str = "G1",
        address: str | None = None,
    ) -> int:
        async with self.services() as svc:
            grid_id, building_id = await self._building(svc, grid)
            house = House(
                code=code,
                building_id=building_id,
                grid_id=grid_id,
                standard_address=address or f"安宁路1号1幢{code}室",
                kind=kind,
                risk_colour=colour,
                cadre_id=cadre_id,
                created_at=created_at,
                last_visit_at=last_visit_at,
            )
            svc.session.add(house)
            await svc.session.flush()
            return house.id

    async def visit(
        self,
        house_id: int,
        cadre_id: int,
        *,
        finished_at: datetime | None,
        minutes: float = 20,
        assigned: bool = True,
        status: VisitStatus = VisitStatus.COMPLETED,
        touch_house: bool = True,
    ) -> int:
        """A visit ending at `finished_at` after `minutes`; a completed one updates the house
        like the visit flow does (unless `touch_house` is False)."""
        async with self.services() as svc:
            end = finished_at or svc.houses.now()
            visit = Visit(
                house_id=house_id,
                cadre_id=cadre_id,
                assigned=assigned,
                status=status,
                started_at=end - timedelta(minutes=minutes),
                finished_at=finished_at,
            )
            svc.session.add(visit)
            if touch_house and status is VisitStatus.COMPLETED and finished_at is not None:
                house = await svc.session.get(House, house_id)
                assert house is not None
                if house.last_visit_at is None or house.last_visit_at < finished_at:
                    house.last_visit_at = finished_at
            await svc.session.flush()
            return visit.id
