"""The print backend: A4 sheets of cards (fpdf2), the CJK font embedded as a subset."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from fpdf import FPDF

from core.cards.fonts import face_index
from core.cards.info import CARD_TITLE, CardInfo
from core.cards.layout import (
    BOLD_STROKE,
    MM_PER_PT,
    PAGE_H,
    PAGE_W,
    RENDER_LOCK,
    Box,
    Line,
    Primitive,
    QrCode,
    Text,
    card_layout,
    card_slot,
    crop_marks,
    page_count,
    sheet_note,
)

FAMILY = "cardfont"
# Each dark run of modules is drawn a hair wider and taller, so anti-aliased rasterisers
# leave no pale seams between neighbouring modules.
SEAM = 0.02


def _not_bitmap_table_notice(record: logging.LogRecord) -> bool:
    """fontTools warns on every subset of fonts with bitmap strikes (WenQuanYi's BDF table)
    that it drops them; the PDF needs only the outlines."""
    return "NOT subset" not in record.getMessage()


logging.getLogger("fontTools.subset").addFilter(_not_bitmap_table_notice)


def render_pdf(cards: Sequence[CardInfo], font: Path) -> bytes:
    """An A4 PDF with eight cards per page and cutting marks; one card gives one page."""
    if not cards:
        raise ValueError("no cards to render")
    with RENDER_LOCK:
        return _render(cards, font)


def _render(cards: Sequence[CardInfo], font: Path) -> bytes:
    pdf = FPDF(unit="mm", format=(PAGE_W, PAGE_H))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title(CARD_TITLE)
    pdf.set_creator("SafeCommunity")
    pdf.add_font(FAMILY, "", str(font), collection_font_number=face_index(font))
    pages = page_count(len(cards))
    for index, info in enumerate(cards):
        page, x, y = card_slot(index)
        if page == pdf.page:  # pdf.page counts from 1: this card opens a new page
            pdf.add_page()
            draw(pdf, [sheet_note(page, pages)], 0.0, 0.0)
        draw(pdf, card_layout(info, font).items, x, y)
        draw(pdf, crop_marks(x, y), 0.0, 0.0)
    return bytes(pdf.output())


def draw(pdf: FPDF, items: Iterable[Primitive], ox: float, oy: float) -> None:
    """Draw layout primitives with their origin at (ox, oy) mm on the current page."""
    for item in items:
        if isinstance(item, Text):
            _text(pdf, item, ox, oy)
        elif isinstance(item, Line):
            pdf.set_draw_color(*item.colour)
            pdf.set_line_width(item.width)
            pdf.line(ox + item.x1, oy + item.y1, ox + item.x2, oy + item.y2)
        elif isinstance(item, Box):
            _box(pdf, item, ox, oy)
        else:
            _qr(pdf, item, ox, oy)


def _text(pdf: FPDF, item: Text, ox: float, oy: float) -> None:
    pdf.set_font(FAMILY, size=item.size)
    pdf.set_text_color(*item.colour)
    width = pdf.get_string_width(item.text)
    shift = {"left": 0.0, "center": width / 2, "right": width}[item.align]
    x, y = ox + item.x - shift, oy + item.y
    if not item.bold:
        pdf.text(x, y, item.text)
        return
    stroke = 2 * BOLD_STROKE * item.size * MM_PER_PT  # a PDF stroke is centred on the outline
    with pdf.local_context(text_mode="FILL_STROKE", line_width=stroke, draw_color=item.colour):
        pdf.text(x, y, item.text)


def _box(pdf: FPDF, item: Box, ox: float, oy: float) -> None:
    style = ("F" if item.fill else "") + ("D" if item.stroke else "")
    if not style:
        return
    if item.fill:
        pdf.set_fill_color(*item.fill)
    if item.stroke:
        pdf.set_draw_color(*item.stroke)
        pdf.set_line_width(item.width)
    pdf.rect(ox + item.x, oy + item.y, item.w, item.h, style=style)


def _qr(pdf: FPDF, item: QrCode, ox: float, oy: float) -> None:
    """Vector modules: sharp at any print or raster resolution."""
    pdf.set_fill_color(0, 0, 0)
    module = item.module
    for row, cells in enumerate(item.modules):
        column = 0
        while column < len(cells):
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < len(cells) and cells[column]:
                column += 1
            pdf.rect(
                ox + item.x + start * module,
                oy + item.y + row * module,
                (column - start) * module + SEAM,
                module + SEAM,
                style="F",
            )
