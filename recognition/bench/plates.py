"""Plate benchmark section: accuracy on `data_dir/plates/labels.csv` and time per photo.

- exact: a reading equals the label; last six: a reading ends with the label's last six
  characters (the province character is the reader's weak spot);
- watchlist: every labelled plate is on one watchlist; a hit is the tolerant best match
  (`best_match`) of the photo's readings being its own plate; a false hit is any other plate
  (the plate-less photo must hit nothing);
- time: from the file bytes (decode + detect + read), on each photo and on a 12-megapixel
  upscale of it (what a phone sends); target: none over 1 s.
- optionally agentclpr's stock `CLPSystem` on the same photos, for comparison.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from recognition.images import load_rgb
from recognition.plates import OnnxPlateReader, PlateReaderConfig, best_match
from recognition.plates.text import DEFAULT_LOCAL_PROVINCE

Progress = Callable[[str], None]
TWELVE_MP = 12_000_000
TARGET_MAX_MS = 1000.0
TARGET_WATCHLIST = 0.95


def read_labels(folder: Path) -> list[tuple[str, str]]:
    with (folder / "labels.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["file"], (row.get("plate") or "").strip()) for row in csv.DictReader(handle)]


def upscale_to(data: bytes, pixels: int = TWELVE_MP) -> bytes:
    """The photo resized to about `pixels` and saved as a quality-90 JPEG."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    factor = (pixels / (image.width * image.height)) ** 0.5
    size = (round(image.width * factor), round(image.height * factor))
    buffer = io.BytesIO()
    image.resize(size, Image.Resampling.BICUBIC).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def bench_plates(
    data_dir: Path | None,
    progress: Progress,
    *,
    limit: int | None = None,
    upscale_limit: int | None = None,
    local_province: str = DEFAULT_LOCAL_PROVINCE,
    max_distance: int = 1,
    compare_stock: bool = False,
) -> dict[str, Any]:
    folder = data_dir / "plates" if data_dir else None
    if folder is None or not (folder / "labels.csv").is_file():
        progress("plates: no labelled plates folder; section skipped")
        return {"skipped": "no data"}
    labels = read_labels(folder)[:limit]
    reader = OnnxPlateReader(PlateReaderConfig())
    started = time.perf_counter()
    reader.warmup()
    report: dict[str, Any] = {"model_load_ms": round((time.perf_counter() - started) * 1000, 1)}
    watchlist = [plate for _, plate in labels if plate]
    rows = []
    times: list[tuple[float, str]] = []
    big_times: list[tuple[float, str]] = []
    for number, (name, plate) in enumerate(labels):
        data = (folder / name).read_bytes()
        texts, elapsed = _timed_read(reader, data)
        times.append((elapsed, name))
        row: dict[str, Any] = {"file": name, "label": plate, "read": texts, "ms": elapsed}
        if upscale_limit is None or number < upscale_limit:
            big_texts, big_elapsed = _timed_read(reader, upscale_to(data))
            big_times.append((big_elapsed, name))
            row |= {"read_12mp": big_texts, "ms_12mp": big_elapsed}
        hits = [best_match(text, watchlist, max_distance=max_distance,
                           local_province=local_province) for text in texts]
        matched = {hit.watched for hit in hits if hit is not None}
        row["watch_hit"] = bool(plate) and plate in matched
        row["false_hit"] = bool(matched - {plate})
        rows.append(row)
        progress(f"plates: {name}: {plate or '-'} → {', '.join(texts) or '-'} ({elapsed:.0f} ms)")
    labelled = [row for row in rows if row["label"]]
    count = len(labelled)
    report |= {
        "photos": len(rows),
        "plates": count,
        "exact": sum(row["label"] in row["read"] for row in labelled),
        "last_six": sum(any(t[-6:] == row["label"][-6:] for t in row["read"]) for row in labelled),
        "watchlist_hits": sum(row["watch_hit"] for row in labelled),
        "watchlist_false_hits": sum(row["false_hit"] for row in rows),
        "plateless_photos_with_reading": sum(
            bool(row["read"]) for row in rows if not row["label"]
        ),
        "exact_12mp": sum(row["label"] in row.get("read_12mp", ()) for row in labelled
                          if "read_12mp" in row),
        "upscaled_photos": len(big_times),
        "ms": _stats([t for t, _ in times]),
        "ms_12mp": _stats([t for t, _ in big_times]),
        "worst": max([*times, *big_times], default=(0.0, "")),
        "settings": {"local_province": local_province, "max_distance": max_distance},
        "rows": rows,
    }
    report["watchlist_hit_rate"] = round(report["watchlist_hits"] / count, 4) if count else None
    report["target"] = {"max_ms": TARGET_MAX_MS, "watchlist_hit_rate": TARGET_WATCHLIST}
    if compare_stock:
        report["stock_clpsystem"] = _stock(folder, labels, progress)
    return report


def _timed_read(reader: OnnxPlateReader, data: bytes) -> tuple[list[str], float]:
    started = time.perf_counter()
    readings = reader.read(load_rgb(data))
    return [r.text for r in readings], round((time.perf_counter() - started) * 1000, 1)


def _stock(folder: Path, labels: list[tuple[str, str]], progress: Progress) -> dict[str, Any]:
    """agentclpr's own pipeline on the same photos (full resolution, as it ships)."""
    import logging
    import warnings

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:  # agentocr sets the root logger to DEBUG with its own stdout handler on import
        from agentclpr import CLPSystem

        root.setLevel(logging.WARNING)
        with warnings.catch_warnings():  # its warm-up on a blank image warns about empty means
            warnings.simplefilter("ignore", RuntimeWarning)
            system = CLPSystem()
    except ImportError as exc:
        return {"skipped": str(exc)}
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
    exact = last_six = 0
    times = []
    for name, plate in labels:
        bgr = np.ascontiguousarray(load_rgb((folder / name).read_bytes())[..., ::-1])
        started = time.perf_counter()
        with warnings.catch_warnings():  # numpy warns on its empty text-box lists
            warnings.simplefilter("ignore", RuntimeWarning)
            texts = [str(item[1][0]) for item in system(bgr)]
        times.append((time.perf_counter() - started) * 1000)
        if plate:
            exact += plate in texts
            last_six += any(text[-6:] == plate[-6:] for text in texts)
    progress(f"plates: stock CLPSystem exact {exact}, last six {last_six}")
    return {"exact": exact, "last_six": last_six, "ms": _stats(times)}


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "p95": None, "max": None}
    return {
        "median": round(float(np.median(values)), 1),
        "p95": round(float(np.percentile(values, 95)), 1),
        "max": round(max(values), 1),
    }
