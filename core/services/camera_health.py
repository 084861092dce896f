"""Camera health: a camera silent for too long is reported once, and once when it is back.

"Heard from" is any event or heartbeat (`seen`). `check` (a periodic job) marks cameras that
have been silent longer than the configured time and tells the staff group of their grid;
`offline` does the same at once when a link says so (Frigate's ``frigate/available``).
The first event or heartbeat afterwards clears the mark and tells the staff it is back.
Notices go through the one notification path, in the same transaction as the mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from core.models import Camera
from core.notify import Audience, Notice
from core.services.base import Service

OFFLINE_KIND = "camera_offline"
BACK_KIND = "camera_back"


class CameraHealthService(Service):
    async def seen(self, camera: Camera) -> None:
        """The camera sent an event or a heartbeat: alive now (reported if it was not)."""
        now = self.now()
        camera.last_seen_at = now
        if camera.offline_since is not None:
            since, camera.offline_since = camera.offline_since, None
            await self._tell(BACK_KIND, camera, since, now)

    async def check(self, silent_after: timedelta) -> list[str]:
        """Mark and report enabled cameras silent for longer than `silent_after`; their ids."""
        now = self.now()
        cameras = await self.session.scalars(
            select(Camera).where(Camera.enabled.is_(True), Camera.offline_since.is_(None))
        )
        gone = [c for c in cameras if (c.last_seen_at or c.created_at) < now - silent_after]
        for camera in gone:
            await self._mark(camera, now)
        return [c.id for c in gone]

    async def offline(self, camera_ids: Iterable[str]) -> list[str]:
        """Cameras a link reports as down (not waiting for the silence); the newly marked."""
        now, marked = self.now(), []
        for camera_id in camera_ids:
            camera = await self.session.get(Camera, camera_id)
            if camera is not None and camera.enabled and camera.offline_since is None:
                await self._mark(camera, now)
                marked.append(camera.id)
        return marked

    async def _mark(self, camera: Camera, now: datetime) -> None:
        camera.offline_since = now
        await self._tell(OFFLINE_KIND, camera, camera.last_seen_at, now)

    async def _tell(
        self, kind: str, camera: Camera, since: datetime | None, now: datetime
    ) -> None:
        await self.uow.notifications.notify(
            Notice(
                kind,
                Audience.grid_staff(camera.grid_id),
                {
                    "camera_id": camera.id,
                    "camera": camera.name,
                    "since": since.isoformat() if since else None,
                    "at": now.isoformat(),
                },
                dedup=f"{kind}:{camera.id}:{now.isoformat()}",
            )
        )
