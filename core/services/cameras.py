"""Cameras at the gates: registration with a one-time-shown token, and authentication."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Sequence

from sqlalchemy import select

from core.crypto import token_hash
from core.errors import AlreadyExists, InvalidInput, InvalidToken
from core.models import Camera, CameraKind
from core.roles import Actor, Permission
from core.services.base import Service

_CAMERA_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class CameraService(Service):
    async def add(
        self,
        actor: Actor,
        *,
        camera_id: str,
        kind: CameraKind,
        name: str,
        grid_code: str | None = None,
        layer: int = 1,
    ) -> tuple[Camera, str]:
        """Register a camera; the returned token is shown once and stored only hashed."""
        actor.require(Permission.MANAGE_CAMERAS)
        if not _CAMERA_ID.match(camera_id):
            raise InvalidInput("camera_id")
        if not 1 <= layer <= 4:
            raise InvalidInput("defence_layer")
        if await self.session.get(Camera, camera_id):
            raise AlreadyExists("camera", id=camera_id)
        grid_id = await self.grid_id(grid_code)
        token = "cam_" + secrets.token_urlsafe(24)
        camera = Camera(
            id=camera_id,
            kind=CameraKind(kind),
            name=name,
            grid_id=grid_id,
            defence_layer=layer,
            token_hash=token_hash(token),
            created_at=self.now(),
        )
        self.session.add(camera)
        await self.session.flush()
        await self.uow.audit.record(actor, "create", "camera", camera.id)
        return camera, token

    async def authenticate(self, camera_id: str, token: str) -> Camera:
        """The camera posting an event, if its token matches; marks it as seen."""
        camera = await self.session.get(Camera, camera_id)
        if camera is None or not camera.enabled:
            raise InvalidToken("camera")
        if not hmac.compare_digest(camera.token_hash, token_hash(token)):
            raise InvalidToken("camera")
        camera.last_seen_at = self.now()
        return camera

    async def list(self, actor: Actor) -> Sequence[Camera]:
        actor.require(Permission.MANAGE_CAMERAS)
        return (await self.session.scalars(select(Camera).order_by(Camera.id))).all()
