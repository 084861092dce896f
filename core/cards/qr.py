"""A QR code alone as a PNG (an invitation link shown on the admin's phone)."""

from __future__ import annotations

from io import BytesIO

from PIL import Image

from core.cards.layout import qr_modules

MODULE_PX = 10


def qr_png(payload: str, module_px: int = MODULE_PX) -> bytes:
    """A black-on-white PNG of `payload`'s QR code, quiet zone included."""
    modules = qr_modules(payload)
    size = len(modules)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in modules for dark in row])
    image = image.resize((size * module_px, size * module_px), Image.Resampling.NEAREST)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
