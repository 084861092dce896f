"""Cameras at the gates: registration with a one-time-shown token, and authentication."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Sequence
from itertools import count

from sqlalchemy import select

from core.crypto import token_hash
from core.errors import AlreadyExists, InvalidInput, InvalidToken, NotFound
from core.models import Camera, CameraKind, CameraSource
from core.roles import Actor, Permission
from core.services.base import Service

_CAMERA_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_NAME = 120


class CameraService(Service):
    async def add(
        self,
        actor: Actor,
        *,
        camera_id: str | None,
        kind: CameraKind,
        name: str,
        grid_code: str | None = None,
        layer: int = 1,
        source: CameraSource = CameraSource.HTTP,
        external_name: str | None = None,
    ) -> tuple[Camera, str]:
        """Register a camera; the returned token is shown once and stored only hashed.

        Without `camera_id` one is made from the kind (``face-3``). The token is the bearer
        token of the HTTP API and the secret in a Hikvision or Dahua push URL; a Frigate
        camera is named by `external_name`, Frigate's name for it (its events carry none)."""
        actor.require(Permission.MANAGE_CAMERAS)
        kind, source = CameraKind(kind), CameraSource(source)
        if source is CameraSource.FRIGATE:
            external_name = clean_camera_id(external_name or "")
            taken = await self.session.scalar(
                select(Camera.id).where(Camera.external_name == external_name)
            )
            if taken is not None:
                raise AlreadyExists("camera", id=external_name)
        else:
            external_name = None
        camera_id = clean_camera_id(camera_id) if camera_id else await self._free_id(kind)
        name = clean_camera_name(name)
        if not 1 <= layer <= 4:
            raise InvalidInput("defence_layer")
        if await self.session.get(Camera, camera_id):
            raise AlreadyExists("camera", id=camera_id)
        grid_id = await self.grid_id(grid_code)
        token = _new_token()
        camera = Camera(
            id=camera_id,
            kind=kind,
            name=name,
            grid_id=grid_id,
            defence_layer=layer,
            token_hash=token_hash(token),
            created_at=self.now(),
            source=source,
            external_name=external_name,
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
        await self.uow.camera_health.seen(camera)
        return camera

    async def by_external_names(self) -> dict[str, str]:
        """Frigate's camera names → our enabled cameras' ids (system-side, for the link)."""
        rows = await self.session.execute(
            select(Camera.external_name, Camera.id).where(
                Camera.source == CameraSource.FRIGATE, Camera.enabled.is_(True)
            )
        )
        return {name: camera_id for name, camera_id in rows if name}

    async def list(self, actor: Actor) -> Sequence[Camera]:
        actor.require(Permission.MANAGE_CAMERAS)
        return (await self.session.scalars(select(Camera).order_by(Camera.id))).all()

    async def get(self, actor: Actor, camera_id: str) -> Camera:
        actor.require(Permission.MANAGE_CAMERAS)
        camera = await self.session.get(Camera, camera_id)
        if camera is None:
            raise NotFound("camera", id=camera_id)
        return camera

    async def rotate_token(self, actor: Actor, camera_id: str) -> str:
        """A new token for the camera (shown once); the old one stops working now."""
        camera = await self.get(actor, camera_id)
        token = _new_token()
        camera.token_hash = token_hash(token)
        await self.uow.audit.record(actor, "rotate_token", "camera", camera.id)
        return token

    async def disable(self, actor: Actor, camera_id: str) -> Camera:
        """The camera's events are refused from now on (its token stops working)."""
        camera = await self.get(actor, camera_id)
        if camera.enabled:
            camera.enabled = False
            await self.uow.audit.record(actor, "disable", "camera", camera.id)
        return camera

    async def _free_id(self, kind: CameraKind) -> str:
        taken = set((await self.session.scalars(select(Camera.id))).all())
        return next(f"{kind.value}-{n}" for n in count(1) if f"{kind.value}-{n}" not in taken)


def clean_camera_id(value: str) -> str:
    """A camera id as cameras and gateways send it: letters, digits, . _ - (at most 64)."""
    value = value.strip()
    if not _CAMERA_ID.match(value):
        raise InvalidInput("camera_id")
    return value


def clean_camera_name(value: str) -> str:
    """A camera's name ("北门人脸抓拍"): one line of at most `MAX_NAME` characters."""
    value = " ".join(value.split())
    if not value or len(value) > MAX_NAME:
        raise InvalidInput("camera_name", max=MAX_NAME)
    return value


def _new_token() -> str:
    return "cam_" + secrets.token_urlsafe(24)
