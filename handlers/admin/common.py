"""What the admin's screens share: paging (◀️ 1/3 ▶️), grid labels, a guarded service call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from telegram import InlineKeyboardButton

from bot.i18n import Translator
from core.models import Grid
from handlers.kit.buttons import NoopButton, button

T = TypeVar("T")
PAGE_SIZE = 8


def page_of(items: Sequence[T], page: int, size: int = PAGE_SIZE) -> tuple[Sequence[T], int, int]:
    """The items on `page` (from 0, clamped), the page shown and the number of pages."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    return items[page * size : (page + 1) * size], page, pages


def pager(page: int, pages: int, to: Callable[[int], object]) -> list[InlineKeyboardButton]:
    """◀️ n/m ▶️ (empty on a single page); `to(page)` is the data of the page's button."""
    if pages <= 1:
        return []
    row = [button("◀️", to(page - 1))] if page > 0 else []
    row.append(button(f"{page + 1}/{pages}", NoopButton()))
    if page < pages - 1:
        row.append(button("▶️", to(page + 1)))
    return row


def grid_label(grids: Sequence[Grid], grid_id: int | None, t: Translator) -> str:
    """A grid's code and name, or "no grid"."""
    grid = next((g for g in grids if g.id == grid_id), None)
    if grid is None:
        return t("admin.no_grid")
    return grid.code if grid.name == grid.code else f"{grid.code} {grid.name}"


def rows_of(
    buttons: Sequence[InlineKeyboardButton], width: int
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def marked(label: str, chosen: bool) -> str:
    return f"✅ {label}" if chosen else label


def ago(moment: datetime | None, now: datetime, t: Translator) -> str:
    """How long ago, for a list: "never", "just now", "5 min ago", "3 h ago", "2 d ago"."""
    if moment is None:
        return t("admin.ago.never")
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return t("admin.ago.now")
    if seconds < 3600:
        return t("admin.ago.minutes", n=seconds // 60)
    if seconds < 86400:
        return t("admin.ago.hours", n=seconds // 3600)
    return t("admin.ago.days", n=seconds // 86400)
