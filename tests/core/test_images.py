"""Metadata is stripped without decoding the picture; the orientation survives."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.errors import InvalidInput
from core.images import strip_metadata
from tests.core.pictures import GPS_SERIAL, picture


@pytest.mark.parametrize(
    ("fmt", "content_type", "orientation"),
    [("JPEG", "image/jpeg", 6), ("PNG", "image/png", 6), ("WEBP", "image/webp", None)],
)
def test_exif_goes_orientation_stays(fmt: str, content_type: str, orientation: int | None) -> None:
    data = picture("x", fmt)
    assert GPS_SERIAL.encode() in data
    clean = strip_metadata(data, content_type)
    assert GPS_SERIAL.encode() not in clean
    with Image.open(io.BytesIO(clean)) as image:
        image.load()
        assert image.size == Image.open(io.BytesIO(data)).size
        exif = dict(image.getexif())
    assert exif == ({0x0112: orientation} if orientation else {})


def test_progressive_jpeg_with_comment() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (9, 90, 200)).save(
        buffer, "JPEG", progressive=True, comment=b"shot at home"
    )
    clean = strip_metadata(buffer.getvalue(), "image/jpeg")
    assert b"shot at home" not in clean
    Image.open(io.BytesIO(clean)).load()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"\xff\xd8\xff\xe0" + b"0" * 200, "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n" + b"1" * 200, "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8X\xff\xff\xff\x7f", "image/webp"),
    ],
)
def test_a_picture_that_cannot_be_walked_is_refused(data: bytes, content_type: str) -> None:
    with pytest.raises(InvalidInput):
        strip_metadata(data, content_type)
