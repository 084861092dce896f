"""Build the storage side of the product from the settings: engine, vault, service factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import make_engine, make_session_factory, upgrade_async
from core.files import harden, private_dir
from core.models import utcnow
from core.services import ServiceContext, ServiceFactory
from core.services.base import AlertPolicy, ReportPolicy
from core.services.privacy.keys import open_vault
from core.settings import Settings


@dataclass
class Storage:
    engine: AsyncEngine
    services: ServiceFactory

    async def close(self) -> None:
        await self.engine.dispose()


def service_context(
    settings: Settings, engine: AsyncEngine, *, clock: Callable[[], datetime] = utcnow
) -> ServiceContext:
    return ServiceContext(
        session_factory=make_session_factory(engine),
        vault=open_vault(settings),
        data_dir=settings.data_dir,
        zone=settings.zone,
        clock=clock,
        visit_interval_days={
            "red": settings.visit_interval_red_days,
            "yellow": settings.visit_interval_yellow_days,
            "green": settings.visit_interval_green_days,
        },
        overdue_grace_days=settings.overdue_grace_days,
        face_templates_per_person=settings.face_templates_per_person,
        retention=settings.retention,
        reports=report_policy(settings),
        alerts=AlertPolicy(
            rejection_quiet=timedelta(hours=settings.alert_rejection_hours),
            passage_gap=timedelta(seconds=settings.camera_passage_seconds),
        ),
    )


def report_policy(settings: Settings) -> ReportPolicy:
    return ReportPolicy(
        rate_limit=settings.report_rate_limit,
        rate_window=timedelta(hours=settings.report_rate_window_hours),
        nearby_meters=settings.report_nearby_meters,
        nearby_days=settings.report_nearby_days,
        reopen_days=settings.report_reopen_days,
        sla_hours={
            "hazard": settings.report_sla_hazard_hours,
            "public_order": settings.report_sla_public_order_hours,
            "dispute": settings.report_sla_dispute_hours,
            "other": settings.report_sla_other_hours,
        },
    )


async def open_storage(
    settings: Settings, *, migrate: bool = True, clock: Callable[[], datetime] = utcnow
) -> Storage:
    """Apply migrations (unless told not to) and return the engine and the service factory.

    The data dir, the database file and everything under them are made owner-only.
    """
    private_dir(settings.data_dir)
    if migrate:
        await upgrade_async(settings.effective_database_url)
    secure_files(settings)
    engine = make_engine(settings.effective_database_url)
    return Storage(engine, ServiceFactory(service_context(settings, engine, clock=clock)))


def database_files(settings: Settings) -> list[Path]:
    """The SQLite database and its journal files (none for PostgreSQL)."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return []
    base = Path(url.database)
    return [base, *(base.with_name(base.name + suffix) for suffix in ("-wal", "-shm"))]


def secure_files(settings: Settings) -> int:
    """Owner-only modes on the data dir, its files and the database; how many were changed."""
    return harden(settings.data_dir, database_files(settings))


@asynccontextmanager
async def storage(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Storage]:
    opened = await open_storage(settings, migrate=migrate)
    try:
        yield opened
    finally:
        await opened.close()
