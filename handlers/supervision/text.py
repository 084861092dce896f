"""Words shared by the reminders and the views: colour icons, relative days, local dates.

Messages are built line by line and split under Telegram's 4,096 characters at line breaks,
so a long list never fails to send and never cuts a house in half.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import Translator
from core.services.supervision import OverdueHouse
from handlers.common import COLOUR_ICONS

MAX_HOUSE_LINES = 30  # a reminder lists at most this many houses, then "and N more"
TEXT_LIMIT = 4000  # below Telegram's 4,096, leaving room for an entity or two


def relative_due(t: Translator, days_left: int) -> str:
    """ "3 天后到期" / "今天到期" / "逾期 5 天"."""
    if days_left < 0:
        return overdue_days(t, -days_left)
    if days_left == 0:
        return t("supervision.due_today")
    return t.ngettext("supervision.days_left", "supervision.days_left.plural", days_left)


def overdue_days(t: Translator, days: int) -> str:
    return t.ngettext("supervision.days_overdue", "supervision.days_overdue.plural", days)


def house_line(t: Translator, house: OverdueHouse) -> str:
    return t(
        "supervision.house_line",
        icon=COLOUR_ICONS[house.risk_colour],
        code=house.code,
        address=house.address,
        when=overdue_days(t, house.days_overdue),
    )


def capped(t: Translator, lines: Sequence[str], limit: int = MAX_HOUSE_LINES) -> list[str]:
    """At most `limit` lines, the last one saying how many more there are."""
    if len(lines) <= limit:
        return list(lines)
    return [*lines[: limit - 1], t("supervision.more", n=len(lines) - limit + 1)]


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks under `limit` characters, cut at line breaks (a single huge line is cut hard)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            candidate = line
        current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks
