"""What a printed house card says: plain data, built by the house service, drawn by layout."""

from __future__ import annotations

from dataclasses import dataclass

CARD_TITLE = "出租房屋便民服务信息采集卡"
CARD_SUBTITLE = "Rental Housing Service & Information Card"
SCAN_LINE = "扫码联系社区 · 反映问题"
DEEP_LINK = "https://t.me/{bot}?start=h_{token}"


@dataclass(frozen=True, slots=True)
class CardInfo:
    """One card; every personal field is already masked (the card hangs in a shared flat)."""

    house_code: str
    address: str
    grid_name: str
    community_name: str
    community_phone: str
    cadre_name: str
    cadre_phone: str
    landlord: str  # masked display, e.g. "张* 138****5678"; "" when none is recorded
    deep_link: str
    card_version: int


def deep_link(bot_username: str, token: str) -> str:
    """The t.me link the card's QR code opens (`/start h_<token>` in the bot)."""
    return DEEP_LINK.format(bot=bot_username.strip().lstrip("@"), token=token)
