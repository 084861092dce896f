"""Seeded synthetic inputs: photographed household QR cards and drawn Chinese plates.

Everything here is deterministic for a given seed, so a benchmark number is reproducible.
"""

from __future__ import annotations

import io
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import qrcode
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from recognition.images import RGBImage

DEEP_LINK_PREFIX = "https://t.me/safecommunity_bot?start=h_"
TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"
PHOTO_SIZE = (1280, 960)
CJK_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)

Severity = Literal["moderate", "harsh"]


@dataclass(frozen=True, slots=True)
class Distortion:
    """How one synthetic photo was made (kept for reports and for debugging a miss)."""

    rotation: float
    perspective: float
    card_fraction: float
    blur: float
    noise: float
    light_floor: float
    shadow: float
    jpeg_quality: int


@dataclass(frozen=True, slots=True)
class SynthPhoto:
    payload: str
    jpeg: bytes
    distortion: Distortion


_RANGES: dict[Severity, dict[str, tuple[float, float]]] = {
    # A phone held over a printed card: tilted, a little soft, indoor light.
    "moderate": {
        "rotation": (-45.0, 45.0),
        "perspective": (0.03, 0.12),
        "card_fraction": (0.32, 0.7),
        "blur": (0.4, 1.8),
        "noise": (3.0, 9.0),
        "light_floor": (0.4, 0.9),
        "shadow": (0.0, 0.35),
        "jpeg_quality": (40.0, 85.0),
    },
    # Far away, steep angle, shaken, dim and over-compressed.
    "harsh": {
        "rotation": (-180.0, 180.0),
        "perspective": (0.1, 0.2),
        "card_fraction": (0.22, 0.42),
        "blur": (1.4, 2.8),
        "noise": (8.0, 15.0),
        "light_floor": (0.2, 0.5),
        "shadow": (0.3, 0.6),
        "jpeg_quality": (20.0, 45.0),
    },
}


def random_token(rng: np.random.Generator, length: int = 22) -> str:
    """A token shaped like `secrets.token_urlsafe(16)` (what a house deep link carries)."""
    picks = rng.integers(0, len(TOKEN_ALPHABET), size=length)
    return "".join(TOKEN_ALPHABET[int(i)] for i in picks)


def deep_link(token: str) -> str:
    return DEEP_LINK_PREFIX + token


