"""The recognition benchmark: a quick run writes every section and the summary table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recognition.bench.runner import format_table, main, run_bench, summary_rows


def test_quick_run_reports_every_section(tmp_path: Path, shared_data_or_none: Path | None) -> None:
    lines: list[str] = []
    out = tmp_path / "bench" / "report.json"
    report = run_bench(shared_data_or_none, out, progress=lines.append, workers=(1,), quick=True)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert set(written) >= {"meta", "qr", "plates", "faces", "gallery", "pool", "summary"}
    moderate = report["qr"]["sets"]["moderate"]
    assert moderate["photos"] == 12
    assert moderate["cascade"]["decoded"] >= 11
    assert moderate["cascade"]["wrong_payloads"] == 0
    assert report["pool"]["workers"]["1"]["jobs_per_s"] > 0
    assert report["meta"]["quick"] is True
    table = "\n".join(lines)
    assert "QR moderate, cascade" in table
    assert "≥ 98 %, ≤ 25 ms" in table
    if shared_data_or_none is not None:
        assert report["plates"]["plates"] == 4
        assert report["plates"]["exact"] >= 3
        assert "plates: slowest photo" in table


def test_summary_table_marks_targets() -> None:
    report = {
        "qr": {"sets": {"moderate": {"photos": 10, "cascade": {
            "decoded": 9, "rate": 0.9, "median_ms": 5.0}}}},
        "gallery": {"sizes": {"100000": {"search_ms": {"median": 3.0}}}},
    }
    rows = summary_rows(report)
    assert rows == [
        ("QR moderate, cascade", "9/10 (90%), 5.0 ms", "≥ 98 %, ≤ 25 ms", "MISSED"),
        ("gallery: search 100k", "3.0 ms", "≤ 20 ms", "ok"),
    ]
    table = format_table(rows)
    assert len(table) == 4
    assert len({len(line) for line in table}) == 1  # aligned columns


def test_cli_entry_rejects_a_missing_data_folder(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--data", str(tmp_path / "absent"), "--quick"])
    assert exit_info.value.code == 2
