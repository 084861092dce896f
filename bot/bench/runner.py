"""`safecommunity bench bot`: the bot's speed against a bare PTB bot, on the sandbox Bot API.

In one run, over a temporary SQLite database (a few residents, cadres with a house each):

* menu taps per second (❓ Help / ⬅️ Back on the /start menu) and visit steps per second
  (Next ▶️ / ⬅️ Back in an opened visit), `users` people tapping at once, and the same load on a
  bare PTB bot (one handler that edits and answers): the product's rate over the bare rate;
* a resident's /help latency while a cadre uploads heavy PNGs at the visit's scan step,
  against an idle /help (the real recognition core decodes the photos);
* menu taps again without the rate limiter's limits (the product's `AIORateLimiter` allows 30
  requests with a chat a second overall, and every tap edits a message), and where the time
  of that loop goes (cProfile of the event loop's thread);
* the same rates and latencies with PTB's one-update-at-a-time processing (`sequential`).

The numbers are ratios and latencies, printed as a table; the goal (menu tap ≥ half the bare
rate) is a target next to the measurement, not an assertion.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.bench import profile
from bot.bench.bare import bare_running
from bot.bench.report import format_table, summary_rows
from bot.bench.scenarios import (
    bare_step,
    best_rate,
    heavy_png,
    help_during_uploads,
    idle_help,
    latency_stats,
    menu_step,
    open_menus,
    open_visits,
    visit_step,
    window,
)
from bot.bench.world import (
    BENCH_BOT,
    BENCH_TOKEN,
    LOCALE,
    Cast,
    add_users,
    bench_settings,
    product_running,
    seed,
)
from bot.i18n import Translator, load_catalogues
from bot.recognition import open_recognition
from bot.sandbox import Sandbox
from bot.updates import MAX_RUNNING
from core.bootstrap import Storage, open_storage
from core.settings import Settings
from recognition import RecognitionCore

Progress = Callable[[str], None]
TARGET_MENU_RATIO = 0.5


@dataclass(frozen=True)
class BenchOptions:
    taps: int = 240  # updates per timed window (all users together)
    users: int = 4  # people tapping at once
    repeats: int = 3  # timed windows per rate; the best counts
    photos: int = 6  # heavy PNGs the cadre uploads
    megapixels: float = 38.9  # each (a 7200×5400 phone photo)
    idle_samples: int = 10  # idle /help latencies
    sequential: bool = True  # also measure PTB's one-at-a-time processing


QUICK = BenchOptions(taps=8, users=2, repeats=1, photos=1, megapixels=1.0, idle_samples=2)


@dataclass
class Run:
    """What every measurement of one run shares."""

    sandbox: Sandbox
    settings: Settings
    storage: Storage
    recognition: RecognitionCore | None
    cast: Cast
    t: Translator
    photo: bytes
    options: BenchOptions
    progress: Progress


async def run_bot_bench(
    options: BenchOptions = BenchOptions(),
    *,
    settings: Settings | None = None,
    json_path: Path | None = None,
    progress: Progress = print,
) -> dict[str, Any]:
    """Run the bench, print the table through `progress`, write `json_path`; the report.

    `settings` must point at a database of its own (tests pass a migrated copy); by default a
    temporary data dir is made and removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="safecommunity-bench-") as tmp:
        report = await _bench(options, settings or bench_settings(Path(tmp)), progress)
    rows = summary_rows(report, TARGET_MENU_RATIO)
    report["summary"] = rows
    for line in format_table(rows):
        progress(line)
    if json_path is not None:
        await asyncio.to_thread(_write_json, json_path, report)
        progress(f"report written to {json_path}")
    return report


async def _bench(options: BenchOptions, settings: Settings, progress: Progress) -> dict[str, Any]:
    started = datetime.now(UTC)
    progress(f"bench: a {options.megapixels} MP PNG for the uploads …")
    photo = await asyncio.to_thread(heavy_png, options.megapixels)
    storage = await open_storage(settings)
    try:
        progress("bench: starting the recognition core …")
        recognition = await open_recognition(settings, storage)
        try:
            async with Sandbox(token=BENCH_TOKEN, bot_username=BENCH_BOT) as sandbox:
                bot_settings = settings.model_copy(
                    update={
                        "telegram_token": sandbox.token,
                        "telegram_base_url": sandbox.base_url,
                        "telegram_base_file_url": sandbox.base_file_url,
                    }
                )
                cast = await seed(storage, bot_settings, options.users)
                add_users(sandbox, cast)
                t = load_catalogues().translator(LOCALE, bot_settings.zone)
                run = Run(sandbox, bot_settings, storage, recognition, cast, t, photo, options,
                          progress)  # fmt: skip
                modes = {"concurrent": await _mode(run, MAX_RUNNING, profiled=True)}
                if options.sequential:
                    modes["sequential"] = await _mode(run, 1, profiled=False)
        finally:
            await recognition.close()
    finally:
        await storage.close()
    return {
        "meta": _meta(started, options, settings, len(photo)),
        "modes": modes,
        "profile": modes["concurrent"].pop("profile"),
    }


