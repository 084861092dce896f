"""Seeded synthetic photos of the number side of a Chinese resident ID card (85.6×54 mm).

The card is drawn at 10 px/mm with Pillow: a light guilloche background, the blue labels
姓名/性别/民族/出生/住址/公民身份号码 with black values (WenQuanYi Zen Hei), a grey face
placeholder, and the 18-character number in a monospaced digit font (DejaVu Sans Mono; the real
card uses an OCR-B-like face). `id_card_photo` then places it in a 1280×960 phone-style photo:
perspective, rotation within ±8°, blur, noise, uneven light and JPEG. These are drawings, not
photographs of real cards: numbers measured on them are an upper bound for real photos.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from core.idnumber import check_digit

PX_PER_MM = 10
CARD_MM = (85.6, 54.0)
PHOTO_SIZE = (1280, 960)
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
DIGIT_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"),
)
REGIONS = ("110105", "310104", "330106", "440305", "510107", "320102", "420106", "610113")
LABEL_INK = (40, 110, 170)
VALUE_INK = (20, 20, 20)


def random_id_number(rng: np.random.Generator, *, ends_in_x: bool | None = None) -> str:
    """A valid GB 11643 number (region, birth date 1940-2009, sequence, check digit); with
    `ends_in_x` the sequence is redrawn until the check character is (or is not) X."""
    while True:
        region = REGIONS[int(rng.integers(len(REGIONS)))]
        year = int(rng.integers(1940, 2010))
        month = int(rng.integers(1, 13))
        day = int(rng.integers(1, 29))
        sequence = int(rng.integers(0, 1000))
        first17 = f"{region}{year:04d}{month:02d}{day:02d}{sequence:03d}"
        number = first17 + check_digit(first17)
        if ends_in_x is None or (number.endswith("X") == ends_in_x):
            return number


def cjk_available() -> bool:
    return CJK_FONT.exists()


def render_card(
    number: str,
    name: str = "张三",
    *,
    seed: int = 0,
    digit_font: Path | None = None,
    font_index: int = 0,
) -> NDArray[np.uint8]:
    """The flat card, 856×540 RGB. Needs the CJK font (see `cjk_available`)."""
    rng = np.random.default_rng(seed)
    mm = PX_PER_MM
    width, height = round(CARD_MM[0] * mm), round(CARD_MM[1] * mm)
    card = Image.fromarray(_guilloche(width, height, rng))
    draw = ImageDraw.Draw(card)
    label = ImageFont.truetype(str(CJK_FONT), round(2.6 * mm))
    value = ImageFont.truetype(str(CJK_FONT), round(3.2 * mm))
    # face placeholder: grey head and shoulders on a lighter frame
    fx0, fy0, fx1, fy1 = round(53 * mm), round(6 * mm), round(81 * mm), round(41 * mm)
    draw.rectangle((fx0, fy0, fx1, fy1), fill=(236, 236, 238))
    cx = (fx0 + fx1) // 2
    draw.ellipse((cx - 7 * mm, fy0 + 5 * mm, cx + 7 * mm, fy0 + 23 * mm), fill=(150, 150, 152))
    draw.pieslice(
        (fx0 + mm, fy0 + 24 * mm, fx1 - mm, fy1 + 14 * mm), 180, 360, fill=(120, 120, 124)
    )
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    sex = "男" if int(number[16]) % 2 else "女"
    address = ("北京市朝阳区建国路", "八十八号院3号楼2单元", "1101室")
    rows: list[tuple[str, float, str]] = [("姓名", 8.0, name), ("出生", 20.0, "")]
    for text, y, val in rows:
        draw.text((4.5 * mm, y * mm), " ".join(text), fill=LABEL_INK, font=label)
        if val:
            draw.text((15 * mm, (y - 0.5) * mm), val, fill=VALUE_INK, font=value)
    draw.text((4.5 * mm, 14 * mm), "性 别", fill=LABEL_INK, font=label)
    draw.text((15 * mm, 13.5 * mm), sex, fill=VALUE_INK, font=value)
    draw.text((24 * mm, 14 * mm), "民 族", fill=LABEL_INK, font=label)
    draw.text((33 * mm, 13.5 * mm), "汉", fill=VALUE_INK, font=value)
    birth = f"{year}  年  {month}  月  {day}  日"
    draw.text((15 * mm, 19.5 * mm), birth, fill=VALUE_INK, font=value)
    draw.text((4.5 * mm, 26 * mm), "住 址", fill=LABEL_INK, font=label)
    for row, line in enumerate(address):
        draw.text((15 * mm, (25.5 + row * 4.3) * mm), line, fill=VALUE_INK, font=value)
    draw.text((4.5 * mm, 46 * mm), "公民身份号码", fill=LABEL_INK, font=label)
    font_path = digit_font or DIGIT_FONTS[0]
    digits = ImageFont.truetype(str(font_path), round(3.6 * mm), index=font_index)
    pitch = 2.75 * mm
    for index, char in enumerate(number):
        draw.text((29 * mm + index * pitch, 45.3 * mm), char, fill=VALUE_INK, font=digits)
    return np.asarray(card, dtype=np.uint8)


def id_card_photo(
    number: str, name: str = "张三", *, seed: int = 0, distort: bool = True
) -> bytes:
    """JPEG bytes of the card with `number`: a phone photo when `distort`, else the flat card
    on a small white margin. Deterministic for a given seed."""
    card = render_card(number, name, seed=seed)
    rng = np.random.default_rng(seed + 7_919)
    if not distort:
        flat = cv2.copyMakeBorder(card, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(255,) * 3)
        return _jpeg(np.asarray(flat, np.uint8), 95)
    return photograph(card, rng)


# (low, high) per parameter. "moderate": a worker holding the phone over the card on a table;
# "harsh": further away (the number ~14 px high), shaken, noisy and over-compressed.
RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "moderate": {
        "fraction": (0.55, 0.9),
        "rotation": (-8.0, 8.0),
        "perspective": (0.0, 0.06),
        "blur": (0.3, 1.4),
        "noise": (2.0, 8.0),
        "jpeg": (55, 92),
    },
    "harsh": {
        "fraction": (0.35, 0.55),
        "rotation": (-8.0, 8.0),
        "perspective": (0.03, 0.1),
        "blur": (1.2, 2.4),
        "noise": (6.0, 14.0),
        "jpeg": (30, 60),
    },
}


def photograph(
    card: NDArray[np.uint8],
    rng: np.random.Generator,
    *,
    severity: str = "moderate",
    upside_down: bool = False,
) -> bytes:
    """Place the card in a 1280×960 scene as a phone held over a table would see it."""
    ranges = RANGES[severity]
    out_w, out_h = PHOTO_SIZE
    ch, cw = card.shape[:2]
    fraction = rng.uniform(*ranges["fraction"])
    rotation = rng.uniform(*ranges["rotation"]) + (180.0 if upside_down else 0.0)
    perspective = rng.uniform(*ranges["perspective"])
    blur = rng.uniform(*ranges["blur"])
    noise = rng.uniform(*ranges["noise"])
    low, high = ranges["jpeg"]
    jpeg_quality = int(rng.integers(int(low), int(high)))
    scene = _table(rng)
    scale = fraction * out_w / cw
    centre = np.array([out_w / 2, out_h / 2]) + rng.uniform(-0.05, 0.05, size=2) * [out_w, out_h]
    corners = np.array([[-cw, -ch], [cw, -ch], [cw, ch], [-cw, ch]], np.float64) / 2 * scale
    corners += rng.uniform(-perspective, perspective, size=(4, 2)) * cw * scale
    angle = np.deg2rad(rotation)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    target = (corners @ rot.T + centre).astype(np.float32)
    source = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(card, matrix, (out_w, out_h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), matrix, (out_w, out_h))
    scene = np.where(mask[..., None] > 127, warped.astype(np.float32), scene)
    scene *= _light(rng)[..., None]
    scene = np.asarray(cv2.GaussianBlur(scene, (0, 0), blur), np.float32)
    scene += rng.normal(0, noise, size=scene.shape).astype(np.float32)
    return _jpeg(np.clip(scene, 0, 255).astype(np.uint8), jpeg_quality)


def _guilloche(width: int, height: int, rng: np.random.Generator) -> NDArray[np.uint8]:
    """A pale background with fine wavy lines and a faint large rosette, like the card's."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.array([246, 244, 236], np.float32) + rng.uniform(-4, 4, size=3).astype(np.float32)
    image = np.empty((height, width, 3), np.float32)
    image[:] = base
    phase = float(rng.uniform(0, 2 * np.pi))
    waves = np.sin(ys / 6.0 + 3.0 * np.sin(xs / 45.0 + phase)) > 0.93
    image[waves] = image[waves] * 0.93 + np.array([150, 190, 225], np.float32) * 0.07 * 10 / 10
    radius = np.hypot(xs - width * 0.35, ys - height * 0.45)
    ring = (
        np.abs(
            np.sin(
                radius / 9.0 + 2 * np.sin(np.arctan2(ys - height * 0.45, xs - width * 0.35) * 12)
            )
        )
        > 0.97
    )
    image[ring] = image[ring] * 0.9 + np.array([220, 170, 160], np.float32) * 0.1
    return np.clip(image, 0, 255).astype(np.uint8)


