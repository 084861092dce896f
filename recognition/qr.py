"""QR decoding: zxing-cpp on the photo, then on a few preprocessed variants.

Which stages are in the default cascade was decided by measurement, not by habit:
`safecommunity bench recognition` (`recognition.bench.qr`) on seeded 1280×960 photos of
household cards (`recognition.bench.synth`, seed 2024, 100 moderate + 100 harsh):

    decodes by each stage alone          moderate   harsh    median, end to end
    zxing, grey                               99       31     6 ms (the cascade: 6.1 ms)
    zxing, ×1.5 + adaptive threshold          68       32
    zxing, ×2 rescale                        100       35
    zxing, unsharp mask + ×1.5               100       38
    zxing, histogram equalised                97       20
    pyzbar, grey (libzbar)                    94        9    28 ms
    the cascade below                        100       41

What each stage adds after the ones before it (harsh 2024 / an extra harsh set, seed 777,
150 photos): ×1.5 + adaptive threshold +8 / +23, ×2 rescale +1 / +5, equalised +1 / +2,
unsharp + ×1.5 0 / +4. pyzbar added 0 on all three sets (every code it read, zxing read too),
and so did CLAHE, adaptive threshold without the upscale and zxing's GlobalHistogram
binariser in the exploration runs, so they are not in the cascade. pyzbar stays available
as `pyzbar_only()` (the benchmark's comparison) when libzbar is installed.
The cascade stops at the first stage that decodes anything: a clean photo costs one pass; a
photo with no code runs all five (≈40 ms at 1280×960).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np
import zxingcpp
from numpy.typing import NDArray

from recognition.errors import BackendUnavailable
from recognition.images import DEFAULT_MAX_PIXELS, RGBImage, load_rgb, to_gray

Gray = NDArray[np.uint8]
_QR_FORMATS = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


class QrDecoder(Protocol):
    def decode(self, image: RGBImage) -> list[str]:
        """Every QR payload found in `image` (RGB or grey), in reading order, no duplicates."""
        ...


@dataclass(frozen=True, slots=True)
class Stage:
    """One attempt: a preprocessing of the grey image and the library that reads it."""

    name: str
    prepare: Callable[[Gray], Gray | None]  # None: this stage does not apply to the image
    read: Callable[[Gray], list[str]]


def zxing_read(gray: Gray) -> list[str]:
    results = zxingcpp.read_barcodes(gray, formats=_QR_FORMATS)
    return _unique(result.text for result in results if result.valid)


def pyzbar_read(gray: Gray) -> list[str]:
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:  # the system library libzbar0 is missing
        raise BackendUnavailable(f"pyzbar needs libzbar: {exc}") from exc
    symbols = pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return _unique(symbol.data.decode("utf-8", errors="replace") for symbol in symbols)


def pyzbar_available() -> bool:
    try:
        from pyzbar import pyzbar  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def _rescaled(target: int, max_factor: float) -> Callable[[Gray], Gray | None]:
    """Scale so the longer side is `target` (at most `max_factor`×); None if no change."""

    def prepare(gray: Gray) -> Gray | None:
        factor = min(max_factor, target / max(gray.shape[:2]))
        if factor < 1.05:
            return None
        return np.asarray(
            cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC), np.uint8
        )

    return prepare


def _upscaled_threshold(gray: Gray) -> Gray | None:
    big = _rescaled(1920, 2.0)(gray)
    source = gray if big is None else big
    return np.asarray(
        cv2.adaptiveThreshold(
            source, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 41, 5
        ),
        np.uint8,
    )


def _sharpened_upscaled(gray: Gray) -> Gray | None:
    soft = cv2.GaussianBlur(gray, (0, 0), 2.0)
    sharp = np.asarray(cv2.addWeighted(gray, 1.8, soft, -0.8, 0), np.uint8)
    big = _rescaled(1920, 2.0)(sharp)
    return sharp if big is None else big


def _equalised(gray: Gray) -> Gray | None:
    return np.asarray(cv2.equalizeHist(gray), np.uint8)


def _identity(gray: Gray) -> Gray | None:
    return gray


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("zxing", _identity, zxing_read),
    Stage("zxing-x1.5-adaptive", _upscaled_threshold, zxing_read),
    Stage("zxing-x2", _rescaled(2560, 2.0), zxing_read),
    Stage("zxing-sharpen-x1.5", _sharpened_upscaled, zxing_read),
    Stage("zxing-equalised", _equalised, zxing_read),
)
PYZBAR_STAGE = Stage("pyzbar", _identity, pyzbar_read)


class CascadeDecoder:
    """Try the stages in order; the first that finds anything wins."""

    def __init__(self, stages: Sequence[Stage] = DEFAULT_STAGES) -> None:
        if not stages:
            raise ValueError("a cascade needs at least one stage")
        self.stages = tuple(stages)

    def decode(self, image: RGBImage) -> list[str]:
        return self.decode_with_stage(image)[0]

    def decode_with_stage(self, image: RGBImage) -> tuple[list[str], str | None]:
        """The payloads and the name of the stage that found them (None: nothing found)."""
        gray = to_gray(image)
        for stage in self.stages:
            prepared = stage.prepare(gray)
            if prepared is None:
                continue
            found = stage.read(np.ascontiguousarray(prepared))
            if found:
                return found, stage.name
        return [], None


def zxing_only() -> CascadeDecoder:
    return CascadeDecoder(DEFAULT_STAGES[:1])


def pyzbar_only() -> CascadeDecoder:
    """pyzbar on the grey photo; raises BackendUnavailable without libzbar."""
    if not pyzbar_available():
        raise BackendUnavailable("pyzbar needs the system library libzbar0")
    return CascadeDecoder((PYZBAR_STAGE,))


_default: CascadeDecoder | None = None


def default_decoder() -> CascadeDecoder:
    global _default
    if _default is None:
        _default = CascadeDecoder()
    return _default


def decode_qr_bytes(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> list[str]:
    """Decode an uploaded photo (typed ImageError on bad bytes) and read its QR codes."""
    return default_decoder().decode(load_rgb(data, max_pixels=max_pixels))


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(text for text in texts if text))

