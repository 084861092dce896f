"""What the bench times: taps per second in closed loops, and /help's latency beside uploads.

A closed loop is one user pressing a button, waiting for the bot to answer and edit, and
pressing again; `users` of them run at once. A rate is the best of a few windows (the machine
is shared; the quietest window is the one that measures the code).
"""

from __future__ import annotations

import asyncio
import io
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from bot.bench.bare import BARE_LABEL
from bot.bench.world import Cast, bot_message_count, say, tap, wait_for_bot_messages
from bot.i18n import Translator
from bot.sandbox import Sandbox

Step = Callable[[int], Awaitable[int]]  # one user's step: how many updates it made
UPLOAD_TIMEOUT = 600.0
# A person's pace, not a loop's: /help back to back would itself fill the rate limiter's
# 30 requests/s and time the limiter instead of the bot.
HELP_INTERVAL = 0.1


@dataclass(frozen=True)
class Rate:
    updates: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "updates": self.updates,
            "seconds": round(self.seconds, 4),
            "per_second": round(self.per_second, 2),
        }


async def window(users: Sequence[int], steps: int, step: Step) -> Rate:
    """Every user takes `steps` steps one after another, all users at once."""

    async def loop(user: int) -> int:
        return sum([await step(user) for _ in range(steps)])

    started = time.perf_counter()
    counts = await asyncio.gather(*(loop(user) for user in users))
    return Rate(sum(counts), time.perf_counter() - started)


async def best_rate(users: Sequence[int], updates: int, step: Step, repeats: int) -> Rate:
    """One warm-up step per user, then the best of `repeats` windows of about `updates`."""
    await window(users, 1, step)
    steps = max(1, updates // (2 * len(users)))  # a step is two taps
    rates = [await window(users, steps, step) for _ in range(repeats)]
    return max(rates, key=lambda rate: rate.per_second)


# --- the loops ------------------------------------------------------------------------------


def menu_step(sandbox: Sandbox, t: Translator) -> Step:
    """❓ Help on the /start menu, then ⬅️ Back to the menu: two menu taps."""
    help_label, back_label = t("menu.help"), t("menu.back")

    async def step(user: int) -> int:
        await tap(sandbox, user, help_label)
        await tap(sandbox, user, back_label)
        return 2

    return step


def visit_step(sandbox: Sandbox, t: Translator) -> Step:
    """In an opened visit: Next ▶️ (check the residents → update them), then ⬅️ Back."""
    next_label, back_label = t("visit.next"), t("visit.back")

    async def step(user: int) -> int:
        await tap(sandbox, user, next_label)
        await tap(sandbox, user, back_label)
        return 2

    return step


def bare_step(sandbox: Sandbox) -> Step:
    async def step(user: int) -> int:
        await tap(sandbox, user, BARE_LABEL)
        await tap(sandbox, user, BARE_LABEL)
        return 2

    return step


async def open_menus(sandbox: Sandbox, users: Sequence[int]) -> None:
    await asyncio.gather(*(say(sandbox, user, "/start") for user in users))


async def open_visits(sandbox: Sandbox, cast: Cast) -> None:
    """Each cadre: /cancel anything left from a previous run, /visit, type the house code."""

    async def open_one(cadre: int) -> None:
        await say(sandbox, cadre, "/cancel")
        await say(sandbox, cadre, "/visit")
        await say(sandbox, cadre, cast.house_codes[cadre])

    await asyncio.gather(*(open_one(cadre) for cadre in cast.cadres))


# --- /help while someone uploads heavy photos -----------------------------------------------


def heavy_png(megapixels: float, seed: int = 3) -> bytes:
    """A photo-sized PNG (4:3) of smooth colour blobs: as many pixels as a phone's full
    resolution, no QR code, and compressed enough to stay under the Bot API's 20 MB."""
    height = max(8, round((megapixels * 1e6 * 3 / 4) ** 0.5))
    width = round(height * 4 / 3)
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(0, 256, (54, 72, 3), dtype=np.uint8))
    smooth = np.asarray(coarse.resize((width, height), Image.Resampling.BILINEAR))
    out = io.BytesIO()
    Image.fromarray(smooth & 0xF8).save(out, "PNG", compress_level=3)  # 32 levels a channel
    return out.getvalue()


def latency_stats(samples: Sequence[float]) -> dict[str, float | int]:
    return {
        "samples": len(samples),
        "p50_ms": round(statistics.median(samples) * 1000, 1),
        "max_ms": round(max(samples) * 1000, 1),
    }


async def timed_help(sandbox: Sandbox, user: int) -> float:
    started = time.perf_counter()
    await say(sandbox, user, "/help", timeout=UPLOAD_TIMEOUT)
    return time.perf_counter() - started


async def paced_help(sandbox: Sandbox, user: int) -> float:
    latency = await timed_help(sandbox, user)
    await asyncio.sleep(max(0.0, HELP_INTERVAL - latency))  # load generation: an arrival rate
    return latency


async def idle_help(sandbox: Sandbox, user: int, samples: int) -> list[float]:
    await paced_help(sandbox, user)  # warm-up
    return [await paced_help(sandbox, user) for _ in range(samples)]


async def help_during_uploads(
    sandbox: Sandbox, uploader: int, observer: int, photo: bytes, photos: int
) -> tuple[list[float], float]:
    """The uploader, at the visit's scan step, sends `photos` heavy PNGs as files; meanwhile
    the observer sends /help again and again. Returns the /help latencies and how long the
    bot took to answer every photo."""
    await say(sandbox, uploader, "/cancel")
    await say(sandbox, uploader, "/visit")  # the scan step: a photo of the house card
    before = bot_message_count(sandbox, uploader)
    started = time.perf_counter()
    for n in range(photos):
        await sandbox.send_document(uploader, photo, f"card-{n}.png", "image/png")
    answered = asyncio.create_task(
        wait_for_bot_messages(sandbox, uploader, before + photos, UPLOAD_TIMEOUT)
    )
    latencies: list[float] = []
    try:
        while not latencies or not answered.done():
            latencies.append(await paced_help(sandbox, observer))
        await answered
    finally:
        answered.cancel()
    return latencies, time.perf_counter() - started
