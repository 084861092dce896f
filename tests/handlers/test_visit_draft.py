"""The visit draft's pure helpers: typed dates and the photos a visit asks for."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.models import PhotoKind
from handlers.visit.draft import new_draft, new_resident, parse_date, photo_slots

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-20", date(2026, 11, 20)),
        ("2026/11/20", date(2026, 11, 20)),
        ("2026.11.20", date(2026, 11, 20)),
        ("2026年11月20日", date(2026, 11, 20)),
        ("11-20", date(2026, 11, 20)),
        ("11月20日", date(2026, 11, 20)),
        ("12-01", date(2025, 12, 1)),  # month-day after today: last year's
        ("2026-11-29", None),  # the future
        ("2026-02-30", None),
        ("1949-10-01", None),
        ("soon", None),
        ("", None),
    ],
)
def test_typed_dates(typed: str, expected: date | None) -> None:
    assert parse_date(typed, TODAY) == expected


def test_photos_asked_for_depend_on_the_kind_of_resident() -> None:
    draft = new_draft(1, datetime(2026, 11, 28, tzinfo=UTC))
    local, floating = new_resident(), new_resident()
    local["kind"] = "registered"
    draft["new"] = [local, floating]
    slots = photo_slots(draft)
    assert (0, PhotoKind.RESIDENCE_PERMIT) not in slots  # a local resident has no permit
    assert (1, PhotoKind.RESIDENCE_PERMIT) in slots
    assert (0, PhotoKind.FACE) in slots
    assert (1, PhotoKind.FACE) in slots
    assert slots[-1] == (None, PhotoKind.CONTACT_CARD)
