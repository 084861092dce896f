"""`safecommunity bench alerts`: camera events over HTTP → recognition → rules → guard group.

Over a temporary SQLite database with the real recognition core: a key person (scikit-image's
astronaut) on the watchlist with no cool-down (so every sighting is a new alert with a photo),
a few face cameras posting that photo to the product's HTTP API, one guard group in the
sandbox Bot API. Two phases:

* steady: events at `rate` per second for `seconds`; latency from the 202 (the event is
  accepted and stored) to the alert's photo arriving in the guard group (p50/p95/p99), and the
  sustained events per second (alerts delivered over the phase's span);
* overload: 4× that rate; how many 202 and 503 (Retry-After) answers, the deepest backlog, and
  whether every accepted event was delivered once the posting stops (nothing accepted lost).

The bot's rate limiter and the sandbox's per-group flood limit are off (`--flood-limit` turns
the sandbox's on): Telegram's 20 messages a minute per group would otherwise be the only number
measured. "undelivered" counts accepted events whose photo had not arrived when the drain
timed out (still queued, not lost); "lost" counts accepted events missing or given up.
Goals are printed next to the measurements.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from sqlalchemy import update

from bot.bench.alerts_diagnose import delivered, lost, why
from bot.bench.alerts_report import latencies, stats, summary, sustained, write_json
from bot.bench.world import BENCH_BOT, BENCH_TOKEN, SYSTEM, bench_settings, product_running
from bot.demo_cameras import SAMPLE_FACE, samples
from bot.http import HttpServer, create_http_app
from bot.recognition import open_recognition
from bot.sandbox import Sandbox
from core.bootstrap import Storage, open_storage
from core.models import (
    AlertKind,
    AlertRule,
    CameraKind,
    FaceTemplate,
    GroupRole,
    WatchlistKind,
)
from core.settings import Settings
from recognition import RecognitionCore

GUARD_ID, GROUP_ID = 840_001, -1_000_000_840_001
TARGET_P95_S, TARGET_RATE = 1.0, 5.0
DRAIN_TIMEOUT = 120.0


@dataclass(frozen=True)
class AlertBenchOptions:
    rate: float = 5.0  # events per second in the steady phase
    seconds: float = 20.0  # length of each phase
    cameras: int = 4  # face cameras posting in turn (the queue takes one event per camera)
    backlog: int = 40  # the ingest's bound (camera_backlog): beyond it a 503
    overload: float = 4.0  # the overload phase's rate, as a multiple of `rate`
    # The sandbox's Telegram flood limit per group (20 a minute); off by default, to measure
    # the pipeline rather than Telegram's limit (on: saturated groups, see the summary).
    flood_limit: bool = False


QUICK = AlertBenchOptions(rate=2.0, seconds=1.5, cameras=2, backlog=4)


@dataclass
class Phase:
    accepted: dict[int, float]  # event id → when its 202 arrived (monotonic)
    refused: int = 0  # 503s
    other: int = 0  # anything else (should stay 0)
    backlog_max: int = 0
    posting_s: float = 0.0


async def run_alerts_bench(
    options: AlertBenchOptions = AlertBenchOptions(),
    *,
    settings: Settings | None = None,
    json_path: Path | None = None,
    progress: Any = print,
) -> dict[str, Any]:
    """Run both phases, print the summary through `progress`, write `json_path`; the report."""
    with tempfile.TemporaryDirectory(prefix="safecommunity-bench-alerts-") as tmp:
        base = settings or bench_settings(Path(tmp))
        base = base.model_copy(update={"camera_backlog": options.backlog})
        report = await _bench(options, base, progress)
    for line in summary(report):
        progress(line)
    if json_path is not None:
        await asyncio.to_thread(write_json, json_path, report)
        progress(f"report written to {json_path}")
    return report


async def _bench(options: AlertBenchOptions, settings: Settings, progress: Any) -> dict[str, Any]:
    photo = _astronaut()
    storage = await open_storage(settings)
    try:
        progress("bench alerts: starting the recognition core …")
        core = await open_recognition(settings, storage)
        try:
            async with Sandbox(token=BENCH_TOKEN, bot_username=BENCH_BOT) as sandbox:
                if not options.flood_limit:
                    sandbox.faults.group_flood_limit = None
                bot_settings = settings.model_copy(
                    update={
                        "telegram_token": sandbox.token,
                        "telegram_base_url": sandbox.base_url,
                        "telegram_base_file_url": sandbox.base_file_url,
                    }
                )
                tokens = await _seed(storage, core, sandbox, photo, options.cameras)
                async with product_running(
                    sandbox, bot_settings, storage, core, concurrent_updates=8, throttled=False
                ) as application:
                    deps = application.deps  # type: ignore[attr-defined]
                    server = HttpServer(create_http_app(application, deps))
                    await server.start("127.0.0.1", 0)
                    try:
                        return await _phases(options, storage, sandbox, server.url, tokens,
                                             photo, progress)  # fmt: skip
                    finally:
                        await server.stop()
        finally:
            await core.close()
    finally:
        await storage.close()


async def _phases(
    options: AlertBenchOptions,
    storage: Storage,
    sandbox: Sandbox,
    url: str,
    tokens: dict[str, str],
    photo: bytes,
    progress: Any,
) -> dict[str, Any]:
    arrivals: dict[int, float] = {}
    watcher = asyncio.create_task(_watch(sandbox, arrivals))
    try:
        async with aiohttp.ClientSession() as http:
            steady = await _post(http, storage, url, tokens, photo, options.rate, options.seconds)
            progress(f"bench alerts: steady {len(steady.accepted)} accepted, draining …")
            steady_late = await _drain(storage, steady, arrivals)
            hot_rate = options.rate * options.overload
            hot = await _post(http, storage, url, tokens, photo, hot_rate, options.seconds)
            progress(
                f"bench alerts: overload {len(hot.accepted)} accepted, {hot.refused} × 503, "
                "draining …"
            )
            hot_late = await _drain(storage, hot, arrivals)
    finally:
        watcher.cancel()
    steady_t = await _timings(storage, steady, arrivals)
    hot_t = await _timings(storage, hot, arrivals)
    return {
        "options": asdict(options),
        "steady": {
            "offered_per_second": options.rate,
            **_phase_dict(
                steady,
                steady_late,
                await lost(storage, steady.accepted),
                await why(storage, steady.accepted, GROUP_ID, arrivals),
            ),
            **stats(latencies(steady_t)),
            "sustained_per_second": sustained(steady_t),
        },
        "overload": {
            "offered_per_second": hot_rate,
            **_phase_dict(
                hot,
                hot_late,
                await lost(storage, hot.accepted),
                await why(storage, hot.accepted, GROUP_ID, arrivals),
            ),
            **stats(latencies(hot_t)),
            "sustained_per_second": sustained(hot_t),
        },
        "goal": {"rate_per_second": TARGET_RATE, "p95_s": TARGET_P95_S},
    }


async def _seed(
    storage: Storage, core: RecognitionCore, sandbox: Sandbox, photo: bytes, cameras: int
) -> dict[str, str]:
    """The guard and their group, the cameras (id → token), the key person with no cool-down."""
    sandbox.add_user(GUARD_ID, "Guard", language_code="en", started=True)
    sandbox.add_group(GROUP_ID, "Guards", members=[GUARD_ID])
    face = await core.enrol_face(photo)
    vector = np.asarray(face.embedding, dtype=np.float32)
    tokens: dict[str, str] = {}
    async with storage.services() as svc:
        await svc.groups.add(SYSTEM, chat_id=GROUP_ID, role=GroupRole.GUARDS, title="Guards")
        for n in range(cameras):
            camera, token = await svc.cameras.add(
                SYSTEM, camera_id=f"bench-{n}", kind=CameraKind.FACE, name=f"Gate {n}"
            )
            tokens[camera.id] = token
        person = await svc.persons.add(SYSTEM, name="Bench Person")
        template = FaceTemplate(
            person_id=person.id,
            backend=core.face_info.backend,
            dimensions=int(vector.size),
            vector=vector.tobytes(),
            quality=1.0,
        )
        svc.session.add(template)
        watchlist = await svc.watchlists.create(
            SYSTEM, kind=WatchlistKind.PERSONS_OF_INTEREST, name="Bench"
        )
        await svc.watchlists.add_person(
            SYSTEM, watchlist.id, person.id, reason="bench", authority="bench"
        )
        await svc.alerts.ensure_default_rules()
        await svc.session.execute(
            update(AlertRule)
            .where(AlertRule.kind == AlertKind.PERSON_OF_INTEREST)
            .values(cooldown_seconds=0)
        )
        await svc.flush()
        template_id = template.id
    core.gallery.upsert(template_id, vector)
    return tokens


async def _post(
    http: aiohttp.ClientSession,
    storage: Storage,
    url: str,
    tokens: dict[str, str],
    photo: bytes,
    rate: float,
    seconds: float,
) -> Phase:
    """Post `rate` events a second for `seconds` (cameras in turn), not waiting on answers."""
    phase = Phase(accepted={})
    cameras = list(tokens.items())
    count = max(1, round(rate * seconds))
    tracks = secrets.token_hex(3)  # this phase's tracks differ from the other's
    started = time.monotonic()

    async def one(n: int) -> None:
        camera_id, token = cameras[n % len(cameras)]
        form = aiohttp.FormData()
        form.add_field("image", photo, filename="s.jpg", content_type="image/jpeg")
        # Each event its own passage (one track each): else the same face at one camera
        # within seconds is one passage and one alert, and the bench would measure nothing.
        form.add_field("track_id", f"{tracks}-{n}")
        headers = {"Authorization": f"Bearer {token}"}
        async with http.post(
            f"{url}/api/v1/cameras/{camera_id}/events", data=form, headers=headers
        ) as response:
            body = await response.json()
            if response.status == 202:
                phase.accepted[int(body["event_id"])] = time.monotonic()
            elif response.status == 503:
                phase.refused += 1
            else:
                phase.other += 1

    tasks = []
    for n in range(count):
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        tasks.append(asyncio.create_task(one(n)))
        if n % max(1, int(rate)) == 0:
            async with storage.services() as svc:
                phase.backlog_max = max(phase.backlog_max, await svc.camera_events.backlog())
    await asyncio.gather(*tasks)
    phase.posting_s = time.monotonic() - started
    return phase


async def _watch(sandbox: Sandbox, arrivals: dict[int, float]) -> None:
    """When each photo reached the guard group (message id → monotonic time)."""
    record = sandbox.state.chat(GROUP_ID)
    bot_id = sandbox.bot_user["id"]
    seen = 0

    def more() -> bool:
        return len(record.messages) > seen

    while True:
        await sandbox.state.wait_until(more, 3600)
        now = time.monotonic()
        for message in record.messages[seen:]:
            if message["from"]["id"] == bot_id and message.get("photo"):
                arrivals.setdefault(int(message["message_id"]), now)
        seen = len(record.messages)


async def _drain(storage: Storage, phase: Phase, arrivals: dict[int, float]) -> int:
    """Wait until every accepted event's alert photo arrived; how many had not by the end."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        sent = await delivered(storage, phase.accepted, GROUP_ID)
        if len([m for m in sent.values() if m in arrivals]) >= len(phase.accepted):
            return 0
        await asyncio.sleep(0.05)
    sent = await delivered(storage, phase.accepted, GROUP_ID)
    return len(phase.accepted) - len([m for m in sent.values() if m in arrivals])


