"""A "please verify" alert's picture: the boxed snapshot beside the enrolled photo."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

HEIGHT, GAP = 480, 16


def beside(snapshot: bytes, enrolled: bytes) -> bytes:
    """Both pictures scaled to one height, snapshot left, enrolled photo right, as a JPEG."""
    panels = [
        ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
        for data in (snapshot, enrolled)
    ]
    scaled = [p.resize((max(1, p.width * HEIGHT // p.height), HEIGHT)) for p in panels]
    width = sum(p.width for p in scaled) + GAP * (len(scaled) + 1)
    canvas = Image.new("RGB", (width, HEIGHT + 2 * GAP), "white")
    x = GAP
    for panel in scaled:
        canvas.paste(panel, (x, GAP))
        x += panel.width + GAP
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=88)
    return out.getvalue()
