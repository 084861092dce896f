"""Face benchmark section: stage timings, pipeline overhead over bare dlib calls, accuracy.

Accuracy runs on labelled folders (`labels.csv` with `identity` or `identities_left_to_right`,
`;`-separated left to right for group photos). Faces without a label count as distinct people.
Photos whose note says "not independent" (composites of other photos of the set) are left out
of same-person pairs, which would otherwise compare a picture with itself.
"""

from __future__ import annotations

import csv
import itertools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recognition.faces.base import FaceEngine, FaceMatchConfig, MatchBand
from recognition.faces.dlib_backend import (
    HOG_WINDOW,
    DlibFaceEngine,
    load_models,
    needs_upsample_pass,
)
from recognition.faces.factory import create_face_engine
from recognition.gallery import Gallery
from recognition.images import RGBImage, downscale, load_rgb

Progress = Callable[[str], None]
ACCURACY_SETS = ("faces_east_asian", "faces")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
REPEATS = 2  # per image for the overhead ratio; the faster run counts (the cores are shared)
MATCH_FILLER = 1000  # random entries in the gallery the match stage searches


@dataclass(frozen=True, slots=True)
class LabelledFace:
    file: str
    identity: str
    independent: bool
    embedding: np.ndarray[Any, np.dtype[np.float32]]


def read_labels(folder: Path) -> list[tuple[str, list[str], str]]:
    """(file, identities left to right, note) rows of `folder/labels.csv`."""
    with (folder / "labels.csv").open(encoding="utf-8", newline="") as handle:
        rows = []
        for row in csv.DictReader(handle):
            names = row.get("identities_left_to_right") or row.get("identity") or ""
            identities = [name.strip() for name in names.split(";") if name.strip()]
            rows.append((row["file"], identities, row.get("note") or ""))
        return rows


def labelled_faces(
    engine: FaceEngine, folder: Path, progress: Progress | None = None
) -> tuple[list[LabelledFace], dict[str, Any]]:
    """Embeddings of the usable faces of a labelled folder, plus what was left out and why."""
    faces: list[LabelledFace] = []
    rejected: Counter[str] = Counter()
    mismatched: list[str] = []
    for file, identities, note in read_labels(folder):
        image = load_rgb((folder / file).read_bytes())
        found = engine.detect(image)
        by_x = sorted(found, key=lambda face: face.box.left)
        if len(identities) == len(by_x):
            names = dict(zip(map(id, by_x), identities, strict=True))
        elif len(identities) == 1 and found:
            names = {id(found[0]): identities[0]}  # the largest face is the labelled person
        else:
            names = {}
            if identities:
                mismatched.append(f"{file}: {len(identities)} labels, {len(found)} faces")
        for number, face in enumerate(by_x):
            if not face.quality.ok:
                rejected[face.quality.problems[0]] += 1
                continue
            result = engine.embed(image, face)
            identity = names.get(id(face), f"?{file}#{number}")
            independent = "not independent" not in note
            faces.append(LabelledFace(file, identity, independent, result.embedding))
        if progress:
            progress(f"  {folder.name}/{file}: {len(found)} face(s)")
    return faces, {"rejected_by_quality": dict(rejected), "label_mismatch": mismatched}


def pair_stats(faces: Sequence[LabelledFace], config: FaceMatchConfig) -> dict[str, Any]:
    """Pair counts per band; FA = different pairs in MATCH, FR = same pairs in NO_MATCH."""
    bands: dict[str, Counter[str]] = {"same": Counter(), "different": Counter()}
    same_scores: list[tuple[float, str]] = []
    different_scores: list[tuple[float, str]] = []
    for a, b in itertools.combinations(faces, 2):
        same = a.identity == b.identity and not a.identity.startswith("?")
        if same and not (a.independent and b.independent):
            continue
        similarity = float(np.dot(a.embedding, b.embedding))
        kind = "same" if same else "different"
        bands[kind][config.band(similarity).value] += 1
        (same_scores if same else different_scores).append(
            (round(config.score(similarity), 4), f"{a.file}~{b.file}")
        )
    distances = config.metric == "euclidean"  # hardest first: far same, close different
    same_scores.sort(reverse=distances)
    different_scores.sort(reverse=not distances)
    return {
        "faces": len(faces),
        "same_pairs": sum(bands["same"].values()),
        "different_pairs": sum(bands["different"].values()),
        "false_accepts": bands["different"][MatchBand.MATCH.value],
        "false_rejects": bands["same"][MatchBand.NO_MATCH.value],
        "same_in_possible": bands["same"][MatchBand.POSSIBLE.value],
        "different_in_possible": bands["different"][MatchBand.POSSIBLE.value],
        "same_in_match": bands["same"][MatchBand.MATCH.value],
        "hardest_same": same_scores[:3],
        "hardest_different": different_scores[:3],
        "thresholds": {
            "metric": config.metric.value,
            "match": config.match_threshold,
            "possible": config.possible_threshold,
        },
    }


