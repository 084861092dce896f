"""The one description of a house card and of the A4 sheet, in millimetres.

Both backends (`pdf.py`, `png.py`) only draw these primitives, so the printed sheet, the PNG
sent in the chat and the test helper that crops a card out of a rasterised sheet cannot
disagree about where anything is. Text is measured with the same font the backends embed.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import qrcode
from PIL import ImageFont
from qrcode.constants import ERROR_CORRECT_M

from core.cards.fonts import face_index
from core.cards.info import CARD_SUBTITLE, CARD_TITLE, SCAN_LINE, CardInfo

RGB = tuple[int, int, int]
Align = Literal["left", "center", "right"]

MM_PER_PT = 25.4 / 72
BLACK: RGB = (0, 0, 0)
INK: RGB = (40, 40, 40)
GREY: RGB = (110, 110, 110)
WHITE: RGB = (255, 255, 255)
RED: RGB = (178, 28, 36)
MARK: RGB = (80, 80, 80)
# Synthetic bold (the usual CJK system fonts have no bold face): an outline this fraction of
# the font size wide, on each side of the glyph.
BOLD_STROKE = 0.018

# --- the card (ISO 7810 is 85.6×54; a little larger leaves room for the address) ----------
CARD_W, CARD_H = 90.0, 60.0
INSET = 2.0  # the printed frame sits inside the cut line: cutting a little off does no harm
HEADER_H = 11.5
QR_SIZE = 32.0  # with the quiet zone; a version-4 code gets ~0.78 mm modules
QR_X, QR_Y = CARD_W - 4.0 - QR_SIZE, 14.5
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks
TEXT_LEFT, TEXT_RIGHT = 4.5, QR_X - 1.5
FIELDS_TOP, FIELDS_BOTTOM = 18.5, 52.0
FIELD_SIZES = (8.0, 7.5, 7.0, 6.5, 6.0)  # points; the largest at which every field fits
MAX_FIELD_LINES = 3
FOOTER = "请妥善保管，勿撕毁或遮挡"
_TOKENS = re.compile(r"[!-~]+|\s+|.")  # Latin words and numbers stay whole

# --- the A4 sheet: 2 × 4 cards with cutting marks at every corner ----------------------------
PAGE_W, PAGE_H = 210.0, 297.0
COLUMNS, ROWS = 2, 4
CARDS_PER_PAGE = COLUMNS * ROWS
GAP_X, GAP_Y = 10.0, 8.0
MARGIN_X = (PAGE_W - COLUMNS * CARD_W - (COLUMNS - 1) * GAP_X) / 2
MARGIN_Y = (PAGE_H - ROWS * CARD_H - (ROWS - 1) * GAP_Y) / 2
MARK_OFFSET, MARK_LENGTH = 1.0, 2.5  # a mark starts this far from the corner (stays in the gap)
# The bot renders in worker threads; the cached FreeType faces must not be used by two at once.
RENDER_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Text:
    """A line of text; (x, y) is the baseline point that `align` refers to."""

    x: float
    y: float
    text: str
    size: float  # points
    bold: bool = False
    align: Align = "left"
    colour: RGB = BLACK


@dataclass(frozen=True, slots=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.2
    colour: RGB = BLACK


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: RGB | None = None
    stroke: RGB | None = None
    width: float = 0.3


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR symbol drawn as square modules (quiet zone included) in a `size`-mm square."""

    x: float
    y: float
    size: float
    modules: tuple[tuple[bool, ...], ...]
    payload: str

    @property
    def module(self) -> float:
        return self.size / len(self.modules)


Primitive = Text | Line | Box | QrCode


@dataclass(frozen=True, slots=True)
class CardLayout:
    width: float
    height: float
    items: tuple[Primitive, ...]


class TextMeasure:
    """Advance widths from the font file itself (the backends embed the same font)."""

    REFERENCE = 1000  # px: measure large, scale down

    def __init__(self, font: Path) -> None:
        self.font = font
        self._face = ImageFont.truetype(str(font), self.REFERENCE, index=face_index(font))

    def width(self, text: str, size: float) -> float:
        """Width of `text` at `size` points, in millimetres."""
        return float(self._face.getlength(text)) / self.REFERENCE * size * MM_PER_PT


@lru_cache(maxsize=4)
def measure_for(font: Path) -> TextMeasure:
    return TextMeasure(font)


