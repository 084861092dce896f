"""Untrusted image bytes: every mode and format decodes to RGB; every bad case has a type."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFilter

from recognition.errors import (
    BlankImage,
    CorruptImage,
    EmptyImage,
    ImageTooLarge,
    ImageTooSmall,
    NotAnImage,
    UnsupportedFormat,
)
from recognition.images import (
    MAX_SIDE,
    downscale,
    encode_jpeg,
    image_format,
    load_rgb,
    open_image,
    preview_gray,
    require_content,
    to_gray,
)


def _save(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _gradient(width: int = 64, height: int = 48) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.uint8)
    y = np.linspace(0, 255, height, dtype=np.uint8)
    rgb = np.stack(np.broadcast_arrays(x[None, :], y[:, None], np.full((1, 1), 90, np.uint8)), -1)
    return Image.fromarray(np.ascontiguousarray(rgb))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims `width`×`height` (a bomb needs no more to be refused)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("RGB", "JPEG"),
        ("RGB", "PNG"),
        ("RGB", "WEBP"),
        ("RGBA", "PNG"),
        ("RGBA", "WEBP"),
        ("L", "JPEG"),
        ("L", "PNG"),
        ("LA", "PNG"),
        ("CMYK", "JPEG"),
        ("P", "PNG"),
        ("1", "PNG"),
        ("I;16", "PNG"),
    ],
)
def test_every_mode_and_format_decodes_to_rgb_uint8(mode: str, fmt: str) -> None:
    image = _gradient().convert(mode) if mode != "I;16" else Image.fromarray(
        np.asarray(_gradient().convert("L"), np.uint16) * 257
    )
    rgb = load_rgb(_save(image, fmt))
    assert rgb.shape == (48, 64, 3)
    assert rgb.dtype == np.uint8
    assert rgb.max() > 100  # not clipped to black (16-bit) nor blank


def test_transparent_pixels_become_white() -> None:
    rgba = Image.new("RGBA", (32, 32), (10, 20, 30, 0))
    assert load_rgb(_save(rgba, "PNG"))[0, 0].tolist() == [255, 255, 255]


def test_exif_orientation_is_applied() -> None:
    stored = np.zeros((32, 64, 3), np.uint8)  # landscape as the sensor wrote it
    stored[:8, :8] = (255, 0, 0)  # red mark in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    data = _save(Image.fromarray(stored), "JPEG", exif=exif.tobytes(), quality=95)
    shown = load_rgb(data)
    assert shown.shape == (64, 32, 3)  # now portrait
    assert shown[2, -3, 0] > 200  # the red mark moved to the top-right
    assert shown[2, -3, 1] < 60
    assert shown[2, 2, 0] < 60


def test_zero_bytes() -> None:
    with pytest.raises(EmptyImage):
        load_rgb(b"")


def test_truncated_file() -> None:
    data = encode_jpeg(np.asarray(_gradient(640, 480)))
    with pytest.raises(CorruptImage):
        load_rgb(data[: len(data) // 2])


def test_corrupt_file() -> None:
    data = bytearray(_save(_gradient(), "PNG"))
    start = data.index(b"IDAT") + 8
    data[start : start + 40] = bytes(40)  # zero the compressed pixels: zlib stream is broken
    with pytest.raises(CorruptImage):
        load_rgb(bytes(data))


def test_not_an_image() -> None:
    with pytest.raises(NotAnImage):
        load_rgb(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n")


def test_unsupported_image_format_is_not_an_image() -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        load_rgb(_save(_gradient(), "ICO"))
    assert isinstance(caught.value, NotAnImage)  # callers that catch NotAnImage still do
    assert caught.value.code == "image_unsupported_format"


def test_the_format_is_read_from_the_header_alone() -> None:
    assert image_format(_png_header_only(9_000, 9_000)) == "PNG"  # no pixel decoded
    assert image_format(_save(_gradient(), "GIF")) == "GIF"
    with pytest.raises(NotAnImage):
        image_format(b"plain text")
    with pytest.raises(EmptyImage):
        image_format(b"")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(ImageTooLarge):
        load_rgb(_png_header_only(15_000, 15_000))  # 225 MP claimed by a few bytes
    with pytest.raises(ImageTooLarge):
        load_rgb(_save(_gradient(2000, 1000), "PNG"), max_pixels=1_000_000)


def test_absurd_dimensions() -> None:
    with pytest.raises(ImageTooLarge):
        load_rgb(_png_header_only(MAX_SIDE + 1, 16))  # few pixels, impossible shape
    with pytest.raises(ImageTooSmall):
        load_rgb(_save(_gradient(8, 8), "PNG"))
    with pytest.raises(ImageTooSmall, match="under 480"):
        load_rgb(_save(_gradient(640, 400), "PNG"), min_side=480)
    assert load_rgb(_save(_gradient(640, 480), "PNG"), min_side=480).shape == (480, 640, 3)


def test_a_near_uniform_picture_is_blank_a_dark_or_soft_one_is_not() -> None:
    from skimage import data

    rng = np.random.default_rng(1)
    flat = np.full((600, 800, 3), 235, np.uint8)
    noisy = (flat + rng.normal(0, 1.0, flat.shape)).clip(0, 255).astype(np.uint8)  # white wall
    for picture in (flat, noisy, np.zeros((600, 800, 3), np.uint8)):
        with pytest.raises(BlankImage):
            require_content(preview_gray(picture))
    photo = np.asarray(data.astronaut(), np.float32)
    dark = (photo * 0.1).astype(np.uint8)  # a photo taken in a dim room
    soft = np.asarray(Image.fromarray(photo.astype(np.uint8)).filter(ImageFilter.GaussianBlur(12)))
    for picture in (dark, soft):
        require_content(preview_gray(picture))


def test_open_image_gives_rgb_pil_and_downscale_reports_its_scale() -> None:
    image = open_image(_save(_gradient(400, 200), "PNG"))
    assert image.mode == "RGB"
    small, scale = downscale(np.asarray(image), 100)
    assert small.shape == (50, 100, 3)
    assert scale == pytest.approx(0.25)
    same, one = downscale(small, 500)
    assert same is small
    assert one == 1.0
    assert to_gray(small).shape == (50, 100)


def test_sharpness_tells_a_blurred_photo_from_a_sharp_one() -> None:
    from skimage import data

    from recognition.images import BLURRED_BELOW, sharpness

    sharp = Image.fromarray(data.astronaut())
    blurred = sharp.filter(ImageFilter.GaussianBlur(8))
    assert sharpness(np.asarray(sharp)) > 10 * BLURRED_BELOW
    assert sharpness(np.asarray(blurred)) < BLURRED_BELOW
    big = sharp.resize((2048, 2048))  # the same picture at a higher resolution scores alike
    assert sharpness(np.asarray(big)) > 5 * BLURRED_BELOW
