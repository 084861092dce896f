"""House cards (出租房屋便民服务信息采集卡): one layout, drawn to PDF sheets and PNG images.

`HouseService.card_infos` gathers the data (masked); `render_pdf` prints A4 sheets of eight
cards with cutting marks; `render_png` draws one card for the chat. Fonts: `fonts.py`.
"""

from core.cards.fonts import KNOWN_CJK_FONTS, face_index, find_cjk_font
from core.cards.info import CARD_TITLE, SCAN_LINE, CardInfo, deep_link
from core.cards.layout import (
    CARD_H,
    CARD_W,
    CARDS_PER_PAGE,
    CardLayout,
    card_layout,
    card_slot,
    page_count,
)
from core.cards.pdf import render_pdf
from core.cards.png import render_png

__all__ = [
    "CARDS_PER_PAGE",
    "CARD_H",
    "CARD_TITLE",
    "CARD_W",
    "KNOWN_CJK_FONTS",
    "SCAN_LINE",
    "CardInfo",
    "CardLayout",
    "card_layout",
    "card_slot",
    "deep_link",
    "face_index",
    "find_cjk_font",
    "page_count",
    "render_pdf",
    "render_png",
]
