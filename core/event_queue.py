"""The queue between accepting a camera event and processing it.

An interface, so that a broker can later carry events across machines without changing the
pipeline: the ingest side calls `published(event_id)` once the event is committed, the
worker calls `take()` for the events to process next (leaving out cameras whose event it is
still processing, so each camera's events stay in order) and `done()` when one is handled.
The default, `DatabaseQueue`, is the `camera_events` table itself (nothing is lost on a
crash: a queued row is taken again) with an in-process wake-up, so a new event is processed
at once instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection
from typing import Protocol

from core.services.uow import ServiceFactory


class EventQueue(Protocol):
    def published(self, event_id: int) -> None:
        """An event was stored (its transaction committed)."""

    async def take(
        self,
        timeout: float,  # noqa: ASYNC109
        busy: Collection[int] = (),
        limit: int = 8,
    ) -> list[int]:
        """Events to process now: at most one per camera, oldest first, none of a camera
        whose event is among `busy` (being processed); [] after `timeout`."""

    def done(self, event_id: int) -> None:
        """The worker finished with an event (its camera's next one may go)."""


class DatabaseQueue:
    """The in-process default: queued rows in the database, woken by `published`."""

    def __init__(self, services: ServiceFactory) -> None:
        self._services = services
        self._wake = asyncio.Event()

    def published(self, event_id: int) -> None:
        self._wake.set()

    def done(self, event_id: int) -> None:
        self._wake.set()

    async def take(
        self,
        timeout: float,  # noqa: ASYNC109
        busy: Collection[int] = (),
        limit: int = 8,
    ) -> list[int]:
        self._wake.clear()
        async with self._services() as svc:
            ready = await svc.camera_events.due(limit, busy=busy)
        if ready:
            return ready
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        return []