@lru_cache(maxsize=256)
def qr_modules(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The module matrix, quiet zone included.

    Level M rather than Q: at a fixed printed size a lower version means larger modules,
    which matters more for a blurred, tilted phone photo than the extra redundancy (the
    recognition benchmark's cards use M too).
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(payload)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def wrap(text: str, width: float, size: float, measure: TextMeasure) -> list[str]:
    """Greedy wrap by measured width: Chinese breaks between any two characters, a Latin
    word or a number (a phone, a house code) only when it is wider than the whole line."""
    lines: list[str] = []
    current = ""
    for token in _TOKENS.findall(text):
        if not current or measure.width(current + token, size) <= width:
            current += token
            continue
        if measure.width(token, size) > width:  # too long for any line: split it anywhere
            for char in token:
                if current and measure.width(current + char, size) > width:
                    lines.append(current.rstrip())
                    current = ""
                current += char
            continue
        lines.append(current.rstrip())
        current = "" if token.isspace() else token
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _fit(lines: list[str], width: float, size: float, measure: TextMeasure) -> list[str]:
    """At most MAX_FIELD_LINES lines; an overlong value ends with an ellipsis."""
    if len(lines) <= MAX_FIELD_LINES:
        return lines
    last = lines[MAX_FIELD_LINES - 1]
    while last and measure.width(last + "…", size) > width:
        last = last[:-1]
    return [*lines[: MAX_FIELD_LINES - 1], last + "…"]


def card_fields(info: CardInfo) -> list[tuple[str, str]]:
    """(label, value) rows of the card, in print order; missing values print as a dash."""
    cadre = " ".join(part for part in (info.cadre_name, info.cadre_phone) if part)
    community = "  ".join(part for part in (info.community_name, info.community_phone) if part)
    return [
        ("地址", info.address),
        ("编号", info.house_code),
        ("网格", info.grid_name),
        ("社区", community),
        ("包户干部", cadre),
        ("房东", info.landlord),
    ]


def _field_items(info: CardInfo, measure: TextMeasure) -> list[Primitive]:
    rows = [(label + "：", value.strip() or "—") for label, value in card_fields(info)]
    wrapped: list[tuple[str, list[str]]] = []
    for size in FIELD_SIZES:  # the largest size at which every field fits, else the smallest
        label_w = max(measure.width(label, size) for label, _ in rows)
        value_w = TEXT_RIGHT - TEXT_LEFT - label_w
        wrapped = [
            (label, _fit(wrap(value, value_w, size, measure), value_w, size, measure))
            for label, value in rows
        ]
        line_h = size * MM_PER_PT * 1.55
        if FIELDS_TOP + (sum(len(v) for _, v in wrapped) - 1) * line_h <= FIELDS_BOTTOM:
            break
    items: list[Primitive] = []
    y = FIELDS_TOP
    for label, lines in wrapped:
        items.append(Text(TEXT_LEFT, y, label, size, bold=True, colour=INK))
        for line in lines:
            items.append(Text(TEXT_LEFT + label_w, y, line, size, colour=BLACK))
            y += line_h
    return items


def card_layout(info: CardInfo, font: Path) -> CardLayout:
    """Everything printed on one card, relative to the card's top-left corner."""
    measure = measure_for(font)
    middle = CARD_W / 2
    items: list[Primitive] = [
        Box(INSET, INSET, CARD_W - 2 * INSET, HEADER_H, fill=RED),
        Box(INSET, INSET, CARD_W - 2 * INSET, CARD_H - 2 * INSET, stroke=RED, width=0.35),
    ]
    title_size = 12.5
    while measure.width(CARD_TITLE, title_size) > CARD_W - 2 * INSET - 4 and title_size > 8:
        title_size -= 0.5
    subtitle = measure.width(CARD_SUBTITLE, 5.2) <= CARD_W - 2 * INSET - 4
    title_y = INSET + (7.0 if subtitle else 7.9)
    items.append(Text(middle, title_y, CARD_TITLE, title_size, True, "center", WHITE))
    if subtitle:  # zh is the card's language: English only where it fits cleanly
        items.append(Text(middle, INSET + 10.2, CARD_SUBTITLE, 5.2, False, "center", WHITE))
    items += _field_items(info, measure)
    items.append(QrCode(QR_X, QR_Y, QR_SIZE, qr_modules(info.deep_link), info.deep_link))
    scan_y, footer_y = QR_Y + QR_SIZE + 3.3, CARD_H - INSET - 1.9
    items += [
        Text(QR_X + QR_SIZE / 2, scan_y, SCAN_LINE, 6.5, True, "center", RED),
        Line(TEXT_LEFT, 53.4, TEXT_RIGHT, 53.4, 0.15, GREY),
        Text(TEXT_LEFT, footer_y, FOOTER, 5.2, colour=GREY),
        # Tells a reprinted card from the one it replaced (the old one no longer scans).
        Text(CARD_W - 4.5, footer_y, f"v{info.card_version}", 5.2, align="right", colour=GREY),
    ]
    return CardLayout(CARD_W, CARD_H, tuple(items))


# --- the sheet ---------------------------------------------------------------------------------


def card_slot(index: int) -> tuple[int, float, float]:
    """(page number from 0, x, y of the card's top-left on the page) of card `index`."""
    page, slot = divmod(index, CARDS_PER_PAGE)
    row, column = divmod(slot, COLUMNS)
    return page, MARGIN_X + column * (CARD_W + GAP_X), MARGIN_Y + row * (CARD_H + GAP_Y)


def page_count(cards: int) -> int:
    return max(1, -(-cards // CARDS_PER_PAGE))


def crop_marks(x: float, y: float) -> tuple[Line, ...]:
    """Short lines outside each corner of the card at (x, y), on the cut lines."""
    marks: list[Line] = []
    start, end = MARK_OFFSET, MARK_OFFSET + MARK_LENGTH
    for cx, dx in ((x, -1), (x + CARD_W, 1)):
        for cy, dy in ((y, -1), (y + CARD_H, 1)):
            marks.append(Line(cx + dx * start, cy, cx + dx * end, cy, 0.2, MARK))
            marks.append(Line(cx, cy + dy * start, cx, cy + dy * end, 0.2, MARK))
    return tuple(marks)


def sheet_note(page: int, pages: int) -> Text:
    """A small line above the cards: what the sheet is and which page."""
    text = f"{CARD_TITLE} · 沿角线裁切 · 第 {page + 1}/{pages} 页"
    return Text(MARGIN_X, MARGIN_Y - 6.0, text, 7.0, colour=GREY)
