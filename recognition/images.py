"""Decode untrusted image bytes into RGB arrays, with typed errors for every bad case."""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from recognition.errors import (
    BlankImage,
    CorruptImage,
    EmptyImage,
    ImageTooLarge,
    ImageTooSmall,
    NotAnImage,
    UnsupportedFormat,
)

RGBImage = NDArray[np.uint8]

DEFAULT_MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo is the largest honest input
MAX_SIDE = 20_000
MIN_SIDE = 16
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP", "MPO", "GIF", "TIFF"})
_HIGH_DEPTH_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def open_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, min_side: int = MIN_SIDE
) -> Image.Image:
    """Open and fully decode `data` as an RGB PIL image with EXIF orientation applied.

    The size is checked from the header before any pixel is decoded, so a decompression bomb
    (or a picture too small to use) costs nothing; Pillow's own bomb limit only backs this up.
    """
    if not data:
        raise EmptyImage("zero bytes")
    try:
        with warnings.catch_warnings():
            # Our own limit (max_pixels) is the policy; Pillow's warning threshold is not.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            if opened.format not in ACCEPTED_FORMATS:
                raise UnsupportedFormat(f"unsupported format {opened.format}")
            _check_size(opened.width, opened.height, max_pixels, min_side)
            opened.load()
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise NotAnImage("not an image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImage(str(exc) or "truncated image") from exc
    image = _apply_orientation(opened)
    if image.mode != "RGB":
        image = _to_rgb(image)
    return image


def image_format(data: bytes) -> str:
    """The format named by the header (no pixel decoded); NotAnImage when there is none."""
    if not data:
        raise EmptyImage("zero bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise NotAnImage("not an image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptImage(str(exc) or "unreadable header") from exc
    return str(opened.format)


def load_rgb(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, min_side: int = MIN_SIDE
) -> RGBImage:
    """Decode `data` into an H×W×3 uint8 RGB array."""
    return np.asarray(open_image(data, max_pixels=max_pixels, min_side=min_side), np.uint8)


def downscale(image: RGBImage, max_side: int) -> tuple[RGBImage, float]:
    """Shrink so the longer side is at most `max_side`; return the image and the scale used."""
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image, 1.0
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # reducing_gap: a cheap integer reduce first, then an antialiased resize (same quality).
    resized = Image.fromarray(image).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(resized, dtype=np.uint8), scale


def to_gray(image: RGBImage) -> NDArray[np.uint8]:
    """ITU-R 601 luma of an RGB array (what the QR and plate code work on)."""
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY))


def encode_jpeg(image: RGBImage, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def encode_png(image: RGBImage) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def _check_size(width: int, height: int, max_pixels: int, min_side: int) -> None:
    if width > MAX_SIDE or height > MAX_SIDE or width * height > max_pixels:
        raise ImageTooLarge(f"{width}x{height} exceeds the limit")
    if width < min_side or height < min_side:
        raise ImageTooSmall(f"{width}x{height} is under {min_side} px")


def _apply_orientation(image: Image.Image) -> Image.Image:
    """Rotate/flip as the EXIF Orientation tag says; a broken EXIF block is ignored."""
    try:
        return ImageOps.exif_transpose(image) or image
    except (OSError, SyntaxError, ValueError, TypeError, KeyError):
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in _HIGH_DEPTH_MODES:
        # 16-bit grey (PNG) and float TIFFs: Pillow's convert would clip everything above 255.
        values = np.asarray(image, dtype=np.float64)
        if values.size and float(values.max()) > 255.0:
            values = values / 257.0
        grey = np.clip(values + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(np.repeat(grey[..., None], 3, axis=2))
    return image.convert("RGB")


BLURRED_BELOW = 10.0  # card photos that no decoder could read scored 2–8; sharp ones 150–500
# Grey standard deviation (0–255) of a blank picture: a blank GIF 0, a covered lens 1–2. Real
# photos in the shared test data score 33–91, a card photo cut to 8 % exposure 4.2.
BLANK_BELOW = 3.0
PREVIEW_SIDE = 800  # measured on this size, so the numbers do not depend on the resolution


def preview_gray(image: RGBImage, max_side: int = PREVIEW_SIDE) -> NDArray[np.float32]:
    """A grey copy at most `max_side` wide, what the focus and blank measures work on."""
    small, _scale = downscale(image, max_side)
    return to_gray(small).astype(np.float32)


def sharpness(image: RGBImage, max_side: int = PREVIEW_SIDE) -> float:
    """Variance of the Laplacian of a grey copy at most `max_side` wide: low means blurred."""
    return laplacian_variance(preview_gray(image, max_side))


def laplacian_variance(gray: NDArray[np.float32]) -> float:
    return float(cv2.Laplacian(gray, cv2.CV_32F).var())


def require_content(gray: NDArray[np.float32]) -> None:
    """BlankImage when a (preview) grey picture is near-uniform."""
    spread = float(gray.std())
    if spread < BLANK_BELOW:
        raise BlankImage(f"a near-uniform picture (grey deviation {spread:.1f})")