async def _timings(
    storage: Storage, phase: Phase, arrivals: dict[int, float]
) -> list[tuple[float, float]]:
    """(accepted, photo arrived) of every delivered event of the phase."""
    sent = await delivered(storage, phase.accepted, GROUP_ID)
    return [
        (phase.accepted[event], arrivals[message])
        for event, message in sent.items()
        if message in arrivals
    ]


def _phase_dict(
    phase: Phase, undelivered: int, missing: int, reasons: dict[str, int] | None = None
) -> dict[str, Any]:
    return {
        "undelivered_why": reasons or {},
        "accepted": len(phase.accepted),
        "refused_503": phase.refused,
        "other_errors": phase.other,
        "backlog_max": phase.backlog_max,
        "undelivered": undelivered,
        "lost": missing,
    }


def _astronaut() -> bytes:
    photo = samples().get(SAMPLE_FACE)
    if photo is None:
        raise RuntimeError("bench alerts needs scikit-image's sample pictures")
    return photo


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="safecommunity bench alerts", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--json", type=Path, default=None, help="write the full report here")
    parser.add_argument("--quick", action="store_true", help="tiny counts (a smoke run)")
    parser.add_argument("--rate", type=float, help="events per second in the steady phase")
    parser.add_argument("--seconds", type=float, help="length of each phase")
    parser.add_argument(
        "--flood-limit", action="store_true", help="keep the sandbox's 20/min per group limit"
    )
    args = parser.parse_args(argv)
    options = QUICK if args.quick else AlertBenchOptions()
    chosen = {n: getattr(args, n) for n in ("rate", "seconds") if getattr(args, n) is not None}
    if any(value <= 0 for value in chosen.values()):
        parser.error("rates and lengths must be positive")
    options = replace(options, **chosen, flood_limit=args.flood_limit)
    asyncio.run(run_alerts_bench(options, json_path=args.json))
    return 0
