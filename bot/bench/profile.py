"""Where the time of a loop goes: cProfile of the event loop's thread, summarised.

Two views of the same profile, as shares of the profiled window's wall time:

* layers: every function's own time, added up by the code it belongs to (the sandbox, the
  HTTP client, the database layer, PTB, the product…); a built-in function counts for the
  layer of its biggest caller. "event loop idle" is the loop waiting for sockets and for the
  database thread (aiosqlite runs SQLite in a thread of its own, which cProfile does not see).
* functions: the few functions with the most own time, with their layer.

Cumulative times are left out on purpose: SQLAlchemy's asyncio layer switches greenlets, which
cProfile does not follow, so the cumulative time of anything that awaits the database (the
member look-up, a unit of work) absorbs the time of whatever ran meanwhile.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")
FuncKey = tuple[str, int, str]

# (layer, path fragments): the first layer with a matching fragment wins.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("event loop idle (sockets, DB thread)", ("select.epoll", "selectors.py")),
    ("imports at run time (importlib)", ("<frozen importlib",)),
    ("sandbox Bot API handlers", ("/bot/sandbox/",)),
    ("aiohttp server (sandbox HTTP)", ("/aiohttp/", "/multidict/", "/yarl/")),
    ("PTB HTTP client (httpx)", ("/httpx/", "/httpcore/", "/h11/", "/anyio/", "/sniffio/")),
    ("persistence (bot.persistence)", ("/bot/persistence.py",)),
    ("database (SQLAlchemy, aiosqlite)", ("/sqlalchemy/", "/aiosqlite/", "/sqlite3/")),
    ("locale (bot.i18n, Babel)", ("/bot/i18n.py", "/babel/")),
    ("rate limiter (aiolimiter)", ("/aiolimiter/", "_aioratelimiter.py")),
    ("python-telegram-bot", ("/telegram/",)),
    ("JSON", ("/json/",)),
    ("copy.deepcopy (PTB persistence snapshots, sandbox)", ("/copy.py",)),
    ("product handlers, services, models", ("/handlers/", "/core/", "/bot/")),
    ("asyncio", ("/asyncio/",)),
)
OTHER = "other"

TOP_FUNCTIONS = 8


async def profiled(awaitable: Awaitable[T]) -> tuple[T, pstats.Stats, float]:
    """Await under cProfile (this thread: the event loop's); the result, stats and wall s."""
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    try:
        result = await awaitable
    finally:
        profile.disable()
    wall = time.perf_counter() - started
    return result, pstats.Stats(profile), wall


def _layer(key: FuncKey) -> str | None:
    filename, _line, name = key
    where = filename.replace("\\", "/") + " " + name
    if filename == "~":  # a built-in: decided by its caller, except the loop's wait
        return LAYERS[0][0] if "epoll" in name or "select" in name else None
    return next((layer for layer, parts in LAYERS if any(p in where for p in parts)), OTHER)


def _caller_layer(callers: dict[FuncKey, Any]) -> str:
    """A built-in's layer: that of the caller that spent the most time in it."""
    caller = max(callers.items(), key=lambda item: item[1][3], default=None)
    return (_layer(caller[0]) if caller else None) or OTHER


def layers(stats: pstats.Stats, wall: float) -> list[dict[str, Any]]:
    """Own time by layer, biggest first, as shares of `wall`."""
    table: dict[FuncKey, Any] = stats.stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    for key, (_cc, _nc, own, _cum, callers) in table.items():
        layer = _layer(key) or _caller_layer(callers)
        totals[layer] = totals.get(layer, 0.0) + own
    rows = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    return [
        {"layer": name, "share": round(own / wall, 3), "s": round(own, 3)} for name, own in rows
    ]


def _name(key: FuncKey) -> str:
    filename, line, name = key
    if filename == "~":
        return name  # a built-in: "<method 'send' of '_socket.socket' objects>"
    parts = filename.replace("\\", "/").split("/")
    return f"{'/'.join(parts[-2:])}:{line}({name})"


def functions(stats: pstats.Stats, wall: float) -> list[dict[str, Any]]:
    """The functions with the most own time, as shares of `wall`."""
    table: dict[FuncKey, Any] = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:TOP_FUNCTIONS]
    return [
        {
            "function": _name(key),
            "layer": _layer(key) or _caller_layer(value[4]),
            "calls": value[1],
            "share": round(value[2] / wall, 3),
        }
        for key, value in ranked
    ]


def summary(stats: pstats.Stats, wall: float, updates: int) -> dict[str, Any]:
    return {
        "wall_s": round(wall, 3),
        "updates": updates,
        "ms_per_update": round(wall * 1000 / updates, 2) if updates else None,
        "layers": layers(stats, wall),
        "functions": functions(stats, wall),
    }
