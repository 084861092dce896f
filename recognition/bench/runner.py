"""`safecommunity bench recognition`: every recognition benchmark, a table, and a JSON report.

Sections: QR (seeded synthetic card photos), plates (`data_dir/plates`), faces and gallery
(`recognition.bench.faces` / `.gallery`), and the pool (throughput through `RecognitionCore`
with 1 and 2 workers, and its overhead over the same calls made directly in-process). The
targets are printed next to the measurements; they are goals, not assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from recognition.bench.plates import bench_plates
from recognition.bench.qr import bench_qr
from recognition.bench.synth import plate_scene, qr_photos
from recognition.config import RecognitionConfig
from recognition.core import RecognitionCore, engines_for
from recognition.images import encode_jpeg, load_rgb

Progress = Callable[[str], None]
FACE_FOLDERS = ("faces_east_asian", "faces")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def run_bench(
    data_dir: Path | None,
    json_path: Path | None,
    *,
    progress: Progress = print,
    workers: Sequence[int] = (1, 2),
    quick: bool = False,
) -> dict[str, Any]:
    """Run every section, print the summary table through `progress`, write `json_path`."""
    started = time.perf_counter()
    report: dict[str, Any] = {"meta": _meta(data_dir, quick)}
    report["qr"] = bench_qr(
        progress, moderate=12 if quick else 100, harsh=6 if quick else 100, stages_alone=not quick
    )
    report["plates"] = bench_plates(
        data_dir, progress, limit=4 if quick else None, upscale_limit=1 if quick else None,
        compare_stock=not quick,
    )
    report["faces"] = _faces_section(data_dir, progress, quick)
    report["gallery"] = _gallery_section(progress)
    report["pool"] = asyncio.run(bench_pool(data_dir, workers, progress, quick=quick))
    report["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    report["summary"] = summary_rows(report)
    for line in format_table(report["summary"]):
        progress(line)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        progress(f"report written to {json_path}")
    return report


# The shared real-image set sits beside the checkout; look beside the cwd, then the code.
DEFAULT_DATA_DIRS = (
    Path("../shared/data"),
    Path(__file__).resolve().parents[2].parent / "shared" / "data",
)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="safecommunity bench recognition", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder with plates/, faces/ … (default: ../shared/data when it exists)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the full report here")
    parser.add_argument("--quick", action="store_true", help="a few images per section")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="pool sizes to measure"
    )
    args = parser.parse_args(argv)
    if args.data is not None and not args.data.is_dir():
        parser.error(f"--data {args.data} is not a folder")
    if args.data is None:
        args.data = next((p for p in DEFAULT_DATA_DIRS if p.is_dir()), None)
    run_bench(args.data, args.json, workers=tuple(args.workers), quick=args.quick)
    return 0


# pool -----------------------------------------------------------------------------------


async def bench_pool(
    data_dir: Path | None, workers: Sequence[int], progress: Progress, *, quick: bool
) -> dict[str, Any]:
    """The same mixed jobs (QR, plates, faces) run directly in this process one after another,
    and through `RecognitionCore` for each worker count: one after another (the per-call cost
    of the pool: pickling, IPC) and all submitted at once (throughput)."""
    jobs = _pool_jobs(data_dir, quick)
    faces = any(kind == "faces" for kind, _ in jobs)
    config = RecognitionConfig(workers=0, queue_size=len(jobs) + 4, preload_faces=faces)
    direct_calls: dict[str, Callable[[bytes], object]] = {
        "qr": lambda d: engines_for(config).qr.decode(load_rgb(d)),
        "plates": lambda d: engines_for(config).plates.read(load_rgb(d)),
        "faces": lambda d: engines_for(config).faces.analyze(load_rgb(d)),
    }

    def run_direct() -> float:
        started = time.perf_counter()
        for kind, data in jobs:
            direct_calls[kind](data)
        return time.perf_counter() - started

    for kind, data in _one_per_kind(jobs):  # load the models before timing
        direct_calls[kind](data)
    direct = run_direct()
    report: dict[str, Any] = {
        "jobs": dict(sorted({kind: sum(k == kind for k, _ in jobs) for kind, _ in jobs}.items())),
        "workers": {},
    }
    for count in workers:
        core = RecognitionCore(replace(config, workers=count))
        started = time.perf_counter()
        await core.start()
        start_s = time.perf_counter() - started
        try:
            calls: dict[str, Callable[[bytes], Awaitable[object]]] = {
                "qr": core.decode_qr, "plates": core.read_plates, "faces": core.analyze_faces,
            }
            await asyncio.gather(*(calls[kind](data) for kind, data in _one_per_kind(jobs)))
            started = time.perf_counter()
            for kind, data in jobs:
                await calls[kind](data)
            sequential = time.perf_counter() - started
            started = time.perf_counter()
            await asyncio.gather(*(calls[kind](data) for kind, data in jobs))
            wall = time.perf_counter() - started
        finally:
            await core.close()
        report["workers"][str(count)] = {
            "start_s": round(start_s, 2),
            "sequential_s": round(sequential, 3),
            "concurrent_s": round(wall, 3),
            "jobs_per_s": round(len(jobs) / wall, 2),
        }
        progress(f"pool: {count} worker(s): {len(jobs) / wall:.1f} jobs/s")
    direct = min(direct, run_direct())  # before and after the pools: the quieter run counts
    report["direct_s"] = round(direct, 3)
    for entry in report["workers"].values():
        entry["sequential_vs_direct"] = round(entry["sequential_s"] / direct, 3)
        entry["overhead_ms_per_call"] = round(
            (entry["sequential_s"] - direct) * 1000 / len(jobs), 2
        )
        entry["speedup_vs_direct"] = round(direct / entry["concurrent_s"], 2)
    progress(f"pool: {len(jobs)} jobs directly in-process: {direct:.2f} s")
    return report


def _pool_jobs(data_dir: Path | None, quick: bool) -> list[tuple[str, bytes]]:
    jobs = [("qr", photo.jpeg) for photo in qr_photos("moderate", 3 if quick else 10, seed=7)]
    plates = sorted((data_dir / "plates").glob("*")) if data_dir else []
    plate_files = [p for p in plates if p.suffix.lower() in IMAGE_SUFFIXES][: 2 if quick else 8]
    jobs += [("plates", path.read_bytes()) for path in plate_files]
    if not plate_files:
        rng = np.random.default_rng(5)
        scenes = [plate_scene(text, rng) for text in ("京A12345", "沪B7C2D9")]
        jobs += [("plates", encode_jpeg(scene)) for scene in scenes if scene is not None]
    jobs += [("faces", data) for data in _face_images(data_dir, 1 if quick else 6)]
    return jobs


def _one_per_kind(jobs: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    return list({kind: (kind, data) for kind, data in reversed(jobs)}.values())


def _face_images(data_dir: Path | None, count: int) -> list[bytes]:
    if data_dir is None:
        return []
    paths = [
        path
        for folder in FACE_FOLDERS
        for path in sorted((data_dir / folder).glob("*"))
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
    return [path.read_bytes() for path in paths[:count]]


# the other engineer's sections ----------------------------------------------------------


def _faces_section(data_dir: Path | None, progress: Progress, quick: bool) -> dict[str, Any]:
    try:
        from recognition.bench.faces import bench_faces
    except ImportError as exc:
        return {"skipped": f"faces benchmark unavailable: {exc}"}
    if quick:  # stage timings on two photos, no accuracy pass
        return bench_faces(None, _face_images(data_dir, 2), progress)
    return bench_faces(data_dir, [], progress)


def _gallery_section(progress: Progress) -> dict[str, Any]:
    try:
        from recognition.bench.gallery import bench_gallery
    except ImportError as exc:
        return {"skipped": f"gallery benchmark unavailable: {exc}"}
    return bench_gallery(progress)


# summary --------------------------------------------------------------------------------

Row = tuple[str, str, str, str]  # measurement, value, target, verdict


def summary_rows(report: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []

    def add(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append((name, value, target, "" if ok is None else ("ok" if ok else "MISSED")))

    for severity, entry in report.get("qr", {}).get("sets", {}).items():
        for name in ("cascade", "pyzbar"):
            if name in entry:
                r = entry[name]
                value = f"{r['decoded']}/{entry['photos']} ({r['rate']:.0%}), {r['median_ms']} ms"
                if severity == "moderate" and name == "cascade":
                    ok = r["rate"] >= 0.98 and r["median_ms"] <= 25
                    add(f"QR {severity}, {name}", value, "≥ 98 %, ≤ 25 ms", ok)
                else:
                    add(f"QR {severity}, {name}", value)
    faces = report.get("faces", {})
    for stage, stats in faces.get("stages_ms", {}).items():
        add(f"faces: {stage}", f"median {stats.get('median')} ms, p95 {stats.get('p95')} ms")
    ratio = faces.get("overhead", {}).get("ratio")
    if ratio is not None:
        add("faces: pipeline / bare dlib", f"{ratio}×", "≤ 1.15×", ratio <= 1.15)
    for name, stats in faces.get("accuracy", {}).items():
        fa = stats.get("false_accepts")
        value = f"{fa} false accepts in MATCH ({stats.get('different_pairs')} different pairs)"
        add(f"faces: {name}", value, "0", fa == 0)
    gallery_100k = report.get("gallery", {}).get("sizes", {}).get("100000", {})
    if gallery_100k:
        median = gallery_100k["search_ms"]["median"]
        add("gallery: search 100k", f"{median} ms", "≤ 20 ms", median <= 20)
    plates = report.get("plates", {})
    if "plates" in plates:
        count = plates["plates"]
        add("plates: exact", f"{plates['exact']}/{count}")
        add("plates: last six", f"{plates['last_six']}/{count}")
        rate = plates["watchlist_hit_rate"] or 0.0
        false_hits = plates["watchlist_false_hits"]
        value = f"{plates['watchlist_hits']}/{count} ({rate:.0%}), {false_hits} false"
        add("plates: watchlist hits", value, "≥ 95 %", rate >= 0.95)
        worst_ms, worst_file = plates["worst"]
        value = f"{worst_ms} ms ({worst_file}); 12 MP median {plates['ms_12mp']['median']} ms"
        add("plates: slowest photo", value, "≤ 1000 ms", worst_ms <= 1000)
        stock = plates.get("stock_clpsystem", {})
        if "exact" in stock:
            add("plates: stock CLPSystem", f"exact {stock['exact']}/{count}, "
                f"last six {stock['last_six']}/{count}")
    for count, entry in report.get("pool", {}).get("workers", {}).items():
        add(f"pool: {count} worker(s)", f"{entry['jobs_per_s']} jobs/s "
            f"({entry['speedup_vs_direct']}× direct); one at a time "
            f"{entry['sequential_vs_direct']}× direct, {entry['overhead_ms_per_call']} ms/call")
    return rows


def format_table(rows: list[Row]) -> list[str]:
    headers: Row = ("measurement", "measured", "target", "")
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(4)]

    def line(row: Row) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))

    return [line(headers), "-+-".join("-" * width for width in widths), *map(line, rows)]


def _meta(data_dir: Path | None, quick: bool) -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "data_dir": str(data_dir) if data_dir else None,
        "quick": quick,
        "versions": {
            name: installed(name)
            for name in ("numpy", "opencv-python", "onnxruntime", "zxing-cpp", "pyzbar",
                         "agentclpr", "dlib-bin", "insightface")
        },
    }
