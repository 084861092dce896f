from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidIdNumber, InvalidPhone
from core.idnumber import (
    EARLIEST_BIRTH,
    check_digit,
    is_valid_id_number,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)

# Published sample numbers from GB 11643-1999's appendix and common test vectors.
VALID = ["11010519491231002X", "33010619900101123X"]


def with_check_digit(first17: str) -> str:
    return first17 + check_digit(first17)


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
        ("440524188001010014", "birth_date"),  # a well-formed sample, but born in 1880
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


def test_a_birth_date_in_the_future_or_before_1900_is_refused() -> None:
    today = date(2026, 12, 2)
    born_today = with_check_digit(f"330106{today:%Y%m%d}123")
    assert normalize_id_number(born_today, today=today) == born_today  # a newborn is fine
    for born in (today + timedelta(days=1), EARLIEST_BIRTH - timedelta(days=1)):
        with pytest.raises(InvalidIdNumber) as caught:
            normalize_id_number(with_check_digit(f"330106{born:%Y%m%d}123"), today=today)
        assert caught.value.detail == "birth_date"
    assert normalize_id_number(with_check_digit(f"330106{EARLIEST_BIRTH:%Y%m%d}123"))


def test_by_default_today_is_the_real_date_anywhere_on_earth() -> None:
    future = date.today() + timedelta(days=400)  # noqa: DTZ011 - a calendar date, no zone
    assert not is_valid_id_number(with_check_digit(f"330106{future:%Y%m%d}123"))
    past = date.today() - timedelta(days=400)  # noqa: DTZ011
    assert is_valid_id_number(with_check_digit(f"330106{past:%Y%m%d}123"))


@pytest.mark.parametrize(
    "typed",
    [
        "41272６199007080578",  # the probe: one full-width digit
        "４１２７２６１９９００７０８０５７８",  # all full-width
        " 412726 19900708 0578 ",
        "412726\u200b19900708\u20600578\u200e",  # zero-width and bidi characters pasted in
        "412726199007080578\u3000",  # an ideographic space after it
        "٤١٢٧٢٦١٩٩٠٠٧٠٨٠٥٧٨",  # Arabic-Indic digits: the same number, not a second one
    ],
)
def test_typed_forms_give_the_one_canonical_ascii_number(typed: str) -> None:
    assert normalize_id_number(typed) == "412726199007080578"


def test_a_full_width_x_check_character_is_accepted() -> None:
    assert normalize_id_number("11010519491231002Ｘ") == "11010519491231002X"
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


@pytest.mark.parametrize(
    "typed",
    [
        "138１２３４５６７８",  # passed before, and was stored with its full-width digits
        "１３８１２３４５６７８",
        "＋８６ １３８ １２３４ ５６７８",
        "138\u200b1234\u202e5678",
        "（138）12345678",
    ],
)
def test_full_width_phones_normalise_to_ascii(typed: str) -> None:
    assert normalize_phone(typed) == "13812345678"


def test_a_full_width_landline_keeps_its_hyphen() -> None:
    assert normalize_phone("０５７１－８８００１２３４") == "0571-88001234"
