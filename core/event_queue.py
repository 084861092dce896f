"""The queue between accepting a camera event and processing it.

An interface, so that a broker can later carry events across machines without changing the
pipeline: the ingest side calls `published(event_id)` once the event is committed, the
worker calls `take()` for the events to process next. The default, `DatabaseQueue`, is the
`camera_events` table itself (nothing is lost on a crash: a queued row is taken again) with an
in-process wake-up, so a new event is processed at once instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from core.services.uow import ServiceFactory


class EventQueue(Protocol):
    def published(self, event_id: int) -> None:
        """An event was stored (its transaction committed)."""

    async def take(self, timeout: float) -> list[int]:  # noqa: ASYNC109
        """Events to process now (at most one per camera, oldest first); [] after `timeout`."""


class DatabaseQueue:
    """The in-process default: queued rows in the database, woken by `published`."""

    def __init__(self, services: ServiceFactory, *, batch: int = 8) -> None:
        self._services = services
        self._batch = batch
        self._wake = asyncio.Event()

    def published(self, event_id: int) -> None:
        self._wake.set()

    async def take(self, timeout: float) -> list[int]:  # noqa: ASYNC109
        self._wake.clear()
        async with self._services() as svc:
            ready = await svc.camera_events.due(self._batch)
        if ready:
            return ready
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        return []
