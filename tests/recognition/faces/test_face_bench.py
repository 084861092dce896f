"""The bench sections return plain JSON-able dicts (run small here; the runner runs them full)."""

from __future__ import annotations

import json

import pytest

from recognition.bench import gallery as gallery_bench
from recognition.bench.faces import bench_faces
from recognition.faces import DlibFaceEngine
from recognition.images import encode_jpeg
from tests.recognition.faces._faces_support import insightface_image

pytestmark = pytest.mark.slow


def test_bench_faces_reports_stages_and_overhead(dlib_engine: DlibFaceEngine) -> None:
    lines: list[str] = []
    image = encode_jpeg(insightface_image("Tom_Hanks_54745.png"))
    report = bench_faces(None, [image], lines.append)
    json.dumps(report)
    assert report["faces_embedded"] == 1
    assert set(report["stages_ms"]) == {"decode", "detect", "embed", "match"}
    assert report["stages_ms"]["embed"]["n"] == 1
    assert report["overhead"]["ratio"] > 0
    assert "accuracy" not in report
    assert lines


def test_bench_gallery_compares_with_the_numpy_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gallery_bench, "SIZES", (500, 2000))
    report = gallery_bench.bench_gallery(lambda _line: None)
    json.dumps(report)
    assert set(report["sizes"]) == {"500", "2000"}
    for size in report["sizes"].values():
        assert size["same_results_as_baseline"]
        assert size["ratio_vs_baseline"] > 0
