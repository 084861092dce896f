"""`safecommunity bench alerts` end to end with tiny counts: the report's shape, not its speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.bench.alerts import QUICK, run_alerts_bench
from bot.cli.app import build_parser
from bot.cli.launch import alerts_bench_argv
from core.settings import Settings

pytestmark = pytest.mark.slow


async def test_the_alerts_bench_runs_end_to_end(settings: Settings, tmp_path: Path) -> None:
    lines: list[str] = []
    out = tmp_path / "bench-alerts.json"
    in_process = settings.model_copy(update={"recognition_workers": 0})
    report = await run_alerts_bench(QUICK, settings=in_process, json_path=out,
                                    progress=lines.append)  # fmt: skip

    assert json.loads(out.read_text()) == report
    steady, hot = report["steady"], report["overload"]
    assert steady["accepted"] == round(QUICK.rate * QUICK.seconds)
    assert steady["delivered"] == steady["accepted"]
    assert steady["lost"] == 0
    assert steady["undelivered"] == 0
    assert steady["p50_ms"] <= steady["p95_ms"] <= steady["p99_ms"]
    assert steady["sustained_per_second"] > 0
    assert hot["offered_per_second"] == QUICK.rate * QUICK.overload
    assert hot["accepted"] + hot["refused_503"] == round(hot["offered_per_second"] * QUICK.seconds)
    assert hot["other_errors"] == 0
    assert hot["lost"] == 0
    assert hot["undelivered"] == 0
    assert hot["delivered"] == hot["accepted"]
    table = "\n".join(lines)
    assert "[steady]" in table
    assert "[overload]" in table
    assert f"report written to {out}" in table


def test_the_cli_passes_its_options_to_the_alerts_bench() -> None:
    args = build_parser().parse_args(
        ["bench", "alerts", "--quick", "--json", "a.json", "--flood-limit"]
    )
    assert alerts_bench_argv(args) == ["--json", "a.json", "--flood-limit", "--quick"]
