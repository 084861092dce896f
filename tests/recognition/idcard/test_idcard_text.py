"""Which readings the ID-number reader believes: plausibility, agreement, best guesses."""

from __future__ import annotations

import pytest

from core.idnumber import check_digit
from recognition.idcard import PROVINCE_CODES, plausible_id_number
from recognition.idcard.text import best_guess, vote


def _with_check(first17: str) -> str:
    return first17 + check_digit(first17)


def test_plausible_numbers_need_checksum_province_and_birth_year() -> None:
    assert plausible_id_number("11010519491231002X")
    assert not plausible_id_number("110105194912310021")  # check digit
    assert not plausible_id_number(_with_check("99010519491231002"))  # no province 99
    assert not plausible_id_number(_with_check("11010518491231002"))  # born 1849
    assert not plausible_id_number(_with_check("11010570971231002"))  # born 7097
    assert not plausible_id_number("11010519491231002")  # 17 characters
    assert {11, 44, 65, 81, 83} <= PROVINCE_CODES
    assert not {10, 20, 66, 99} & PROVINCE_CODES


def test_a_number_read_by_one_crop_only_is_not_accepted() -> None:
    good = "11010519491231002X"
    lone = [(good, [0.9] * 18), ("11010519491231002", [0.9] * 17)]
    assert vote(lone, min_agree=2) is None
    agreed = [*lone, (good, [0.7] * 18)]
    found = vote(agreed, min_agree=2)
    assert found is not None
    assert found[0] == good
    assert found[1] == pytest.approx((0.9 + 0.7) / 3)


def test_implausible_readings_never_win_the_vote() -> None:
    implausible = _with_check("99010519491231002")
    assert vote([(implausible, [1.0] * 18)] * 3, min_agree=2) is None


def test_the_best_guess_is_never_a_checksum_valid_number() -> None:
    valid = "11010519491231002X"
    broken = "110105194912310025"
    readings = [(valid, [0.9] * 18), (broken, [0.6] * 18), (broken, [0.5] * 18), ("12", [0.9] * 2)]
    guess = best_guess(readings)
    assert guess is not None
    assert guess[0] == broken
    assert guess[1] == pytest.approx((0.6 + 0.5) / 4)
    assert best_guess([(valid, [0.9] * 18), ("123", [0.9] * 3)]) is None
