"""`safecommunity bench bot` end to end with tiny counts: the report's shape, not its speed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from bot.bench import QUICK, run_bot_bench
from bot.cli.app import build_parser
from bot.cli.launch import bot_bench_argv
from core.settings import Settings


async def test_the_bench_runs_end_to_end(settings: Settings, tmp_path: Path) -> None:
    lines: list[str] = []
    out = tmp_path / "bench-bot.json"
    in_process = settings.model_copy(update={"recognition_workers": 0})
    options = replace(QUICK, photos=2, megapixels=0.5)
    report = await run_bot_bench(
        options, settings=in_process, json_path=out, progress=lines.append
    )

    assert json.loads(out.read_text()) == report
    assert set(report["modes"]) == {"concurrent", "sequential"}
    for mode in report["modes"].values():
        assert mode["bare"]["per_second"] > 0
        for name in ("menu_tap", "visit_step"):
            assert mode[name]["per_second"] > 0
            assert mode[name]["ratio_to_bare"] > 0
        latency = mode["help_latency"]
        assert latency["idle"]["samples"] == QUICK.idle_samples
        assert latency["during_uploads"]["samples"] >= 1
        assert latency["during_uploads"]["photos"] == 2
        assert latency["p50_ratio_to_idle"] > 0
    assert report["modes"]["concurrent"]["menu_tap_unthrottled"]["per_second"] > 0
    profile = report["profile"]
    assert profile["updates"] > 0
    assert {"layer", "share", "s"} <= set(profile["layers"][0])
    assert profile["functions"]
    table = "\n".join(lines)
    assert "[concurrent] menu tap" in table
    assert "/help during 2 uploads" in table
    assert f"report written to {out}" in table


def test_the_cli_passes_its_options_to_the_bench() -> None:
    args = build_parser().parse_args(
        ["bench", "bot", "--quick", "--json", "b.json", "--users", "3", "--no-sequential"]
    )
    assert bot_bench_argv(args) == [
        "--json", "b.json", "--users", "3", "--quick", "--no-sequential",
    ]  # fmt: skip
