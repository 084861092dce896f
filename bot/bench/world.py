"""The bench's world: a temporary database with a few members and houses, the sandbox Bot API,
and an Application polling it (the product's, or a bare PTB echo bot); users act by label.

Users only ever press buttons by their label and type text, as people do, so the bench does
not depend on the shape of any callback data.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram.ext import AIORateLimiter, Application

from bot.app import build_application, running
from bot.sandbox import Sandbox
from core.bootstrap import Storage
from core.models import Role
from core.roles import Actor
from core.settings import Settings
from recognition import RecognitionCore

BENCH_TOKEN = "424242:BENCH-TOKEN"
BENCH_BOT = "safecommunity_bench_bot"
SYSTEM = Actor.system("bench")
LOCALE = "en"  # labels below are looked up in this locale's catalogue
RESIDENT_IDS = 810_000
CADRE_IDS = 820_000
UPLOADER_ID, OBSERVER_ID = 830_001, 830_002
PRESS_TIMEOUT = 60.0
AnyApp = Application[Any, Any, Any, Any, Any, Any]


class BenchError(RuntimeError):
    """The bot did not answer as the bench expected (a broken flow, not a slow one)."""


def bench_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings of a private SQLite database in `data_dir`, never the configured one."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": "",
        "secret_key": secrets.token_hex(16),
        "webhook_url": "",
        "webhook_secret": "",
        "default_locale": LOCALE,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Cast:
    """Who takes part: tapping residents, visiting cadres (one house each), the uploader."""

    residents: list[int] = field(default_factory=list)
    cadres: list[int] = field(default_factory=list)
    house_codes: dict[int, str] = field(default_factory=dict)  # cadre → their house
    uploader: int = UPLOADER_ID
    observer: int = OBSERVER_ID  # the resident whose /help is timed during the uploads


async def seed(storage: Storage, settings: Settings, users: int) -> Cast:
    """`users` residents and cadres (each cadre with a house), the uploader and the observer."""
    cast = Cast(
        residents=[RESIDENT_IDS + n for n in range(users)],
        cadres=[CADRE_IDS + n for n in range(users)],
    )
    async with storage.services() as svc:
        await svc.houses.ensure_community(
            SYSTEM, settings.community_name, settings.community_phone
        )
        grid = await svc.houses.ensure_grid(SYSTEM, "B1")
        building = await svc.houses.ensure_building(SYSTEM, grid, "1幢")
        for telegram_id in [*cast.residents, cast.observer]:
            await svc.members.add(
                SYSTEM, telegram_id=telegram_id, role=Role.RESIDENT, name=f"R{telegram_id}"
            )
        for telegram_id in [*cast.cadres, cast.uploader]:
            cadre = await svc.members.add(
                SYSTEM, telegram_id=telegram_id, role=Role.CADRE, name=f"C{telegram_id}"
            )
            code = f"B-1-{telegram_id % 1000:03d}"
            house, _created = await svc.houses.save_house(
                SYSTEM, building=building, code=code, standard_address=f"Bench Road {code}"
            )
            house.cadre_id = cadre.id
            cast.house_codes[telegram_id] = code
    return cast


def add_users(sandbox: Sandbox, cast: Cast) -> None:
    for user_id in [*cast.residents, *cast.cadres, cast.uploader, cast.observer]:
        sandbox.add_user(user_id, f"U{user_id}", language_code=LOCALE, started=True)


@asynccontextmanager
async def product_running(
    sandbox: Sandbox,
    settings: Settings,
    storage: Storage,
    recognition: RecognitionCore | None,
    *,
    concurrent_updates: int,
    throttled: bool = True,
) -> AsyncIterator[AnyApp]:
    """The product's Application as `safecommunity run` builds it, polling the sandbox.

    `throttled=False` keeps the rate limiter's retries but not its limits (30 requests with a
    chat a second overall), to see what the code itself costs.
    """
    limiter = None if throttled else AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    application = build_application(
        settings, storage, concurrent_updates=concurrent_updates, rate_limiter=limiter
    )
    application.deps.recognition = recognition
    async with running(application, poll_timeout=5):
        yield application


# --- acting as users -------------------------------------------------------------------------


def _last_bot_message(sandbox: Sandbox, chat_id: int) -> dict[str, Any] | None:
    bot_id = sandbox.bot_user["id"]
    record = sandbox.state.chat(chat_id)
    return next((m for m in reversed(record.messages) if m["from"]["id"] == bot_id), None)


def _bot_messages(sandbox: Sandbox, chat_id: int) -> int:
    bot_id = sandbox.bot_user["id"]
    return sum(m["from"]["id"] == bot_id for m in sandbox.state.chat(chat_id).messages)


async def tap(sandbox: Sandbox, user_id: int, label: str) -> None:
    """Press the button whose label starts with `label` on the bot's latest message in the
    user's chat; return once the bot has answered it and edited (or sent) a message."""
    message = _last_bot_message(sandbox, user_id)
    buttons = [
        button
        for row in ((message or {}).get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    ]
    found = next((b for b in buttons if str(b.get("text", "")).startswith(label)), None)
    if message is None or found is None:
        labels = [b.get("text") for b in buttons]
        raise BenchError(f"user {user_id}: no button {label!r} on the last message ({labels})")
    record = sandbox.state.chat(user_id)
    version = record.version
    answer = await sandbox.press_button(user_id, message, found["text"], timeout=PRESS_TIMEOUT)
    if not answer["answered"]:
        raise BenchError(f"user {user_id}: the button {label!r} was not answered")
    await sandbox.state.wait_until(lambda: record.version != version, PRESS_TIMEOUT)


async def say(
    sandbox: Sandbox,
    user_id: int,
    text: str,
    *,
    timeout: float = PRESS_TIMEOUT,  # noqa: ASYNC109
) -> None:
    """Send `text` as the user; return once the bot has sent a message after it."""
    sent = await sandbox.send_text(user_id, text)
    record = sandbox.state.chat(user_id)
    bot_id = sandbox.bot_user["id"]

    def answered() -> bool:
        last = record.messages[-1]
        return bool(last["from"]["id"] == bot_id and last["message_id"] > sent["message_id"])

    await sandbox.state.wait_until(answered, timeout)


async def wait_for_bot_messages(
    sandbox: Sandbox,
    chat_id: int,
    count: int,
    timeout: float = PRESS_TIMEOUT,  # noqa: ASYNC109
) -> None:
    await sandbox.state.wait_until(lambda: _bot_messages(sandbox, chat_id) >= count, timeout)


def bot_message_count(sandbox: Sandbox, chat_id: int) -> int:
    return _bot_messages(sandbox, chat_id)
