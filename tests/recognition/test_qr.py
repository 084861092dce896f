"""QR decoding: clean cards, photographed cards, several codes, and the round-trip property."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recognition.bench.synth import TOKEN_ALPHABET, deep_link, qr_image, qr_photo
from recognition.errors import EmptyImage, NotAnImage
from recognition.images import RGBImage, encode_jpeg, load_rgb
from recognition.qr import (
    CascadeDecoder,
    QrDecoder,
    decode_qr_bytes,
    default_decoder,
    pyzbar_available,
    pyzbar_only,
    zxing_only,
)

Card = Callable[[str], RGBImage]


def test_clean_card_decodes(qr_card: Card) -> None:
    payload = deep_link("AbC-123_xyz")
    decoder: QrDecoder = default_decoder()
    assert decoder.decode(qr_card(payload)) == [payload]


def test_decode_qr_bytes_reads_a_jpeg(qr_card_jpeg: bytes) -> None:
    assert decode_qr_bytes(qr_card_jpeg) == [deep_link("fixtureToken_0123456789")]


def test_several_codes_in_one_photo_are_all_returned_once(qr_card: Card) -> None:
    first, second = qr_card(deep_link("first")), qr_card(deep_link("second"))
    height = max(first.shape[0], second.shape[0])
    sheet = np.full((height, first.shape[1] + second.shape[1], 3), 255, np.uint8)
    sheet[: first.shape[0], : first.shape[1]] = first
    sheet[: second.shape[0], first.shape[1] :] = second
    assert sorted(default_decoder().decode(sheet)) == [deep_link("first"), deep_link("second")]


def test_a_photo_without_a_code_gives_nothing() -> None:
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 255, size=(480, 640, 3), dtype=np.uint8)
    assert default_decoder().decode(noise) == []


def test_bad_bytes_raise_typed_errors() -> None:
    with pytest.raises(EmptyImage):
        decode_qr_bytes(b"")
    with pytest.raises(NotAnImage):
        decode_qr_bytes(b"hello, this is not a picture")


@pytest.mark.parametrize("index", [0, 1, 2])
def test_moderately_distorted_card_photos_decode(index: int) -> None:
    photo = qr_photo("moderate", index)
    assert decode_qr_bytes(photo.jpeg) == [photo.payload]


def test_the_cascade_reads_what_plain_zxing_misses() -> None:
    photo = qr_photo("harsh", 44)  # found by the benchmark: tilted, dim, blurred, JPEG 20-45
    image = load_rgb(photo.jpeg)
    assert zxing_only().decode(image) == []
    found, stage = CascadeDecoder().decode_with_stage(image)
    assert found == [photo.payload]
    assert stage == "zxing-x1.5-adaptive"


@pytest.mark.skipif(not pyzbar_available(), reason="libzbar0 is not installed")
def test_pyzbar_decoder_reads_a_clean_card(qr_card: Card) -> None:
    payload = deep_link("zbar")
    assert pyzbar_only().decode(qr_card(payload)) == [payload]


tokens = st.text(alphabet=TOKEN_ALPHABET, min_size=1, max_size=62)  # start= takes 64 chars


@settings(max_examples=100, deadline=None)
@given(token=tokens, box=st.integers(min_value=3, max_value=8), jpeg=st.booleans())
def test_every_generated_deep_link_round_trips(token: str, box: int, jpeg: bool) -> None:
    payload = deep_link(token)
    code = qr_image(payload, box_size=box)
    image = load_rgb(encode_jpeg(code, quality=80)) if jpeg else code
    assert default_decoder().decode(image) == [payload]
