"""The demo's cameras: a key person with a real face (scikit-image's astronaut photo, public
domain) on the persons-of-interest list, and the page's camera panel (pick a camera and a
photo, send → the product's camera endpoint → the alert in the guard group)."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from bot.recognition import recognition_config
from bot.sandbox.cameras import CameraPanel
from core.bootstrap import Storage
from core.demo import CAMERAS_FILE_NAME
from core.demo.seed import DEMO_AUTHORITY
from core.models import WatchlistKind
from core.roles import Actor
from core.services.visits import FaceEnrolment
from core.settings import Settings

log = logging.getLogger(__name__)
KEY_PERSON = "柯林斯（演示照片）"
SAMPLE_FACE = "astronaut · 重点人员"
SAMPLE_NO_FACE = "coffee · 无人脸"


def _jpeg(pixels: NDArray[Any]) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def samples() -> dict[str, bytes]:
    """Sample snapshots from scikit-image's bundled pictures (none when it is not installed)."""
    try:
        from skimage import data
    except ImportError:
        return {}
    face, cup = data.astronaut(), data.coffee()  # type: ignore[no-untyped-call]
    return {SAMPLE_FACE: _jpeg(face), SAMPLE_NO_FACE: _jpeg(cup)}


async def seed_key_face(settings: Settings, storage: Storage, actor: Actor) -> bool:
    """Put the astronaut's face on the persons-of-interest list (once); False when skipped."""
    photo = samples().get(SAMPLE_FACE)
    if photo is None:
        log.info("scikit-image is not installed: the demo has no key person with a face")
        return False
    async with storage.services() as svc:
        key = await svc.watchlists.ensure(actor, WatchlistKind.PERSONS_OF_INTEREST, "重点人员")
        if any(e.subject == KEY_PERSON for e in await svc.watchlists.entries(actor, key.id)):
            return False
    from recognition import RecognitionCore

    async with RecognitionCore(recognition_config(settings)) as core:
        result = await core.enrol_face(photo)
        vector = np.asarray(result.embedding, dtype=np.float32)
        face = FaceEnrolment(
            photo, vector.tobytes(), core.face_info.backend, int(vector.size), 1.0
        )
    async with storage.services() as svc:
        await svc.watchlists.add_face(
            actor,
            key.id,
            name=KEY_PERSON,
            face=face,
            reason="演示：民警布控，出现即告警",
            authority=DEMO_AUTHORITY,
        )
    return True


def camera_panel(settings: Settings) -> CameraPanel | None:
    """The page's camera panel over the demo's cameras (their tokens from the seed's file)."""
    path = Path(settings.data_dir) / CAMERAS_FILE_NAME
    try:
        cameras = json.loads(path.read_text(encoding="utf-8"))["cameras"]
    except (OSError, ValueError, KeyError):
        log.warning("no camera tokens in %s: the page has no camera panel", path)
        return None
    url = f"http://{settings.http_host}:{settings.http_port}"
    listed = [{"id": c["id"], "name": c["name"], "token": c["token"]} for c in cameras]
    return CameraPanel(url, listed, samples())
