"""What every sub-command shares: lazy settings, the storage, tables and errors."""

from __future__ import annotations

import asyncio
import inspect
import sys
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from core.bootstrap import storage
from core.errors import ConfigurationError
from core.models import Grid
from core.roles import Actor
from core.services import ServiceFactory, UnitOfWork
from core.settings import Settings, load_settings

T = TypeVar("T")
MIN_SECRET_LENGTH = 16
GET_ME_TIMEOUT = 10.0


class CliError(Exception):
    """A failure the operator can fix; printed as one line, exit code 1 unless told."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class CliContext:
    """Built once per invocation; settings are loaded on first use (bench needs none)."""

    overrides: dict[str, object] = field(default_factory=dict)
    actor: Actor = field(default_factory=lambda: Actor.system("cli"))
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(**self.overrides)
        return self._settings


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def finish(result: object) -> int:
    """The exit code of a lazily dispatched entry point that may be sync or async."""
    if inspect.isawaitable(result):
        result = run(_await(result))
    return 0 if result is None else int(result)  # type: ignore[call-overload]


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def require_secret(settings: Settings) -> None:
    """Fail with the variable's name before touching the database."""
    secret = settings.effective_secret()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            "SAFECOMMUNITY_SECRET_KEY", f"must be at least {MIN_SECRET_LENGTH} characters"
        )


@asynccontextmanager
async def open_services(ctx: CliContext) -> AsyncIterator[ServiceFactory]:
    """Migrate if needed and yield the service factory; the engine is closed afterwards."""
    settings = ctx.settings
    require_secret(settings)
    async with storage(settings) as opened:
        yield opened.services


async def grid_codes(svc: UnitOfWork) -> dict[int, str]:
    """Grid id → code, to show codes in tables (display only)."""
    rows = await svc.session.execute(select(Grid.id, Grid.code))
    return {grid_id: code for grid_id, code in rows}


def when(moment: datetime | None, zone: ZoneInfo, empty: str = "—") -> str:
    if moment is None:
        return empty
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A plain aligned table on stdout; Chinese characters count as two columns."""
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    columns = list(zip(headers, *cells, strict=False))
    widths = [max(display_width(value) for value in column) for column in columns]
    for row in [list(headers), ["-" * width for width in widths], *cells]:
        padded = (v + " " * (w - display_width(v)) for v, w in zip(row, widths, strict=True))
        print("  ".join(padded).rstrip())


def bot_username(settings: Settings, given: str | None = None) -> str | None:
    """The bot's @username: `given` (a --bot-username option), else SAFECOMMUNITY_BOT_USERNAME,
    else Telegram's getMe when SAFECOMMUNITY_TELEGRAM_TOKEN is set; None when none is."""
    name = (given or settings.bot_username).strip()
    if name:
        return name
    if not settings.telegram_token:
        return None
    return ask_bot_username(settings)


def ask_bot_username(settings: Settings) -> str:
    """The bot's username from Telegram's getMe (the token never appears in an error)."""
    token = settings.telegram_token
    base = settings.telegram_base_url
    url = (base.replace("{token}", token) if "{token}" in base else base + token) + "/getMe"
    hint = "pass --bot-username or set SAFECOMMUNITY_BOT_USERNAME"
    try:
        response = httpx.post(url, timeout=GET_ME_TIMEOUT)
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        reason = (str(exc) or type(exc).__name__).replace(token, "<token>").splitlines()[0]
        raise CliError(f"cannot ask Telegram for the bot's username ({reason}); {hint}") from None
    if not isinstance(answer, dict) or not answer.get("ok"):
        description = answer.get("description") if isinstance(answer, dict) else None
        raise CliError(
            f"Telegram refused getMe ({description or response.status_code}): check "
            f"SAFECOMMUNITY_TELEGRAM_TOKEN, or {hint}"
        )
    return str(answer["result"]["username"])


def warn(message: str) -> None:
    print(message, file=sys.stderr)
