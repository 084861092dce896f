"""The camera panel of the sandbox page: pick a camera and a photo, send → the product's
camera endpoint, as the camera would (its token stays on the server side).

The sandbox is a Telegram double and knows nothing of the product: whoever runs it (the demo)
fills `Sandbox.camera_panel` with the product's base URL, the cameras and sample photos; the
page's panel posts to the `camera_event` action, which relays the snapshot here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp

EVENTS_PATH = "/api/v1/cameras/{camera_id}/events"
TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass
class CameraPanel:
    url: str  # the product's HTTP server, e.g. http://127.0.0.1:8080
    cameras: list[dict[str, str]]  # id, name, token
    samples: dict[str, bytes] = field(default_factory=dict)  # label → JPEG/PNG

    def view(self) -> dict[str, Any]:
        """What the page shows (no tokens)."""
        return {
            "cameras": [{"id": c["id"], "name": c.get("name") or c["id"]} for c in self.cameras],
            "samples": list(self.samples),
        }

    async def post(self, camera_id: str, image: bytes, plate: str = "") -> dict[str, Any]:
        """POST the snapshot as the camera; the endpoint's status and JSON answer."""
        camera = next((c for c in self.cameras if c["id"] == camera_id), None)
        if camera is None:
            raise ValueError(f"unknown camera {camera_id!r}")
        form = aiohttp.FormData()
        form.add_field("image", image, filename="snapshot.jpg", content_type="image/jpeg")
        if plate.strip():
            form.add_field("plate", plate.strip())
        url = self.url.rstrip("/") + EVENTS_PATH.format(camera_id=camera_id)
        headers = {"Authorization": f"Bearer {camera['token']}"}
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as session,
            session.post(url, data=form, headers=headers) as response,
        ):
            try:
                body: Any = await response.json(content_type=None)
            except ValueError:
                body = {"error": (await response.text())[:200]}
            return {"status": response.status, "body": body}
