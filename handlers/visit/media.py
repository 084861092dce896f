"""Photos the cadre sends: which file it is, and its bytes when they are needed."""

from __future__ import annotations

import asyncio
import io

from PIL import Image, ImageDraw, ImageOps
from telegram import Update

from bot.context import BotContext

MAX_DOWNLOAD = 20 * 1024 * 1024  # what the Bot API lets a bot download


def incoming_file_id(update: Update) -> str | None:
    """The file id of a photo (largest size) or an image sent as a document, else None."""
    message = update.message
    if message is None:
        return None
    if message.photo:
        return message.photo[-1].file_id
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        if document.file_size and document.file_size > MAX_DOWNLOAD:
            return None
        return document.file_id
    return None


def too_large(update: Update) -> bool:
    """An image sent as a file that the Bot API will not let the bot download."""
    document = update.message.document if update.message else None
    return bool(document and document.file_size and document.file_size > MAX_DOWNLOAD)


async def download(context: BotContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def download_image(update: Update, context: BotContext) -> bytes | None:
    file_id = incoming_file_id(update)
    return await download(context, file_id) if file_id else None


async def side_by_side(
    new_photo: bytes, box: tuple[int, int, int, int], enrolled: bytes | None
) -> bytes:
    """The new face (cropped around its box) beside the enrolled photo, as one JPEG."""
    return await asyncio.to_thread(_compose, new_photo, box, enrolled)


def _compose(new_photo: bytes, box: tuple[int, int, int, int], enrolled: bytes | None) -> bytes:
    height = 480
    left = _face_crop(Image.open(io.BytesIO(new_photo)), box)
    panels = [left]
    if enrolled is not None:
        panels.append(ImageOps.exif_transpose(Image.open(io.BytesIO(enrolled))).convert("RGB"))
    scaled = [p.resize((max(1, p.width * height // p.height), height)) for p in panels]
    gap = 16
    canvas = Image.new(
        "RGB", (sum(p.width for p in scaled) + gap * (len(scaled) + 1), height + 2 * gap), "white"
    )
    x = gap
    for panel in scaled:
        canvas.paste(panel, (x, gap))
        x += panel.width + gap
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=88)
    return out.getvalue()


def _face_crop(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """The face with a generous margin, its box drawn, so the cadre sees which face was read."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    left, top, right, bottom = box
    margin = max(right - left, bottom - top)
    crop = (
        max(0, left - margin),
        max(0, top - margin),
        min(image.width, right + margin),
        min(image.height, bottom + margin),
    )
    drawn = image.copy()
    ImageDraw.Draw(drawn).rectangle(box, outline=(0, 200, 0), width=max(2, margin // 40))
    return drawn.crop(crop)