async def _mode(run: Run, concurrency: int, *, profiled: bool) -> dict[str, Any]:
    """Bare bot, then the product, with `concurrency` updates at once (1: PTB's default)."""
    sandbox, cast, options = run.sandbox, run.cast, run.options
    name = "concurrent" if concurrency > 1 else "sequential"
    async with bare_running(sandbox, concurrent_updates=concurrency):
        await open_menus(sandbox, cast.residents)
        bare = await best_rate(cast.residents, options.taps, bare_step(sandbox), options.repeats)
    run.progress(f"bench ({name}): bare PTB bot {bare.per_second:.1f} updates/s")
    result: dict[str, Any] = {"updates_at_once": concurrency, "bare": bare.as_dict()}
    async with product_running(
        sandbox, run.settings, run.storage, run.recognition, concurrent_updates=concurrency
    ):
        # First, while the rate limiter is fresh: the taps below fill its 30/s bucket.
        idle = await idle_help(sandbox, cast.observer, options.idle_samples)
        loaded, upload_s = await help_during_uploads(
            sandbox, cast.uploader, cast.observer, run.photo, options.photos
        )
        run.progress(f"bench ({name}): /help during uploads, {len(loaded)} samples")
        await open_menus(sandbox, cast.residents)
        menu_loop = menu_step(sandbox, run.t)
        menu = await best_rate(cast.residents, options.taps, menu_loop, options.repeats)
        run.progress(f"bench ({name}): menu tap {menu.per_second:.1f} updates/s")
        await open_visits(sandbox, cast)
        visit_loop = visit_step(sandbox, run.t)
        visit = await best_rate(cast.cadres, options.taps, visit_loop, options.repeats)
        run.progress(f"bench ({name}): visit step {visit.per_second:.1f} updates/s")
    if profiled:
        result.update(await _unthrottled(run, bare.per_second))
    idle_stats, loaded_stats = latency_stats(idle), latency_stats(loaded)
    result.update(
        {
            "menu_tap": {**menu.as_dict(), "ratio_to_bare": _ratio(menu.per_second, bare)},
            "visit_step": {**visit.as_dict(), "ratio_to_bare": _ratio(visit.per_second, bare)},
            "help_latency": {
                "idle": idle_stats,
                "during_uploads": {
                    **loaded_stats,
                    "photos": options.photos,
                    "uploads_answered_s": round(upload_s, 2),
                },
                "p50_ratio_to_idle": round(loaded_stats["p50_ms"] / idle_stats["p50_ms"], 2),
                "max_ratio_to_idle": round(loaded_stats["max_ms"] / idle_stats["p50_ms"], 2),
            },
        }
    )
    return result


async def _unthrottled(run: Run, bare: float) -> dict[str, Any]:
    """Menu taps without the rate limiter's 30 requests/s, and where their time goes."""
    sandbox, cast, options = run.sandbox, run.cast, run.options
    async with product_running(
        sandbox, run.settings, run.storage, run.recognition,
        concurrent_updates=MAX_RUNNING, throttled=False,
    ):  # fmt: skip
        await open_menus(sandbox, cast.residents)
        menu_loop = menu_step(sandbox, run.t)
        menu = await best_rate(cast.residents, options.taps, menu_loop, options.repeats)
        run.progress(f"bench: menu tap without the rate limits {menu.per_second:.1f} updates/s")
        steps = max(1, options.taps // (2 * len(cast.residents)))
        rate, stats, wall = await profile.profiled(window(cast.residents, steps, menu_loop))
    ratio = round(menu.per_second / bare, 3) if bare else 0.0
    return {
        "menu_tap_unthrottled": {**menu.as_dict(), "ratio_to_bare": ratio},
        "profile": profile.summary(stats, wall, rate.updates),
    }


def _write_json(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))


def _ratio(rate: float, bare: Any) -> float:
    return round(rate / bare.per_second, 3) if bare.per_second else 0.0


def _meta(
    started: datetime, options: BenchOptions, settings: Settings, photo_bytes: int
) -> dict[str, Any]:
    return {
        "started": started.isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "options": asdict(options),
        "photo_mb": round(photo_bytes / 1e6, 1),
        "recognition_workers": settings.recognition_workers,
        "database": "sqlite",
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="safecommunity bench bot", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--json", type=Path, default=None, help="write the full report here")
    parser.add_argument("--quick", action="store_true", help="tiny counts (a smoke run)")
    parser.add_argument("--taps", type=int, help="updates per timed window")
    parser.add_argument("--users", type=int, help="people tapping at once")
    parser.add_argument("--photos", type=int, help="heavy PNGs uploaded")
    parser.add_argument("--megapixels", type=float, help="size of each PNG")
    parser.add_argument(
        "--no-sequential", action="store_true", help="skip PTB's one-at-a-time comparison"
    )
    args = parser.parse_args(argv)
    options = QUICK if args.quick else BenchOptions()
    chosen = {
        name: getattr(args, name)
        for name in ("taps", "users", "photos", "megapixels")
        if getattr(args, name) is not None
    }
    if any(value <= 0 for value in chosen.values()):
        parser.error("counts and sizes must be positive")
    options = replace(options, **chosen, sequential=not args.no_sequential)
    asyncio.run(run_bot_bench(options, json_path=args.json))
    return 0
