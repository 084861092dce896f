"""QR benchmark section: decode rate and time on seeded photos of household cards.

Times are end to end from the JPEG bytes (decode + grey + QR), as a request would see them.
The cascade's per-stage counts say which stage found each code; `stages_alone` (full run only)
is each stage on its own, the evidence for keeping or dropping it (see `recognition.qr`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from recognition.bench.synth import Severity, SynthPhoto, qr_photos
from recognition.images import load_rgb
from recognition.qr import (
    DEFAULT_STAGES,
    PYZBAR_STAGE,
    CascadeDecoder,
    pyzbar_available,
)

Progress = Callable[[str], None]
TARGET_RATE = 0.98
TARGET_MEDIAN_MS = 25.0


def bench_qr(
    progress: Progress, *, moderate: int = 100, harsh: int = 100, seed: int = 2024,
    stages_alone: bool = True,
) -> dict[str, Any]:
    decoders: dict[str, CascadeDecoder] = {"cascade": CascadeDecoder()}
    if pyzbar_available():
        decoders["pyzbar"] = CascadeDecoder((PYZBAR_STAGE,))
    report: dict[str, Any] = {"pyzbar_available": pyzbar_available(), "sets": {}}
    counts: dict[Severity, int] = {"moderate": moderate, "harsh": harsh}
    for severity, count in counts.items():
        if count <= 0:
            continue
        photos = list(qr_photos(severity, count, seed=seed))
        results = {name: run_decoder(decoder, photos) for name, decoder in decoders.items()}
        if stages_alone:
            alone = [*DEFAULT_STAGES, *([PYZBAR_STAGE] if pyzbar_available() else [])]
            results["stages_alone"] = {
                stage.name: run_decoder(CascadeDecoder((stage,)), photos)["decoded"]
                for stage in alone
            }
        report["sets"][severity] = {"photos": count, **results}
        summary = ", ".join(
            f"{name} {r['decoded']}/{count} ({r['median_ms']} ms)"
            for name, r in results.items()
            if name != "stages_alone"
        )
        progress(f"qr: {severity}: {summary}")
    moderate_cascade = report["sets"].get("moderate", {}).get("cascade")
    report["target"] = {"rate": TARGET_RATE, "median_ms": TARGET_MEDIAN_MS}
    if moderate_cascade:
        report["meets_target"] = (
            moderate_cascade["rate"] >= TARGET_RATE
            and moderate_cascade["median_ms"] <= TARGET_MEDIAN_MS
        )
    return report


def run_decoder(decoder: CascadeDecoder, photos: list[SynthPhoto]) -> dict[str, Any]:
    times: list[float] = []
    decoded = 0
    wrong = 0
    stages: Counter[str] = Counter()
    for photo in photos:
        started = time.perf_counter()
        found, stage = decoder.decode_with_stage(load_rgb(photo.jpeg))
        times.append((time.perf_counter() - started) * 1000)
        if photo.payload in found:
            decoded += 1
            stages[stage or "?"] += 1
        elif found:
            wrong += 1
    return {
        "decoded": decoded,
        "rate": round(decoded / len(photos), 4),
        "wrong_payloads": wrong,
        "median_ms": round(float(np.median(times)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "by_stage": dict(stages),
    }
