"""seed-demo, and the lazy hand-over to the runtime, the demo and the benchmark."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from core.demo import DEMO_CAMERAS


@pytest.mark.usefixtures("ready")
def test_seed_demo_twice(cli, ready: Path) -> None:
    first = cli("seed-demo")
    assert first.code == 0, first.err
    assert "seeded the demo community 安宁社区" in first.out
    assert "12 houses" in first.out
    assert "1001 陈建国 (admin)" in first.out
    assert "18/18" in first.err
    tokens = json.loads((ready / "demo-cameras.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in tokens["cameras"]] == [c[0] for c in DEMO_CAMERAS]
    assert (ready / "demo-cameras.json").stat().st_mode & 0o777 == 0o600

    second = cli("seed-demo")
    assert second.code == 0
    assert "already seeded" in second.out
    assert second.err == ""
    houses = cli("house", "list")
    assert "12 houses" in houses.out
    members = cli("member", "list")
    assert members.out.count("cadre") == 3


@pytest.mark.usefixtures("ready")
def test_seed_demo_refuses_a_database_with_houses(cli) -> None:
    examples = Path(__file__).resolve().parents[3] / "examples" / "houses.csv"
    assert cli("house", "import", str(examples)).code == 0
    result = cli("seed-demo")
    assert result.code == 1
    assert "houses" in result.err
    assert "empty data dir" in result.err


def _fake_module(monkeypatch: pytest.MonkeyPatch, name: str, **attributes: object) -> None:
    module = types.ModuleType(name)
    for key, value in attributes.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, name, module)


@pytest.mark.usefixtures("ready")
def test_run_hands_the_settings_to_the_runtime(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    _fake_module(monkeypatch, "bot.runtime", run=lambda settings: seen.append(settings) or 3)
    assert cli("run").code == 3
    assert seen[0].data_dir.name == "var"


@pytest.mark.usefixtures("ready")
def test_demo_may_be_a_coroutine(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    async def run_demo(settings: object) -> int:
        return 0

    _fake_module(monkeypatch, "bot.demo", run_demo=run_demo)
    assert cli("demo").code == 0


def test_bench_forwards_its_options(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    _fake_module(
        monkeypatch, "recognition.bench.runner", main=lambda argv: calls.append(argv) or 0
    )
    assert cli("bench", "recognition", "--data", "/d", "--json", "out.json", "--quick").code == 0
    assert calls == [["--data", "/d", "--json", "out.json", "--quick"]]


def test_a_missing_runtime_is_one_line(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bot.runtime", None)  # import raises ImportError
    result = cli("run")
    assert result.code == 1
    assert result.err.startswith("error: bot.runtime.run is not available")
    assert result.err.count("\n") == 1


def test_an_unexpected_error_has_no_traceback(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(argv: list[str]) -> int:
        raise RuntimeError("boom\nsecond line")

    _fake_module(monkeypatch, "recognition.bench.runner", main=explode)
    result = cli("bench", "recognition")
    assert result.code == 1
    assert result.err == "error: RuntimeError: boom (--debug shows the traceback)\n"
    with pytest.raises(RuntimeError):
        cli("--debug", "bench", "recognition")
