"""Metadata stripped from pictures before they are stored, without decoding their pixels.

A phone photo carries EXIF (GPS position, time, camera serial), XMP and comments. These are
dropped segment by segment (JPEG), chunk by chunk (PNG, WebP): the compressed pixels are kept
as they are, so nothing is re-encoded and no picture is decoded in the bot process (decoding
happens only in the recognition workers; a 40-megapixel upload must not grow the bot). The one
piece of EXIF that changes how the picture looks, its orientation, is kept as a minimal EXIF
block holding that tag alone, so the picture still shows upright.

A picture whose structure cannot be walked is refused (`InvalidInput("photo_format")`) rather
than stored with whatever it may hide.
"""

from __future__ import annotations

import struct
import zlib

from core.errors import InvalidInput

# JPEG markers without a length field.
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_APP0, _APP1, _APP2, _COM, _SOS, _EOI = 0xE0, 0xE1, 0xE2, 0xFE, 0xDA, 0xD9
# PNG chunks that describe pixels and colour; everything else (tEXt, zTXt, iTXt, eXIf, tIME,
# private chunks) goes.
_PNG_KEEP = {
    b"IHDR",
    b"PLTE",
    b"IDAT",
    b"IEND",
    b"tRNS",
    b"gAMA",
    b"cHRM",
    b"sRGB",
    b"iCCP",
    b"sBIT",
    b"pHYs",
    b"acTL",
    b"fcTL",
    b"fdAT",
}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ORIENTATION_TAG = 0x0112


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """The picture without EXIF/XMP/comments, its orientation kept; refused when malformed."""
    try:
        if content_type == "image/jpeg":
            return _strip_jpeg(data)
        if content_type == "image/png":
            return _strip_png(data)
        if content_type == "image/webp":
            return _strip_webp(data)
    except (IndexError, ValueError, struct.error) as exc:
        raise InvalidInput("photo_format") from exc
    raise InvalidInput("photo_format")


def exif_orientation(exif: bytes) -> int:
    """The orientation (1-8) an EXIF TIFF block names; 1 when it names none."""
    if len(exif) < 8 or exif[:2] not in (b"II", b"MM"):
        return 1
    order = "<" if exif[:2] == b"II" else ">"
    (offset,) = struct.unpack_from(order + "I", exif, 4)
    (count,) = struct.unpack_from(order + "H", exif, offset)
    for index in range(count):
        tag, kind, _n, value = struct.unpack_from(order + "HHI4s", exif, offset + 2 + 12 * index)
        if tag == _ORIENTATION_TAG and kind == 3:
            (orientation,) = struct.unpack_from(order + "H", value)
            return orientation if 1 <= orientation <= 8 else 1
    return 1


def orientation_exif(orientation: int) -> bytes:
    """A TIFF block with one IFD entry: the orientation."""
    return (
        b"II*\x00"
        + struct.pack("<I", 8)
        + struct.pack("<H", 1)
        + struct.pack("<HHIHH", _ORIENTATION_TAG, 3, 1, orientation, 0)
        + struct.pack("<I", 0)
    )


def _strip_jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    kept: list[bytes] = [b"\xff\xd8"]
    orientation = 1
    position = 2
    while True:
        if data[position] != 0xFF:
            raise ValueError("expected a marker")
        while data[position] == 0xFF:  # fill bytes
            position += 1
        marker = data[position]
        position += 1
        if marker in _STANDALONE:
            kept.append(bytes((0xFF, marker)))
            continue
        if marker == _EOI:
            kept.append(b"\xff\xd9")
            break
        (length,) = struct.unpack_from(">H", data, position)
        if length < 2 or position + length > len(data):
            raise ValueError("segment runs past the end")
        segment = data[position : position + length]
        payload = segment[2:]
        position += length
        if marker == _APP1 and payload.startswith(b"Exif\x00\x00"):
            orientation = exif_orientation(payload[6:])
            continue
        if marker == _SOS:
            if orientation != 1:
                kept.insert(
                    1, _jpeg_segment(_APP1, b"Exif\x00\x00" + orientation_exif(orientation))
                )
            # The entropy-coded scans (and any later markers) carry no metadata worth keeping
            # apart; comments after the first scan are rare and dropped with the tail below.
            kept.append(b"\xff\xda" + segment)
            kept.append(_jpeg_scan_data(data, position))
            break
        keep = marker not in (_COM, *range(0xE1, 0xF0)) or (
            marker == _APP2 and payload.startswith(b"ICC_PROFILE\x00")
        )
        if marker == _APP0 and not payload.startswith(b"JFIF\x00"):
            keep = False
        if keep:
            kept.append(bytes((0xFF, marker)) + segment)
    return b"".join(kept)


def _jpeg_scan_data(data: bytes, start: int) -> bytes:
    """From the first scan to the end of image, without APPn/COM segments between scans."""
    out = bytearray()
    position = start
    end = len(data)
    while position < end:
        byte = data[position]
        if byte != 0xFF or position + 1 >= end:
            out.append(byte)
            position += 1
            continue
        marker = data[position + 1]
        if marker == 0x00 or marker in _STANDALONE or marker == 0xFF:
            out += data[position : position + 2] if marker != 0xFF else b"\xff"
            position += 2 if marker != 0xFF else 1
            continue
        if marker == _EOI:
            out += b"\xff\xd9"
            return bytes(out)
        (length,) = struct.unpack_from(">H", data, position + 2)
        segment = data[position : position + 2 + length]
        if marker != _COM and not 0xE0 <= marker <= 0xEF:
            out += segment  # DHT, DQT, SOS of a progressive JPEG, DRI, …
        position += 2 + length
    out += b"\xff\xd9"  # a truncated upload: close the image
    return bytes(out)


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _strip_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG")
    kept = [_PNG_SIGNATURE]
    orientation = 1
    position = len(_PNG_SIGNATURE)
    while position < len(data):
        length, kind = struct.unpack_from(">I4s", data, position)
        chunk = data[position : position + 12 + length]
        if len(chunk) != 12 + length:
            raise ValueError("chunk runs past the end")
        position += 12 + length
        if kind == b"eXIf":
            orientation = exif_orientation(chunk[8 : 8 + length])
            continue
        if kind in _PNG_KEEP:
            if kind == b"IDAT" and orientation != 1:
                kept.append(_png_chunk(b"eXIf", orientation_exif(orientation)))
                orientation = 1
            kept.append(chunk)
        if kind == b"IEND":
            break
    return b"".join(kept)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _strip_webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    chunks: list[bytes] = []
    position = 12
    while position + 8 <= len(data):
        kind, size = struct.unpack_from("<4sI", data, position)
        padded = size + (size & 1)
        chunk = data[position : position + 8 + padded]
        if len(chunk) < 8 + size:
            raise ValueError("chunk runs past the end")
        position += 8 + padded
        if kind in (b"EXIF", b"XMP "):
            continue
        if kind == b"VP8X":
            flags = chunk[8] & ~0x0C  # no EXIF, no XMP
            chunk = chunk[:8] + bytes((flags,)) + chunk[9:]
        chunks.append(chunk)
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body