def _table(rng: np.random.Generator) -> NDArray[np.float32]:
    w, h = PHOTO_SIZE
    base = rng.uniform(60, 200, size=3).astype(np.float32)
    small = rng.normal(0, 16, size=(6, 8, 3)).astype(np.float32)
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), np.float32) + base


def _light(rng: np.random.Generator) -> NDArray[np.float32]:
    """A lamp falling off towards one side and the soft shadow of the phone."""
    w, h = PHOTO_SIZE
    ys, xs = np.mgrid[0:h:8, 0:w:8].astype(np.float32)
    lx, ly = rng.uniform(-0.2, 1.2) * w, rng.uniform(-0.2, 1.2) * h
    floor = rng.uniform(0.55, 0.95)
    field = 1.0 - (1.0 - floor) * np.clip(np.hypot(xs - lx, ys - ly) / np.hypot(w, h) / 0.9, 0, 1)
    angle = rng.uniform(0, 2 * np.pi)
    offset = (
        (xs - w / 2) * np.cos(angle) + (ys - h / 2) * np.sin(angle) - rng.uniform(-0.3, 0.3) * w
    )
    field *= 1.0 - rng.uniform(0.0, 0.3) / (1.0 + np.exp(-offset / (0.02 * w)))
    return np.asarray(cv2.resize(field.astype(np.float32), (w, h)), np.float32)


def _jpeg(image: NDArray[np.uint8], quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
