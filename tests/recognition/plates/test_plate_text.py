"""Plate text rules: normalisation, tolerant watchlist matching, camera vs server reading."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.plates import (
    PROVINCES,
    best_match,
    edit_distance,
    match_plate,
    normalize_plate,
    plate_matches,
    resolve_plate,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("京A·12345", "京A12345"),
        (" 沪 b 7c2d9 ", "沪B7C2D9"),
        ("浙A-0O1I2", "浙A00112"),  # O and I after the office letter are digits
        ("京O12345", "京O12345"),  # …but the office letter itself is left alone
        ("粤ＢＤ１２３４５", "粤BD12345"),  # full-width typing
        ("a1234o", "A12340"),  # no province: the first character is the office letter
        ("", ""),
    ],
)
def test_normalize_plate(raw: str, expected: str) -> None:
    assert normalize_plate(raw) == expected


def test_edit_distance_with_and_without_limit() -> None:
    assert edit_distance("A12345", "A12345") == 0
    assert edit_distance("A12345", "A12346") == 1
    assert edit_distance("A12345", "A1234") == 1
    assert edit_distance("A12345", "B99999", limit=1) == 2  # stops early at limit + 1
    assert edit_distance("A12345", "A123456789", limit=2) == 3


@pytest.mark.parametrize(
    ("read", "watched", "expected"),
    [
        ("京A12345", "京A12345", "same"),
        ("京A12346", "京A12345", "same"),  # one misread character
        ("京A1234", "京A12345", "same"),  # one dropped character
        ("A12345", "京A12345", "assumed_local"),  # province dropped, local plate
        ("A12346", "京A12345", "assumed_local"),  # …even with one more misread
        ("A12345", "沪A12345", "missing"),  # other province: the rest must be exact
        ("A12346", "沪A12345", None),
        ("皖A12345", "京A12345", "different"),  # wrong province, rest exact
        ("皖A12346", "京A12345", None),  # wrong province and a misread: too far
        ("京A12377", "京A12345", None),  # two misreads
        ("京A12345", "A12345", "same"),  # a watched entry without province: any province
        ("", "京A12345", None),
    ],
)
def test_match_plate(read: str, watched: str, expected: str | None) -> None:
    found = match_plate(read, watched, max_distance=1, local_province="京")
    assert (found.province if found else None) == expected
    assert plate_matches(read, watched, local_province="京") is (expected is not None)


def test_max_distance_and_local_province_are_configurable() -> None:
    assert not plate_matches("京A12346", "京A12345", max_distance=0)
    assert plate_matches("京A12377", "京A12345", max_distance=2)
    assert plate_matches("A12346", "沪A12345", local_province="沪")
    assert not plate_matches("A12346", "沪A12345", local_province="京")


def test_best_match_prefers_fewer_edits_then_the_local_province() -> None:
    watch = ["沪A12345", "京A12345", "京A12399"]
    local = best_match("A12345", watch, local_province="京")
    assert local is not None
    assert local.watched == "京A12345"
    other = best_match("A12345", watch, local_province="沪")
    assert other is not None
    assert other.watched == "沪A12345"
    assert best_match("粤Z99999", watch) is None


@dataclass
class Reading:
    text: str


def test_resolve_prefers_the_camera_and_cross_checks_it() -> None:
    agree = resolve_plate("京A12345", [Reading("京A12346")])
    assert (agree.text, agree.source, agree.agree) == ("京A12345", "camera", True)
    clash = resolve_plate("京A12345", [Reading("沪C99999")])
    assert (clash.text, clash.source, clash.image_text) == ("京A12345", "camera", "沪C99999")
    assert clash.disagreement
    alone = resolve_plate("京 a 12345", None)
    assert (alone.text, alone.source, alone.agree) == ("京A12345", "camera", None)


def test_resolve_falls_back_to_the_image_reading() -> None:
    image = resolve_plate(None, [Reading("沪B7C2D9"), Reading("京A12345")])
    assert (image.text, image.source, image.agree) == ("沪B7C2D9", "image", None)
    single = resolve_plate("", Reading("京A12345"))
    assert single.text == "京A12345"
    nothing = resolve_plate(None, [])
    assert (nothing.text, nothing.source) == (None, "none")


plates = st.builds(
    lambda p, letter, rest: p + letter + rest,
    st.sampled_from(sorted(PROVINCES)),
    st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"),
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=5, max_size=6),
)


@given(plates, st.sampled_from(["", " ", "·", "-"]))
def test_normalisation_is_idempotent_and_ignores_separators(plate: str, separator: str) -> None:
    spaced = plate[:2] + separator + plate[2:].lower()
    assert normalize_plate(spaced) == plate
    assert normalize_plate(normalize_plate(spaced)) == plate
    assert plate_matches(spaced, plate, max_distance=0)