def qr_image(payload: str, *, box_size: int = 10, border: int = 4) -> RGBImage:
    """The QR code as the project prints it (error correction M, four-module quiet zone)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(payload)
    code.make(fit=True)
    matrix = np.array(code.get_matrix(), dtype=bool)
    pixels = np.where(matrix, 0, 255).astype(np.uint8)
    pixels = np.kron(pixels, np.ones((box_size, box_size), dtype=np.uint8))
    return np.repeat(pixels[..., None], 3, axis=2)


def cjk_font_path() -> Path | None:
    return next((path for path in CJK_FONT_CANDIDATES if path.exists()), None)


def card_image(payload: str, rng: np.random.Generator) -> RGBImage:
    """A printed household card, 900×600: coloured header, a few lines of text, the QR."""
    width, height = 900, 600
    card = Image.new("RGB", (width, height), (250, 250, 246))
    draw = ImageDraw.Draw(card)
    hue = tuple(int(v) for v in rng.integers(30, 200, size=3))
    draw.rectangle((0, 0, width, 110), fill=hue)
    font_path = cjk_font_path()
    title = "平安社区 · 住户卡" if font_path else "SafeCommunity household card"
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    small: ImageFont.FreeTypeFont | ImageFont.ImageFont
    if font_path:
        font = ImageFont.truetype(str(font_path), 52)
        small = ImageFont.truetype(str(font_path), 30)
    else:
        font = small = ImageFont.load_default()
    draw.text((36, 26), title, fill=(255, 255, 255), font=font)
    for row in range(5):
        draw.text((40, 170 + row * 70), f"{'#' * int(rng.integers(6, 14))}", fill=(60, 60, 60),
                  font=small)
    code = qr_image(payload, box_size=9)
    side = min(code.shape[0], 440)
    code_img = Image.fromarray(code).resize((side, side), Image.Resampling.NEAREST)
    card.paste(code_img, (width - side - 30, 130))
    return np.asarray(card, dtype=np.uint8)


def distortion_for(severity: Severity, rng: np.random.Generator) -> Distortion:
    ranges = _RANGES[severity]

    def pick(name: str) -> float:
        low, high = ranges[name]
        return float(rng.uniform(low, high))

    return Distortion(
        rotation=pick("rotation"),
        perspective=pick("perspective"),
        card_fraction=pick("card_fraction"),
        blur=pick("blur"),
        noise=pick("noise"),
        light_floor=pick("light_floor"),
        shadow=pick("shadow"),
        jpeg_quality=round(pick("jpeg_quality")),
    )


def photograph(card: RGBImage, d: Distortion, rng: np.random.Generator) -> bytes:
    """Place `card` in a 1280×960 scene as a phone would see it, and JPEG-encode it."""
    out_w, out_h = PHOTO_SIZE
    scene = _background(rng)
    ch, cw = card.shape[:2]
    scale = d.card_fraction * out_w / cw
    centre = np.array([out_w / 2, out_h / 2]) + rng.uniform(-0.08, 0.08, size=2) * [out_w, out_h]
    hw, hh = cw / 2, ch / 2
    corners = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]])
    corners *= scale
    corners += rng.uniform(-d.perspective, d.perspective, size=(4, 2)) * cw * scale
    angle = np.deg2rad(d.rotation)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    target = corners @ rot.T + centre
    src = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, target.astype(np.float32))
    warped = cv2.warpPerspective(card, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), matrix, (out_w, out_h))
    scene = np.asarray(cv2.copyTo(warped.astype(np.float32), mask, scene), np.float32)
    scene *= _light_field(d.light_floor, d.shadow, rng)[..., None]
    if d.blur > 0.05:
        scene = np.asarray(cv2.GaussianBlur(scene, (0, 0), d.blur), np.float32)
    noise = np.empty_like(scene)
    cv2.setRNGSeed(int(rng.integers(2**31)))  # OpenCV's generator: 10× numpy's speed here
    cv2.randn(noise, np.zeros(3), np.full(3, d.noise))
    photo = np.asarray(cv2.add(scene, noise), np.float32).clip(0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="JPEG", quality=d.jpeg_quality)
    return buffer.getvalue()


def qr_photos(severity: Severity, count: int, *, seed: int = 2024) -> Iterator[SynthPhoto]:
    """`count` seeded photos of household cards; the payload is the expected decode."""
    for index in range(count):
        yield qr_photo(severity, index, seed=seed)


def qr_photo(severity: Severity, index: int, *, seed: int = 2024) -> SynthPhoto:
    """Photo number `index` of the seeded set (each photo has its own generator)."""
    offset = 0 if severity == "moderate" else 1_000_003
    rng = np.random.default_rng(seed + offset + index)
    payload = deep_link(random_token(rng))
    d = distortion_for(severity, rng)
    return SynthPhoto(payload, photograph(card_image(payload, rng), d, rng), d)


def plate_image(text: str, *, height: int = 140, colour: str = "blue") -> RGBImage | None:
    """A flat, front-on 7-character plate laid out as GA 36 specifies (440×140 mm, characters
    45×90 mm, 12 mm apart, 34 mm with the dot after the office letter), or None without a CJK
    font. The glyphs are a CJK sans squeezed to the plate's proportions, not the plate font."""
    font_path = cjk_font_path()
    if font_path is None:
        return None
    mm = height / 140
    width = round(440 * mm)
    background, ink = ((20, 70, 190), (245, 245, 245)) if colour == "blue" else (
        (240, 190, 20), (15, 15, 15))
    plate = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(plate)
    draw.rectangle((round(3 * mm), round(3 * mm), width - round(3 * mm), height - round(3 * mm)),
                   outline=ink, width=max(1, round(2 * mm)))
    font = ImageFont.truetype(str(font_path), max(8, round(100 * mm)))
    ink_layer = Image.new("RGB", (width, height), ink)
    x = 15.5
    for index, char in enumerate(text[:7]):
        glyph = Image.new("L", (round(130 * mm), round(130 * mm)), 0)
        ImageDraw.Draw(glyph).text((round(10 * mm), 0), char, fill=255, font=font)
        box = glyph.getbbox()
        if box is not None:
            size = (max(1, round(45 * mm)), max(1, round(90 * mm)))
            mask = glyph.crop(box).resize(size, Image.Resampling.LANCZOS)
            plate.paste(ink_layer.crop((0, 0, *size)), (round(x * mm), round(25 * mm)), mask)
        x += 45 + (34 if index == 1 else 12)
    dot = (134.5 * mm, 70 * mm)
    radius = 5 * mm
    draw.ellipse((dot[0] - radius, dot[1] - radius, dot[0] + radius, dot[1] + radius), fill=ink)
    return np.asarray(plate, dtype=np.uint8)


