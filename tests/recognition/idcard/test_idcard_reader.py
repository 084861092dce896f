"""Reading the number off drawn ID cards: clean, photographed, turned, huge; and non-cards."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from core.idnumber import check_digit
from recognition.bench.synth import plate_scene
from recognition.errors import CorruptImage, EmptyImage, ImageError, NotAnImage
from recognition.idcard import IdNumberReader, OnnxIdNumberReader
from recognition.images import encode_jpeg, load_rgb
from tests.recognition.idcard.synth_idcard import (
    id_card_photo,
    photograph,
    random_id_number,
    render_card,
)

pytestmark = pytest.mark.usefixtures("card_font")


def test_a_flat_card_is_read_with_the_box_of_the_number_line(id_reader: IdNumberReader) -> None:
    photo = load_rgb(id_card_photo("11010519491231002X", distort=False))
    reading = id_reader.read(photo)
    assert reading is not None
    assert (reading.text, reading.valid_checksum) == ("11010519491231002X", True)
    assert 0.5 < reading.confidence <= 1.0
    # the digits' ink spans x 334-818, y 501-526 (drawn at 29 mm, 45.3 mm; 10 px/mm + 40 px)
    ink = (334, 501, 818, 526)
    assert all(abs(got - want) <= 8 for got, want in zip(reading.box, ink, strict=True))


@pytest.mark.parametrize("seed", [3, 8, 21, 34])
def test_photographed_cards_are_read(id_reader: IdNumberReader, seed: int) -> None:
    number = random_id_number(np.random.default_rng(seed), ends_in_x=seed % 2 == 0)
    reading = id_reader.read(load_rgb(id_card_photo(number, "李小龙", seed=seed)))
    assert reading is not None
    assert (reading.text, reading.valid_checksum) == (number, True)


def test_an_upside_down_photo_is_read(id_reader: IdNumberReader) -> None:
    number = "33010619800101001" + check_digit("33010619800101001")
    jpeg = photograph(render_card(number, seed=5), np.random.default_rng(5), upside_down=True)
    reading = id_reader.read(load_rgb(jpeg))
    assert reading is not None
    assert (reading.text, reading.valid_checksum) == (number, True)


def test_a_12_megapixel_photo_gives_the_box_at_full_resolution(
    id_reader: IdNumberReader,
) -> None:
    number = random_id_number(np.random.default_rng(77))
    small = load_rgb(id_card_photo(number, seed=77))
    first = id_reader.read(small)
    big = np.asarray(Image.fromarray(small).resize((4000, 3000), Image.Resampling.BICUBIC))
    second = id_reader.read(big)
    assert first is not None
    assert second is not None
    assert first.text == second.text == number
    scale = 4000 / 1280
    for near, far in zip(first.box, second.box, strict=True):
        assert abs(near * scale - far) < 40


def test_a_wrong_check_digit_is_offered_but_not_confirmed(id_reader: IdNumberReader) -> None:
    first17 = "44030519851102123"
    wrong = "5" if check_digit(first17) != "5" else "6"
    misprinted = first17 + wrong
    reading = id_reader.read(load_rgb(id_card_photo(misprinted, seed=2)))
    assert reading is not None
    assert (reading.text, reading.valid_checksum) == (misprinted, False)


@pytest.mark.parametrize("picture", ["astronaut", "plate", "grey"])
def test_pictures_without_a_card_give_none(id_reader: IdNumberReader, picture: str) -> None:
    if picture == "astronaut":
        image = np.ascontiguousarray(skdata.astronaut())
    elif picture == "plate":
        scene = plate_scene("京A12345", np.random.default_rng(4))
        assert scene is not None
        image = scene
    else:
        image = np.full((600, 800, 3), 128, np.uint8)
    assert id_reader.read(image) is None


def test_bad_bytes_raise_image_errors(id_reader: OnnxIdNumberReader) -> None:
    photo = id_card_photo("11010519491231002X", seed=1)
    with pytest.raises(CorruptImage):
        id_reader.read_bytes(photo[: len(photo) // 3])
    with pytest.raises(EmptyImage):
        id_reader.read_bytes(b"")
    with pytest.raises(NotAnImage):
        id_reader.read_bytes(b"%PDF-1.7 not a photo")
    assert issubclass(CorruptImage, ImageError)


def test_a_wrong_array_is_a_programming_error(id_reader: IdNumberReader) -> None:
    with pytest.raises(ValueError, match="RGB"):
        id_reader.read(np.zeros((64, 64), np.uint8))


def test_the_photo_helper_is_deterministic_jpeg() -> None:
    first = id_card_photo("11010519491231002X", seed=9)
    assert first == id_card_photo("11010519491231002X", seed=9)
    assert first != id_card_photo("11010519491231002X", seed=10)
    with Image.open(io.BytesIO(first)) as opened:
        assert (opened.format, opened.size) == ("JPEG", (1280, 960))
    assert encode_jpeg(load_rgb(first))  # decodes as an ordinary photo
