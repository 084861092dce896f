"""The snapshot an alert shows: the faces and plates boxed, scaled for a chat (worker side)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from recognition.images import load_rgb

BoxXYXY = tuple[int, int, int, int]
ALERT_SIDE = 1280  # Telegram shows photos at most about this wide
COLOURS = {"alert": (230, 30, 30), "face": (255, 200, 0), "plate": (0, 160, 255)}


def draw_boxes(
    data: bytes,
    boxes: Sequence[tuple[BoxXYXY, str]],
    *,
    max_pixels: int,
    max_side: int = ALERT_SIDE,
) -> bytes:
    """JPEG of the picture with each (box, style) drawn; style is a key of `COLOURS`."""
    image = Image.fromarray(load_rgb(data, max_pixels=max_pixels))
    scale = min(1.0, max_side / max(image.size))
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(image)
    width = max(2, round(max(image.size) / 300))
    for (left, top, right, bottom), style in boxes:
        shape = [
            round(left * scale),
            round(top * scale),
            round(right * scale),
            round(bottom * scale),
        ]
        draw.rectangle(shape, outline=COLOURS.get(style, COLOURS["alert"]), width=width)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