CAR_COLOURS = ((235, 235, 232), (180, 182, 185), (40, 40, 44), (150, 30, 35), (70, 80, 95))


def plate_scene(text: str, rng: np.random.Generator, *, size: tuple[int, int] = (960, 720),
                plate_width: int = 260) -> RGBImage | None:
    """A drawn plate on the back of a car (body colour, bumper, grille), slightly tilted."""
    plate = plate_image(text, height=round(plate_width * 140 / 440))
    if plate is None:
        return None
    w, h = size
    body = np.array(CAR_COLOURS[int(rng.integers(len(CAR_COLOURS)))], np.float32)
    scene = np.empty((h, w, 3), np.float32)
    scene[:] = body
    ph, pw = plate.shape[:2]
    x0, y0 = (w - pw) // 2, int(h * 0.55)
    scene[int(h * 0.5) :] = body * 0.55  # bumper
    for row in range(int(h * 0.2), int(h * 0.45), 14):  # grille bars
        scene[row : row + 5, w // 5 : 4 * w // 5] = body * 0.3
    scene[y0 - ph // 6 : y0 + ph + ph // 6, x0 - pw // 12 : x0 + pw + pw // 12] = 25  # holder
    scene += rng.normal(0, 5, size=scene.shape)
    tilt = float(rng.uniform(-0.03, 0.03))
    src = np.array([[0, 0], [pw, 0], [pw, ph], [0, ph]], np.float32)
    dst = np.array(
        [[x0, y0 + tilt * pw], [x0 + pw, y0], [x0 + pw, y0 + ph], [x0, y0 + ph + tilt * pw]],
        np.float32,
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(plate, matrix, (w, h))
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (w, h))
    scene = np.where(mask[..., None] > 127, warped.astype(np.float32), scene)
    return np.clip(scene, 0, 255).astype(np.uint8)


def _background(rng: np.random.Generator) -> NDArray[np.float32]:
    """A desk-like surface: a smooth random colour gradient with low-frequency texture."""
    w, h = PHOTO_SIZE
    base = rng.uniform(70, 190, size=3)
    small = rng.normal(0, 18, size=(6, 8, 3)).astype(np.float32)
    texture = np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), np.float32)
    texture += base.astype(np.float32)
    return texture


def _light_field(floor: float, shadow: float, rng: np.random.Generator) -> NDArray[np.float32]:
    """A multiplicative lighting map: a lamp somewhere falling off to `floor`, and the soft
    shadow of the phone or a hand (a half-plane darkened by `shadow`)."""
    w, h = PHOTO_SIZE
    step = 8  # computed coarse and upsampled: the field is smooth and this is 60× cheaper
    ys, xs = np.mgrid[0:h:step, 0:w:step].astype(np.float32)
    lx, ly = rng.uniform(-0.2, 1.2) * w, rng.uniform(-0.2, 1.2) * h
    dist = np.hypot(xs - lx, ys - ly) / np.hypot(w, h)
    field = (1.0 - (1.0 - floor) * np.clip(dist / 0.9, 0, 1)).astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    shift = rng.uniform(-0.3, 0.3) * w
    offset = (xs - w / 2) * np.cos(angle) + (ys - h / 2) * np.sin(angle) - shift
    field *= 1.0 - shadow / (1.0 + np.exp(-offset / (0.02 * w)))
    return np.asarray(cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)
