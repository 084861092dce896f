"""The unit of work: one session, one transaction, every feature service over it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.crypto import Vault
from core.errors import NotFound
from core.models import Grid, utcnow
from core.notify import Notifier
from core.retention import RetentionPolicy

if TYPE_CHECKING:
    from core.services.uow import UnitOfWork


@dataclass(frozen=True)
class ReportPolicy:
    """The reports' limits and deadlines (from the settings; defaults for tests)."""

    rate_limit: int = 5
    rate_window: timedelta = timedelta(hours=24)
    nearby_meters: int = 250
    nearby_days: int = 30
    reopen_days: int = 14
    # Hours to acknowledge a report, by category value (hazards sooner than the rest).
    sla_hours: dict[str, int] = field(
        default_factory=lambda: {"hazard": 4, "public_order": 12, "dispute": 24, "other": 48}
    )


@dataclass(frozen=True)
class AlertPolicy:
    """Camera alerts' tunables (from the settings; defaults for tests)."""

    # How long "not this person" keeps that look-alike quiet at that camera.
    rejection_quiet: timedelta = timedelta(hours=24)
    # Frames of a camera that sends no track id, this close in time and showing the same
    # person, look-alike face or plate, are one passage (zero: every frame its own).
    passage_gap: timedelta = timedelta(seconds=4)


@dataclass(frozen=True)
class ServiceContext:
    """What services need besides the session; built once at start from the settings."""

    session_factory: async_sessionmaker[AsyncSession]
    vault: Vault
    data_dir: Path
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    clock: Callable[[], datetime] = utcnow
    bot_username: str = ""
    visit_interval_days: dict[str, int] = field(
        default_factory=lambda: {"red": 7, "yellow": 15, "green": 30}
    )
    overdue_grace_days: int = 7
    # Face templates kept per person and backend (the least sharp older one goes past it).
    face_templates_per_person: int = 5
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    reports: ReportPolicy = field(default_factory=ReportPolicy)
    alerts: AlertPolicy = field(default_factory=AlertPolicy)
    # Renders notices and is told when deliveries were stored (set by the front end).
    notifier: Notifier = field(default_factory=Notifier)


class Service:
    """Base of feature services: shares the unit of work's session and context."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.session: AsyncSession = uow.session
        self.context: ServiceContext = uow.context

    def now(self) -> datetime:
        return self.context.clock()

    async def grid_by_code(self, code: str) -> Grid:
        grid = await self.session.scalar(select(Grid).where(Grid.code == code))
        if grid is None:
            raise NotFound("grid", code=code)
        return grid

    async def grids(self) -> Sequence[Grid]:
        """Every grid by code (names of areas, not personal data: no permission)."""
        return (await self.session.scalars(select(Grid).order_by(Grid.code))).all()

    async def grid_id(self, code: str | None) -> int | None:
        """The id of the grid with `code`; None when no code is given."""
        return (await self.grid_by_code(code)).id if code else None