def accuracy(
    engine: FaceEngine, data_dir: Path, progress: Progress | None = None
) -> dict[str, Any]:
    """pair_stats per labelled set under `data_dir`, and over all of them together."""
    report: dict[str, Any] = {}
    everything: list[LabelledFace] = []
    for name in ACCURACY_SETS:
        folder = data_dir / name
        if not (folder / "labels.csv").is_file():
            continue
        faces, left_out = labelled_faces(engine, folder, progress)
        report[name] = pair_stats(faces, engine.match_config) | left_out
        everything += faces
    if len(report) > 1:
        report["all_sets"] = pair_stats(everything, engine.match_config)
    return report


def bench_faces(data_dir: Path | None, images: list[bytes], progress: Progress) -> dict[str, Any]:
    """Median/p95 per stage, overhead over bare dlib calls, and accuracy when data is present."""
    engine = create_face_engine()
    started = time.perf_counter()
    engine.warmup()
    load_ms = (time.perf_counter() - started) * 1000
    if not images and data_dir is not None:
        images = _dataset_images(data_dir)
    stages: dict[str, list[float]] = {"decode": [], "detect": [], "embed": [], "match": []}
    decoded: list[RGBImage] = []
    embeddings = []
    for number, data in enumerate(images, 1):
        image = _timed(stages["decode"], load_rgb, data)
        decoded.append(image)
        faces = _timed(stages["detect"], engine.detect, image)
        for face in faces:
            if face.quality.ok:
                embeddings.append(_timed(stages["embed"], engine.embed, image, face).embedding)
        progress(f"faces: image {number}/{len(images)}: {len(faces)} face(s)")
    if embeddings:
        gallery = Gallery(engine.embedding_size)
        filler = np.random.default_rng(0).standard_normal((MATCH_FILLER, engine.embedding_size))
        named = [(f"e{number}", vector) for number, vector in enumerate(embeddings)]
        gallery.rebuild([*enumerate(filler), *named])
        for embedding in embeddings:
            _timed(stages["match"], gallery.search, embedding, 5)
    report: dict[str, Any] = {
        "backend": engine.name,
        "model_load_ms": round(load_ms, 1),
        "images": len(images),
        "faces_embedded": len(embeddings),
        "stages_ms": {name: _summary(values) for name, values in stages.items()},
    }
    if isinstance(engine, DlibFaceEngine) and decoded:
        progress("faces: pipeline vs bare dlib calls")
        report["overhead"] = _overhead(engine, decoded)
    if data_dir is not None:
        report["accuracy"] = accuracy(engine, data_dir, progress)
    return report


def bare_dlib(engine: DlibFaceEngine, image: RGBImage) -> int:
    """The same model calls as `analyze(include_unusable=True)` without the pipeline around."""
    config = engine.config
    models = load_models(config.models_dir)
    small, scale = downscale(image, config.detect_max_side)
    rects = list(models.detector.run(small, 0, config.adjust_threshold)[0])
    if needs_upsample_pass(small.shape[0] * small.shape[1], bool(rects), config):
        more = models.detector.run(small, 1, config.adjust_threshold)[0]
        rects += [
            r
            for r in more
            if not rects
            or (
                min(r.width(), r.height()) < HOG_WINDOW
                and not any(o.contains(r.center()) for o in rects)
            )
        ]
    import dlib

    for rect in rects[: config.max_faces]:
        full = dlib.rectangle(
            round(rect.left() / scale),
            round(rect.top() / scale),
            round(rect.right() / scale),
            round(rect.bottom() / scale),
        )
        shape = models.predictor(image, full)
        models.recognizer.compute_face_descriptor(image, shape, config.num_jitters)
    return len(rects)


def _overhead(engine: DlibFaceEngine, decoded: list[RGBImage]) -> dict[str, Any]:
    pipeline: list[float] = []
    bare: list[float] = []
    for image in decoded:
        runs: dict[str, list[float]] = {"pipeline": [], "bare": []}
        for _ in range(REPEATS):
            _timed(runs["pipeline"], engine.analyze, image, include_unusable=True)
            _timed(runs["bare"], bare_dlib, engine, image)
        pipeline.append(min(runs["pipeline"]))
        bare.append(min(runs["bare"]))
    return {
        "pipeline_total_ms": round(sum(pipeline), 1),
        "bare_total_ms": round(sum(bare), 1),
        "ratio": round(sum(pipeline) / sum(bare), 3) if sum(bare) else None,
        "target_ratio": 1.15,
    }


def _timed(sink: list[float], function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    sink.append((time.perf_counter() - started) * 1000)
    return result


def _summary(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "median": None, "p95": None}
    return {
        "n": len(values),
        "median": round(float(np.median(values)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
    }


def _dataset_images(data_dir: Path) -> list[bytes]:
    return [
        path.read_bytes()
        for name in ACCURACY_SETS
        for path in sorted((data_dir / name).glob("*"))
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
