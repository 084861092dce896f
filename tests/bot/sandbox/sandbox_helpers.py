"""Constants and helpers shared by the sandbox tests (imported by conftest and tests)."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from PIL import Image

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.sandbox import Sandbox

TOKEN = "123456:TEST"
ALICE, BOB, GUARD = 1001, 1002, 1003
GUARD_GROUP = -1001234567890

PERSONAS = [
    {"user_id": ALICE, "name": "Alice", "role": "resident", "language_code": "en"},
    {"user_id": BOB, "name": "Bob", "role": "cadre", "language_code": "zh-hans"},
    {"user_id": GUARD, "name": "Gao", "role": "guard", "language_code": "zh-hans"},
]
GROUPS = [{"chat_id": GUARD_GROUP, "title": "Guards", "members": [GUARD, BOB]}]


def jpeg(width: int = 1600, height: int = 1200, color: str = "teal") -> bytes:
    """Real JPEG bytes of a given size."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def ogg(seed: int = 0, size: int = 600) -> bytes:
    """Bytes shaped like an OGG/Opus voice note (the capture pattern and Opus head; the rest
    stands in for the audio: the sandbox and the product never decode it)."""
    head = b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead\x01\x01"
    return head + bytes((seed + i) % 251 for i in range(size))


class BotApi:
    """Talks to the sandbox like PTB: form-encoded, non-strings JSON-encoded, multipart files."""

    def __init__(self, session: aiohttp.ClientSession, sb: Sandbox, token: str) -> None:
        self.session = session
        self.sb = sb
        self.token = token

    @staticmethod
    def _encode(value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value)

    async def raw(
        self, method: str, files: dict[str, tuple[str, bytes]] | None = None, **params: Any
    ) -> tuple[int, dict[str, Any]]:
        url = f"{self.sb.base_url}{self.token}/{method}"
        if files:
            form = aiohttp.FormData()
            for key, value in params.items():
                form.add_field(key, self._encode(value))
            for key, (filename, data) in files.items():
                form.add_field(key, data, filename=filename, content_type="image/jpeg")
            body: Any = form
        else:
            body = {key: self._encode(value) for key, value in params.items()}
        async with self.session.post(url, data=body) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        """Call and assert success; returns ``result``."""
        status, body = await self.raw(method, **params)
        assert status == 200, body
        assert body["ok"] is True
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        """Call and assert failure; returns (error_code, description)."""
        status, body = await self.raw(method, **params)
        assert body["ok"] is False, body
        assert status == body["error_code"]
        return status, body["description"]


StartBot = Callable[..., Awaitable["Application"]]
