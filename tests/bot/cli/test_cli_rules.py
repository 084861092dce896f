"""`safecommunity rule …`: add, list, disable, and a rules file checked with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.usefixtures("ready")
def test_add_list_and_disable_a_rule(cli) -> None:
    added = cli(
        "rule", "add", "--name", "doors at night", "--kind", "stranger", "--layers", "3",
        "--count", "3", "--minutes", "10", "--window", "mon-sun 22:00-06:00",
    )  # fmt: skip
    assert added.code == 0, added.err
    rule_id = added.out.split()[2].rstrip(":")
    listed = cli("rule", "list")
    for words in ("doors at night", "stranger", "layers 3", "3× in 10 min", "mon-sun 22:00-06:00"):
        assert words in listed.out
    again = cli("rule", "add", "--name", "doors at night", "--kind", "stranger")
    assert again.code == 1
    disabled = cli("rule", "disable", "--id", rule_id)
    assert disabled.code == 0, disabled.err
    row = next(line for line in cli("rule", "list").out.splitlines() if "doors at night" in line)
    assert " no " in row


@pytest.mark.usefixtures("ready")
def test_add_refuses_bad_fields_with_what_to_do(cli) -> None:
    bad = cli("rule", "add", "--name", "x", "--kind", "stranger", "--window", "funday 22:00-06:00")
    assert bad.code == 1
    assert "unknown day" in bad.err
    counted = cli("rule", "add", "--name", "y", "--kind", "care", "--count", "3")
    assert "only stranger rules count sightings" in counted.err


@pytest.mark.usefixtures("ready")
def test_the_example_rules_file_loads_and_loading_again_updates(cli) -> None:
    example = str(REPO / "examples" / "rules.yaml")
    assert "3 rule(s), no problems" in cli("rule", "load", example, "--check").out
    assert "3 rule(s) added, 0 updated" in cli("rule", "load", example).out
    assert "0 rule(s) added, 3 updated" in cli("rule", "load", example).out
    assert "key persons at the gates" in cli("rule", "list").out


@pytest.mark.usefixtures("ready")
def test_problems_in_a_rules_file_are_shown_with_their_lines(cli, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - name: nights\n"
        "    kind: strange\n"  # line 3
        "    windows:\n"
        "      - days: funday\n"  # line 5
        "        start: '22:00'\n"
        "  - name: gates\n"
        "    kind: care\n"
        "    count: 2\n"  # line 9
        "    colour: red\n",  # line 10
        encoding="utf-8",
    )
    result = cli("rule", "load", str(path))
    assert result.code == 1
    for expected in (
        f"{path}:3: kind: one of",
        f"{path}:5: windows: unknown day in 'funday'",
        f"{path}:9: count: only stranger rules count sightings",
        f"{path}:10: colour: unknown field",
    ):
        assert expected in result.err, result.err
    assert "no rules yet" in cli("rule", "list").out  # nothing was loaded
    path.write_text("rules:\n  - name: x\n\tkind: care\n", encoding="utf-8")
    assert f"{path}:3: indent with spaces" in cli("rule", "load", str(path)).err
