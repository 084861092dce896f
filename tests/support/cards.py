"""Real printed house cards for tests: the PDF the product prints, and a phone photo of a card.

`make_card_pdf` prints the cards of houses through the house service and the PDF backend;
`card_photo` rasterises that PDF with poppler's `pdftoppm` (as a printer would), cuts card
`index` out at the positions the renderer itself uses (`core.cards.layout`), and, unless told
otherwise, makes it look photographed: stuck on a darker wall, seen a little askew, slightly
rotated, soft, unevenly lit, noisy and JPEG-compressed. Deterministic for a given seed.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from core.bootstrap import Storage
from core.cards import find_cjk_font, render_pdf
from core.cards.layout import CARD_H, CARD_W, card_slot
from core.errors import ConfigurationError
from core.roles import Actor

RASTER_DPI = 200
PHOTO_SIZE = (1280, 960)  # what Telegram keeps of a phone photo (longest side 1280)
JPEG_QUALITY = 80
_PAGES: dict[tuple[str, int, int], NDArray[np.uint8]] = {}


async def make_card_pdf(storage: Storage, codes: Sequence[str], bot_username: str) -> bytes:
    """The printed sheet(s) of these houses' cards, as `safecommunity cards` writes them."""
    try:
        font = find_cjk_font(None)
    except ConfigurationError as exc:
        pytest.skip(f"no CJK font to print cards with: {exc.message}")
    async with storage.services() as svc:
        infos = await svc.houses.card_infos(
            Actor.system("test"), codes=list(codes), bot_username=bot_username
        )
    return await asyncio.to_thread(render_pdf, infos, font)


def card_photo(
    pdf_bytes_or_path: bytes | str | Path, index: int, *, seed: int = 0, distort: bool = True
) -> bytes:
    """JPEG bytes of card `index` of the PDF: the printed card, photographed unless `distort`
    is False (then the clean cut-out)."""
    page, x_mm, y_mm = card_slot(index)
    sheet = rasterise(pdf_bytes_or_path, page, RASTER_DPI)
    scale = RASTER_DPI / 25.4
    left, top = round(x_mm * scale), round(y_mm * scale)
    card = sheet[top : top + round(CARD_H * scale), left : left + round(CARD_W * scale)]
    if not distort:
        return _jpeg(card, 92)
    return _jpeg(photograph(card, np.random.default_rng(seed)), JPEG_QUALITY)


def rasterise(pdf_bytes_or_path: bytes | str | Path, page: int, dpi: int) -> NDArray[np.uint8]:
    """Page `page` (from 0) of the PDF as an RGB array, drawn by pdftoppm (cached: several
    photos of one sheet rasterise it once)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    if isinstance(pdf_bytes_or_path, bytes | bytearray):
        data = bytes(pdf_bytes_or_path)
    else:
        data = Path(pdf_bytes_or_path).read_bytes()
    key = (hashlib.sha256(data).hexdigest(), page, dpi)
    if key not in _PAGES:
        _PAGES.clear()  # one sheet at a time is what the tests use
        _PAGES[key] = _pdftoppm(data, page, dpi)
    return _PAGES[key]


def _pdftoppm(data: bytes, page: int, dpi: int) -> NDArray[np.uint8]:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "cards.pdf"
        source.write_bytes(data)
        number = str(page + 1)
        options = ["-r", str(dpi), "-f", number, "-l", number, "-singlefile"]  # PPM: fast
        subprocess.run(
            ["pdftoppm", *options, str(source), str(Path(folder) / "page")],
            check=True,
            capture_output=True,
        )
        with Image.open(Path(folder) / "page.ppm") as image:
            return np.asarray(image.convert("RGB"), dtype=np.uint8)


def photograph(card: NDArray[np.uint8], rng: np.random.Generator) -> NDArray[np.uint8]:
    """The card on a wall, as a phone sees it from arm's length."""
    out_w, out_h = PHOTO_SIZE
    wall = (rng.uniform(95, 150) + rng.uniform(-12, 12, size=3)).astype(np.float32)  # paint
    blotches = rng.normal(0, 10, (out_h // 16, out_w // 16)).astype(np.float32)
    texture = cv2.resize(blotches, (out_w, out_h), interpolation=cv2.INTER_CUBIC)
    scene = wall[None, None, :] + texture[..., None]

    ch, cw = card.shape[:2]
    scale = rng.uniform(0.5, 0.68) * out_w / cw
    half = np.array([[-cw, -ch], [cw, -ch], [cw, ch], [-cw, ch]], np.float64) / 2 * scale
    half += rng.uniform(-0.05, 0.05, size=(4, 2)) * cw * scale  # the phone is not square on
    angle = np.deg2rad(rng.uniform(-8, 8))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.array([out_w / 2, out_h / 2]) + rng.uniform(-0.05, 0.05, 2) * [out_w, out_h]
    target = (half @ rotation.T + centre).astype(np.float32)
    source = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(card.astype(np.float32), matrix, (out_w, out_h))
    mask = cv2.warpPerspective(np.ones((ch, cw), np.float32), matrix, (out_w, out_h))
    scene = scene * (1 - mask[..., None]) + warped * mask[..., None]

    # Room light: an overall level and a soft gradient across the frame.
    xx = np.linspace(-0.5, 0.5, out_w, dtype=np.float32)[None, :]
    yy = np.linspace(-0.5, 0.5, out_h, dtype=np.float32)[:, None]
    tilt = rng.uniform(-1, 1, 2)
    light = rng.uniform(0.75, 1.08) * (1 + 0.25 * (xx * tilt[0] + yy * tilt[1]))
    scene = cv2.GaussianBlur(scene * light[..., None], (0, 0), rng.uniform(0.6, 1.3))
    noise = np.empty_like(scene)
    cv2.setRNGSeed(int(rng.integers(2**31)))  # sensor noise; OpenCV's generator is quick
    cv2.randn(noise, np.zeros(3), np.full(3, rng.uniform(2.5, 6.0)))
    return np.asarray((scene + noise).clip(0, 255), np.uint8)


def _jpeg(image: NDArray[np.uint8], quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
