"""The snapshot WeCom gets as an image message: JPEG or PNG of at most 2 MB.

Run in a thread (`asyncio.to_thread`) by the sender: the picture is an alert's snapshot that
the recognition pool already decoded and boxed, at most `camera_max_bytes`, and anything over
`max_pixels` is refused before it is decoded, so the bot process never decodes a huge image.
"""

from __future__ import annotations

import io

from PIL import Image

LIMIT = 2 * 1024 * 1024


def fit_image(data: bytes, limit: int = LIMIT, *, max_pixels: int = 40_000_000) -> bytes:
    """`data` when it is a JPEG or PNG within `limit`, else a smaller JPEG that is."""
    with Image.open(io.BytesIO(data)) as image:
        if len(data) <= limit and image.format in ("JPEG", "PNG"):
            return data
        width, height = image.size
        if width * height > max_pixels:
            raise ValueError(f"snapshot of {width}x{height} pixels is too large")
        picture = image.convert("RGB")
    scale = min(1.0, (limit / max(len(data), 1)) ** 0.5)
    quality = 85
    while True:
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        out = io.BytesIO()
        picture.resize(size, Image.Resampling.LANCZOS).save(out, "JPEG", quality=quality)
        if out.tell() <= limit:
            return out.getvalue()
        scale *= 0.8
        quality = max(60, quality - 5)
