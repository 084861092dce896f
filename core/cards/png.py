"""The chat backend: one card as a PNG (Pillow), ~300 dpi, from the same layout as the PDF."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from core.cards.fonts import face_index
from core.cards.info import CardInfo
from core.cards.layout import (
    BOLD_STROKE,
    MM_PER_PT,
    RENDER_LOCK,
    WHITE,
    Box,
    CardLayout,
    Line,
    QrCode,
    Text,
    card_layout,
)

ANCHORS = {"left": "ls", "center": "ms", "right": "rs"}


def render_png(card: CardInfo, font: Path, *, dpi: int = 300) -> bytes:
    """One card as PNG bytes (90×60 mm → 1063×709 px at 300 dpi)."""
    buffer = io.BytesIO()
    with RENDER_LOCK:
        image = draw_card(card_layout(card, font), font, dpi)
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def draw_card(layout: CardLayout, font: Path, dpi: int) -> Image.Image:
    scale = dpi / 25.4  # px per mm
    image = Image.new("RGB", (round(layout.width * scale), round(layout.height * scale)), WHITE)
    canvas = ImageDraw.Draw(image)

    def px(mm: float) -> int:
        return round(mm * scale)

    for item in layout.items:
        if isinstance(item, Box):
            canvas.rectangle(
                (px(item.x), px(item.y), px(item.x + item.w) - 1, px(item.y + item.h) - 1),
                fill=item.fill,
                outline=item.stroke,
                width=max(1, px(item.width)) if item.stroke else 0,
            )
        elif isinstance(item, Line):
            width = max(1, px(item.width))
            canvas.line((px(item.x1), px(item.y1), px(item.x2), px(item.y2)), item.colour, width)
        elif isinstance(item, Text):
            size = item.size * MM_PER_PT * scale
            stroke = round(BOLD_STROKE * size) if item.bold else 0
            canvas.text(
                (item.x * scale, item.y * scale),
                item.text,
                fill=item.colour,
                font=_font(font, round(size)),
                anchor=ANCHORS[item.align],
                stroke_width=max(stroke, 1) if item.bold else 0,
                stroke_fill=item.colour,
            )
        else:
            _qr(canvas, item, scale)
    return image


def _qr(canvas: ImageDraw.ImageDraw, item: QrCode, scale: float) -> None:
    """Module edges are rounded to whole pixels from their mm positions: no gaps, no overlap."""
    module = item.module
    for row, cells in enumerate(item.modules):
        top = round((item.y + row * module) * scale)
        bottom = round((item.y + (row + 1) * module) * scale) - 1
        for column, dark in enumerate(cells):
            if dark:
                left = round((item.x + column * module) * scale)
                right = round((item.x + (column + 1) * module) * scale) - 1
                canvas.rectangle((left, top, right, bottom), fill=(0, 0, 0))


@lru_cache(maxsize=32)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=face_index(path))
