"""Checks on an uploaded photo that need its pixels, done where the pixels are: in a worker.

The bot process never decodes an upload (six 40-megapixel PNGs decoded there took it from
244 MB to 981 MB). These functions run in the recognition pool, called through
`RecognitionCore.scan_card` and `RecognitionCore.check_document`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognition.errors import CorruptImage, EmptyImage, NotAnImage, UnsupportedFormat
from recognition.images import (
    BLURRED_BELOW,
    image_format,
    laplacian_variance,
    load_rgb,
    open_image,
    preview_gray,
    require_content,
)
from recognition.qr import QrDecoder

# What the photo store keeps, by the same magic bytes as `core.services.photos`
# (`sniff_content_type`); a test keeps the two in step.
STORE_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (8, b"WEBP", "image/webp"),  # after b"RIFF" and the length
)


@dataclass(frozen=True, slots=True)
class CardScan:
    texts: tuple[str, ...]  # the QR payloads, in reading order
    blurred: bool  # nothing was read and the photo is out of focus (False when texts)


@dataclass(frozen=True, slots=True)
class DocumentCheck:
    width: int  # as displayed (EXIF orientation applied)
    height: int
    content_type: str  # one the photo store keeps: image/jpeg, image/png or image/webp


def store_content_type(data: bytes) -> str | None:
    """The content type the photo store would give `data`, or None when it refuses it."""
    for offset, magic, content_type in STORE_SIGNATURES:
        if data[offset : offset + len(magic)] == magic and (offset == 0 or data[:4] == b"RIFF"):
            return content_type
    return None


def scan_card(data: bytes, decoder: QrDecoder, *, max_pixels: int) -> CardScan:
    """The card photo's QR texts; when there are none, whether it is simply out of focus.

    ImageError for a bad file, BlankImage for a picture that shows nothing.
    """
    image = load_rgb(data, max_pixels=max_pixels)
    texts = decoder.decode(image)
    if texts:
        return CardScan(tuple(texts), blurred=False)
    gray = preview_gray(image)
    require_content(gray)
    return CardScan((), blurred=laplacian_variance(gray) < BLURRED_BELOW)


def check_document(data: bytes, *, min_side: int, max_pixels: int) -> DocumentCheck:
    """Whether a document photo can be kept: a format the store keeps, decodable, at least
    `min_side` on both sides, not blank. Each problem raises its ImageError."""
    if not data:
        raise EmptyImage("zero bytes")
    content_type = store_content_type(data)
    if content_type is None:  # refused before any pixel is decoded
        raise UnsupportedFormat(f"{image_format(data)} is not kept (JPEG, PNG or WebP only)")
    try:
        image = open_image(data, max_pixels=max_pixels, min_side=min_side)
    except NotAnImage as exc:  # the signature of a photo and nothing readable after it
        raise CorruptImage(f"a damaged {content_type} file") from exc
    require_content(preview_gray(np.asarray(image, np.uint8)))
    return DocumentCheck(image.width, image.height, content_type)
