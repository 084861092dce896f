"""Stored files and photo variants (real resized JPEG bytes, like Telegram's PhotoSize list)."""

from __future__ import annotations

import io
import mimetypes
import secrets
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

PHOTO_SIDES = (90, 320, 800, 1280)
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_RATIO = 20
_FILE_ID_PREFIX = {"photo": "AgACAgQAAxkB", "document": "BQACAgQAAxkB", "voice": "AwACAgQAAxkB"}
# What Telegram plays as a voice note (sendVoice): OGG/Opus, MP3 or M4A; its clients record
# OGG/Opus. Anything else is refused here (Telegram would have to send it as a document).
VOICE_FORMATS = {"audio/ogg": "oga", "audio/mpeg": "mp3", "audio/mp4": "m4a"}


class ImageError(ValueError):
    """The bytes are not an image Telegram would accept as a photo."""


@dataclass
class StoredFile:
    """One file in the sandbox's file store."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    kind: str  # "photo", "document" or "voice"
    mime_type: str
    width: int = 0
    height: int = 0
    file_name: str | None = None
    group: str | None = None  # the photo this size belongs to
    duration: int = 0  # a voice note's seconds

    def file_object(self) -> dict[str, Any]:
        """The Bot API ``File`` object (getFile result)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }

    def photo_size(self) -> dict[str, Any]:
        """The Bot API ``PhotoSize`` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "width": self.width,
            "height": self.height,
        }

    def document(self) -> dict[str, Any]:
        """The Bot API ``Document`` object."""
        doc = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "mime_type": self.mime_type,
        }
        if self.file_name:
            doc["file_name"] = self.file_name
        return doc

    def voice(self) -> dict[str, Any]:
        """The Bot API ``Voice`` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "duration": self.duration,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }


def voice_mime(data: bytes) -> str | None:
    """The MIME type of audio Telegram takes as a voice note, else None."""
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    return None


def new_ids(kind: str) -> tuple[str, str]:
    """A fresh (file_id, file_unique_id) pair shaped like Telegram's."""
    return _FILE_ID_PREFIX[kind] + secrets.token_urlsafe(48), "AQAD" + secrets.token_urlsafe(9)


def photo_variants(data: bytes) -> list[tuple[int, int, bytes]]:
    """Resize an image to Telegram's photo sizes, smallest first, never upscaling.

    Returns ``(width, height, jpeg_bytes)`` for each size: 90, 320, 800 and 1280 px on the
    longest side where the original is larger, plus the original size (re-encoded as JPEG)
    when it is at most 1280 px.
    """
    if len(data) > MAX_PHOTO_BYTES:
        raise ImageError("PHOTO_INVALID: a photo may be at most 10 MB")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageError("IMAGE_PROCESS_FAILED") from exc
    width, height = image.size
    if max(width, height) > MAX_PHOTO_RATIO * min(width, height):
        raise ImageError("PHOTO_INVALID_DIMENSIONS")
    longest = max(width, height)
    sides = [side for side in PHOTO_SIDES if side < longest]
    if longest <= PHOTO_SIDES[-1]:
        sides.append(longest)
    variants = []
    for side in sides:
        scale = side / longest
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        resized = image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        resized.save(buffer, format="JPEG", quality=87)
        variants.append((size[0], size[1], buffer.getvalue()))
    return variants


def guess_mime(filename: str | None, default: str = "application/octet-stream") -> str:
    """MIME type from a file name."""
    if not filename:
        return default
    return mimetypes.guess_type(filename)[0] or default


def extension(filename: str | None, mime_type: str) -> str:
    """A file extension for a stored document's file_path."""
    if filename and "." in filename:
        return filename.rsplit(".", 1)[1][:8].lower()
    guessed = mimetypes.guess_extension(mime_type) or ".bin"
    return guessed.lstrip(".")
