"""Accuracy floors on fixed seeded sets of synthetic card photos (drawings, not real cards).

Measured with this code when it was written (onnxruntime 1.32, OpenCV 5.0): moderate 40 of 40
read, harsh 34 of 40; no reading with a valid checksum was wrong in either set. The
floors leave a margin for library updates; the wrong-but-valid count has none, because that is
the promise the form relies on.
"""

from __future__ import annotations

import numpy as np
import pytest

from recognition.idcard import IdNumberReader
from recognition.images import load_rgb
from tests.recognition.idcard.synth_idcard import photograph, random_id_number, render_card

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("card_font")]

SET_SIZE = 40


def _score(reader: IdNumberReader, severity: str, seed: int) -> tuple[int, int, int]:
    """(exact, checksum-valid, wrong but checksum-valid) over the seeded set."""
    exact = valid = wrong_valid = 0
    for index in range(SET_SIZE):
        rng = np.random.default_rng(seed + index)
        number = random_id_number(rng, ends_in_x=index % 5 == 0)
        card = render_card(number, seed=seed + index)
        photo = photograph(card, np.random.default_rng(seed + index + 1), severity=severity)
        reading = reader.read(load_rgb(photo))
        if reading is None:
            continue
        exact += reading.text == number
        valid += reading.valid_checksum
        wrong_valid += reading.valid_checksum and reading.text != number
    return exact, valid, wrong_valid


def test_moderate_photos(id_reader: IdNumberReader) -> None:
    exact, valid, wrong_valid = _score(id_reader, "moderate", seed=91_000)
    assert wrong_valid == 0
    assert exact >= 38  # measured 40
    assert valid == exact


def test_harsh_photos(id_reader: IdNumberReader) -> None:
    exact, _, wrong_valid = _score(id_reader, "harsh", seed=92_000)
    assert wrong_valid == 0
    assert exact >= 30  # measured 34
