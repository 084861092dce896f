from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidIdNumber, InvalidPhone
from core.idnumber import (
    check_digit,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)

# Published sample numbers from GB 11643-1999's appendix and common test vectors.
VALID = ["11010519491231002X", "440524188001010014", "33010619900101123X"]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers(number: str) -> None:
    assert normalize_id_number(number.lower()) == number.upper()


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("11010519491231002", "length"),
        ("11010519491231002XX", "length"),
        ("11010519491231002Y", "characters"),
        ("01010519491231002X", "characters"),
        ("110105194913310021", "birth_date"),
        ("110105194912310021", "check_digit"),
    ],
)
def test_invalid_numbers(number: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as info:
        normalize_id_number(number)
    assert info.value.detail == reason


@given(
    region=st.integers(110000, 659999),
    birth=st.dates(date(1900, 1, 1), date(2025, 12, 31)),
    serial=st.integers(0, 999),
)
def test_generated_numbers_round_trip_and_any_single_digit_change_is_caught(
    region: int, birth: date, serial: int
) -> None:
    first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
    number = first17 + check_digit(first17)
    assert normalize_id_number(number) == number
    wrong = first17[:16] + str((int(first17[16]) + 1) % 10)
    with pytest.raises(InvalidIdNumber):
        normalize_id_number(wrong + check_digit(first17))


def test_masks() -> None:
    assert mask_id_number("33010619900101123X") == "3301**********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert "*" in mask_phone("0571-88001234".replace("-", ""))


def test_phones() -> None:
    assert normalize_phone("+86 138 1234 5678") == "13812345678"
    with pytest.raises(InvalidPhone):
        normalize_phone("12345")


def test_birth_dates_in_the_future_are_only_shape_checked() -> None:
    future = date.today() + timedelta(days=400)  # noqa: DTZ011 - a calendar date, no zone
    first17 = f"330106{future:%Y%m%d}123"
    assert normalize_id_number(first17 + check_digit(first17))
