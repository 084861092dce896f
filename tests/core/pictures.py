"""Small real pictures for the photo store (it walks their structure and strips metadata)."""

from __future__ import annotations

import io
import zlib

from PIL import Image

GPS_SERIAL = "CAMSERIAL-77123"


def picture(label: str = "", fmt: str = "JPEG", *, exif: bool = True, size: int = 32) -> bytes:
    """A distinct picture per `label`, with EXIF (camera serial, GPS, orientation 6)."""
    seed = zlib.crc32(label.encode())
    colour = (seed & 0xFF, (seed >> 8) & 0xFF, (seed >> 16) & 0xFF)
    image = Image.new("RGB", (size, size // 2 + 8), colour)
    image.putpixel((1, 1), (255 - colour[0], 0, 0))
    buffer = io.BytesIO()
    options: dict[str, object] = {}
    if exif:
        tags = Image.Exif()
        tags[0x0112] = 6
        tags[0xA431] = GPS_SERIAL
        tags[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}
        options["exif"] = tags.tobytes()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


JPEG = picture("jpeg")
PNG = picture("png", "PNG")
