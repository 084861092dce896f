"""Card scans and document checks: what a worker tells the bot about an uploaded photo."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from core.cards import CardInfo, render_png
from core.errors import InvalidInput
from core.services.photos import sniff_content_type
from recognition.bench.synth import deep_link
from recognition.checks import (
    CardScan,
    DocumentCheck,
    check_document,
    scan_card,
    store_content_type,
)
from recognition.errors import (
    BlankImage,
    CorruptImage,
    EmptyImage,
    ImageTooLarge,
    ImageTooSmall,
    NotAnImage,
    UnsupportedFormat,
)
from recognition.images import DEFAULT_MAX_PIXELS, encode_jpeg, encode_png, load_rgb
from recognition.qr import default_decoder
from tests.support.cards import photograph

LIMIT = DEFAULT_MAX_PIXELS
LINK = deep_link("checkToken_0123456789")


def save(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def scene(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A photo-like picture with no code on it: smooth blobs, real contrast."""
    rng = np.random.default_rng(seed)
    blobs = rng.uniform(0, 255, (height // 40 + 2, width // 40 + 2, 3)).astype(np.float32)
    return np.asarray(cv2.resize(blobs, (width, height), interpolation=cv2.INTER_CUBIC), np.uint8)


@pytest.fixture(scope="module")
def card_photo(cjk_font: Path) -> bytes:
    """The product's printed card (the real renderer), photographed on a wall."""
    info = CardInfo(
        "A-1-101", "安宁小区 1 栋 101", "一网格", "安宁社区", "010-12345678",
        "王网格", "139****0001", "张* 138****5678", LINK, 1,
    )
    card = load_rgb(render_png(info, cjk_font, dpi=200))
    return encode_jpeg(photograph(card, np.random.default_rng(4)), quality=80)


@pytest.fixture(scope="module")
def truncated_jpeg() -> bytes:
    data = encode_jpeg(scene(800, 600))
    return data[: len(data) // 2]


ONE_PIXEL = encode_png(np.full((1, 1, 3), 255, np.uint8))
BLANK_GIF = save(Image.new("P", (640, 480), 0), "GIF")
TEXT = "这不是图片 — a text file\n".encode()


# scan_card -------------------------------------------------------------------------------


def scan(data: bytes) -> CardScan:
    return scan_card(data, default_decoder(), max_pixels=LIMIT)


def test_a_card_photo_gives_its_link(card_photo: bytes) -> None:
    assert scan(card_photo) == CardScan((LINK,), blurred=False)


def test_no_code_says_whether_the_photo_is_out_of_focus(card_photo: bytes) -> None:
    soft = cv2.GaussianBlur(load_rgb(card_photo), (0, 0), 8)
    assert scan(encode_jpeg(soft)) == CardScan((), blurred=True)
    assert scan(encode_jpeg(scene(1280, 960))) == CardScan((), blurred=False)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(b"", EmptyImage, id="empty"),
        pytest.param(ONE_PIXEL, ImageTooSmall, id="1x1 png"),
        pytest.param(BLANK_GIF, BlankImage, id="blank gif"),
        pytest.param(TEXT, NotAnImage, id="text file"),
        pytest.param(save(Image.new("RGB", (64, 64), "red"), "ICO"), UnsupportedFormat, id="ico"),
    ],
)
def test_a_bad_card_upload_says_what_is_wrong(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        scan(data)
    assert type(caught.value) is error  # the exact code, not a parent's


def test_a_truncated_or_oversized_card_photo(truncated_jpeg: bytes) -> None:
    with pytest.raises(CorruptImage):
        scan(truncated_jpeg)
    big = encode_png(scene(2000, 1500))
    with pytest.raises(ImageTooLarge):
        scan_card(big, default_decoder(), max_pixels=2_000_000)


def test_codes_are_distinct_and_blank_is_not_blurred() -> None:
    codes = {e.code for e in (EmptyImage, NotAnImage, UnsupportedFormat, CorruptImage,
                              ImageTooLarge, ImageTooSmall, BlankImage)}
    assert len(codes) == 7
    dark = encode_jpeg(np.full((960, 1280, 3), 6, np.uint8))  # a covered lens
    with pytest.raises(BlankImage):
        scan(dark)


# check_document ---------------------------------------------------------------------------


def document(data: bytes, min_side: int = 480) -> DocumentCheck:
    return check_document(data, min_side=min_side, max_pixels=LIMIT)


def test_a_card_photo_is_a_good_document(card_photo: bytes) -> None:
    assert document(card_photo) == DocumentCheck(1280, 960, "image/jpeg")


def test_png_and_webp_keep_their_type_and_orientation_counts() -> None:
    picture = Image.fromarray(scene(900, 600))
    assert document(save(picture, "PNG")) == DocumentCheck(900, 600, "image/png")
    assert document(save(picture, "WEBP")) == DocumentCheck(900, 600, "image/webp")
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated a quarter turn: portrait
    turned = document(save(picture, "JPEG", exif=exif.tobytes()))
    assert (turned.width, turned.height) == (600, 900)


def test_a_big_png_is_checked_whole() -> None:
    big = encode_png(scene(4000, 3000, seed=2))  # 12 megapixels
    assert document(big) == DocumentCheck(4000, 3000, "image/png")
    with pytest.raises(ImageTooLarge):
        check_document(big, min_side=480, max_pixels=10_000_000)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(b"", EmptyImage, id="empty"),
        pytest.param(ONE_PIXEL, ImageTooSmall, id="1x1 png"),
        pytest.param(encode_jpeg(scene(640, 400)), ImageTooSmall, id="under min_side"),
        pytest.param(encode_jpeg(np.full((600, 900, 3), 200, np.uint8)), BlankImage, id="blank"),
        pytest.param(BLANK_GIF, UnsupportedFormat, id="gif"),
        pytest.param(save(Image.fromarray(scene(900, 600)), "BMP"), UnsupportedFormat, id="bmp"),
        pytest.param(TEXT, NotAnImage, id="text file"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(40), CorruptImage, id="broken png"),
    ],
)
def test_a_bad_document_says_what_is_wrong(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        document(data)
    assert type(caught.value) is error


def test_a_truncated_document_is_corrupt(truncated_jpeg: bytes) -> None:
    with pytest.raises(CorruptImage):
        document(truncated_jpeg)


def test_min_side_is_the_callers() -> None:
    small = encode_jpeg(scene(640, 400))
    assert document(small, min_side=400) == DocumentCheck(640, 400, "image/jpeg")


def test_real_photos_are_neither_blank_nor_refused(shared_data: Path) -> None:
    photos = sorted((shared_data / "plates").glob("*.jpg"))[:5]
    assert photos
    for path in photos:
        check = check_document(path.read_bytes(), min_side=16, max_pixels=LIMIT)
        assert check.content_type == "image/jpeg"


@pytest.mark.parametrize(
    "data",
    [
        encode_jpeg(scene(32, 32)),
        encode_png(scene(32, 32)),
        save(Image.fromarray(scene(32, 32)), "WEBP"),
        BLANK_GIF,
        TEXT,
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"\xff\xd8",
        b"",
    ],
)
def test_the_store_rule_is_the_photo_services(data: bytes) -> None:
    try:
        expected: str | None = sniff_content_type(data)
    except InvalidInput:
        expected = None
    assert store_content_type(data) == expected
