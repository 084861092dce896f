"""The rules file read with PyYAML: values keep their lines, problems say `line N: …`."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.models import AlertKind
from core.services.alerts.rulefile import RuleFileError, load, parse_file

REPO = Path(__file__).resolve().parents[2]


def problems(text: str) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        parse_file(text)
    return caught.value.problems


def test_the_example_file_parses() -> None:
    specs = parse_file((REPO / "examples" / "rules.yaml").read_text(encoding="utf-8"))
    assert [s.kind for s in specs] == [
        AlertKind.STRANGER,
        AlertKind.PERSON_OF_INTEREST,
        AlertKind.WATCHED_VEHICLE,
    ]
    assert specs[0].windows == ({"days": "mon-sun", "start": "22:00", "end": "06:00"},)


def test_lines_of_keys_and_items() -> None:
    document = load("rules:\n  - name: x\n\n    kind: care\n  - {name: y}\n")
    rules = document["rules"]
    assert (document.lines["rules"], rules.lines) == (1, [2, 5])
    assert rules[0].lines == {"name": 2, "kind": 4}


def test_plain_times_stay_text_and_flow_windows_work() -> None:
    (spec,) = parse_file(
        "rules:\n  - name: n\n    kind: stranger\n"
        "    windows: [{days: fri, start: 22:00, end: 06:00}]\n"
    )
    assert spec.windows == ({"days": "fri", "start": "22:00", "end": "06:00"},)


def test_merge_keys_may_be_overridden_but_a_field_twice_is_refused() -> None:
    base = "defaults: &d\n  kind: care\n  severity: high\nrules:\n"
    (spec,) = parse_file(base + "  - <<: *d\n    name: x\n    severity: low\n")
    assert (spec.kind, spec.severity) == (AlertKind.CARE, "low")
    assert problems(base + "  - name: x\n    kind: care\n    name: y\n") == [
        "line 7: 'name' is given twice"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules:\n  - name: x\n\tkind: care\n", "line 3: indent with spaces, not tabs"),
        ("rules:\n  - name: x\n    kind: a: b\n", "line 3: mapping values are not allowed here"),
        ("rules:\n  - name: x\n    layers: [1, 2\n", "line 4: expected ',' or ']'"),
        ("rules: []\n---\nrules: []\n", "line 2: expected a single document in the stream"),
        ("rules:\n  - !!python/object:os.system x\n", "line 2: could not determine a constructor"),
        ("rules:\n  - name: x\n    ? [a]\n    : b\n", "line 3: a key is a plain name"),
        ("", "line 1: the file needs a 'rules:' list"),
        ("# a comment\nrule: []\n", "line 2: the file needs a 'rules:' list"),
        ("# nothing\n\nrules: 3\n", "line 3: the file needs a 'rules:' list"),
        ("rules:\n  - name: x\n    kind: care\n  - just text\n", "line 4: a rule is a set of"),
    ],
)
def test_problems_have_lines(text: str, expected: str) -> None:
    found = problems(text)
    assert len(found) == 1
    assert found[0].startswith(expected), found


def test_aliases_are_shared_not_expanded() -> None:
    layers = "a: &a [1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
        for i in range(12)
    )
    assert load(layers + "rules: []\n")["rules"] == []
