"""Alert rules as people write them: one rule's fields, checked, with line numbers.

The same fields serve `safecommunity rule add` and the rules file (`docs/rules.md`):

    rules:
      - name: strangers at doors at night   # unique; loading again updates it
        kind: stranger       # person_of_interest, care, missing_person, watched_vehicle, stranger
        layers: [3]          # defence layers (1 gates, 2 inner roads, 3 building doors)
        cameras: [door-3-1]  # camera ids
        grid: G1             # a grid's code
        list: 重点人员        # appears rules: a watchlist's name (default: every list of its kind)
        count: 3             # stranger: passages …
        minutes: 10          # … within this many minutes
        windows:             # weekly, in the community's time zone (none: always)
          - {days, start, end}   e.g. days: mon-fri, start: "22:00", end: "06:00"
        cooldown: 1800       # seconds one subject at one camera makes one alert
        severity: high       # low | normal | high
        min_band: match      # appears rules: no "please verify" alerts
        days: 3              # long_absence: not seen by any camera for this many days
        seconds: 10          # tailgating: an unauthorised entry this soon after an authorised one
        enabled: true
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core.models import AlertKind
from core.services.alerts.matching import LIST_OF_RULE
from core.services.alerts.scope import WindowError, parse_window

KINDS = {kind.value: kind for kind in [*LIST_OF_RULE, AlertKind.STRANGER, AlertKind.LONG_ABSENCE]}
SEVERITIES = ("low", "normal", "high")
FIELDS = frozenset(
    {
        "name",
        "kind",
        "enabled",
        "grid",
        "list",
        "layers",
        "cameras",
        "windows",
        "count",
        "minutes",
        "cooldown",
        "severity",
        "min_band",
        "days",
        "seconds",
    }
)
MAX_NAME = 80


class RuleFileError(ValueError):
    """Every problem found, each as 'line N: what is wrong' (or 'field: …' without a file)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RuleSpec:
    name: str
    kind: AlertKind
    enabled: bool = True
    grid: str | None = None
    watchlist: str | None = None
    layers: tuple[int, ...] = ()
    cameras: tuple[str, ...] = ()
    windows: tuple[dict[str, str], ...] = ()
    count: int | None = None
    minutes: int | None = None
    cooldown: int = 600
    severity: str = "normal"
    min_band: str | None = None
    days: int | None = None  # long_absence: not seen for this many days
    seconds: int | None = None  # tailgating: after an authorised entry
    extra: dict[str, Any] = field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "severity": self.severity}
        for key, value in (
            ("layers", list(self.layers)),
            ("cameras", list(self.cameras)),
            ("windows", [dict(w) for w in self.windows]),
            ("count", self.count),
            ("minutes", self.minutes),
            ("min_band", self.min_band),
            ("days", self.days),
            ("seconds", self.seconds),
        ):
            if value:
                out[key] = value
        return out


def parse_file(text: str) -> list[RuleSpec]:
    """The rules of a rules file; RuleFileError lists every problem with its line."""
    document = load(text)
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        line = getattr(document, "lines", {}).get("rules") or getattr(document, "line", 1)
        raise RuleFileError([f"line {line}: the file needs a 'rules:' list"])
    rules: LinedList = document["rules"]
    problems: list[str] = []
    specs: list[RuleSpec] = []
    names: dict[str, int] = {}
    for index, item in enumerate(rules):
        line = rules.lines[index]
        if not isinstance(item, dict):
            problems.append(f"line {line}: a rule is a set of 'field: value' lines")
            continue
        lines: dict[str, int] = getattr(item, "lines", {})
        found = check(item, _line_of(lines, line))
        if isinstance(found, RuleSpec):
            if found.name in names:
                problems.append(f"line {line}: the name {found.name!r} is used twice")
            names[found.name] = line
            specs.append(found)
        else:
            problems.extend(found)
    if problems:
        raise RuleFileError(problems)
    return specs


class LinedDict(dict[str, Any]):
    """A YAML mapping with its line (`line`) and the line of each key (`lines`)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[str, int] = {}


class LinedList(list[Any]):
    """A YAML sequence with its line (`line`) and the line of each item (`lines`)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


def load(text: str) -> Any:
    """The YAML document (PyYAML's safe loader), mappings and lists remembering their lines.

    Values are what `yaml.safe_load` gives, except that a plain `22:00` stays the text "22:00"
    (not YAML 1.1's sexagesimal 1320) and a key given twice is an error. Problems raise
    RuleFileError(["line N: …"]).
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        return None if root is None else _Builder().value(root)
    except yaml.MarkedYAMLError as exc:
        raise RuleFileError([_syntax_problem(exc)]) from exc
    except yaml.YAMLError as exc:  # e.g. a character YAML does not allow, without a mark
        raise RuleFileError([f"line 1: not valid YAML: {exc}"]) from exc


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _syntax_problem(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = exc.problem or exc.context or "not valid YAML"
    if "'\\t'" in problem:
        return f"line {line}: indent with spaces, not tabs"
    if exc.context and problem.startswith("but "):
        problem = f"{exc.context}, {problem}"  # "expected a single document …, but found …"
    elif exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
        problem += f" ({exc.context} on line {exc.context_mark.line + 1})"
    return f"line {line}: {problem}"


class _Builder:
    """Nodes → values; one value per node, so aliases share it (no billion laughs)."""

    def __init__(self) -> None:
        self.constructor = SafeConstructor()
        self.built: dict[int, Any] = {}

    def value(self, node: Node) -> Any:
        if id(node) in self.built:
            return self.built[id(node)]
        if isinstance(node, MappingNode):
            return self._mapping(node)
        if isinstance(node, SequenceNode):
            items = self.built[id(node)] = LinedList(_line(node))
            for item in node.value:
                items.append(self.value(item))
                items.lines.append(_line(item))
            return items
        assert isinstance(node, ScalarNode)
        value = self.constructor.construct_object(node)
        if node.style is None and ":" in node.value and isinstance(value, int | float):
            value = node.value  # 22:00 is a time, not 1320
        self.built[id(node)] = value
        return value

    def _mapping(self, node: MappingNode) -> LinedDict:
        own = sum(key.tag != "tag:yaml.org,2002:merge" for key, _ in node.value)
        self.constructor.flatten_mapping(node)  # `<<: *defaults`: merged pairs come first
        merged = len(node.value) - own
        result = self.built[id(node)] = LinedDict(_line(node))
        given: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, ScalarNode):
                raise RuleFileError([f"line {_line(key_node)}: a key is a plain name"])
            key = str(key_node.value)
            if index >= merged:  # the mapping's own keys may override merged ones, once
                if key in given:
                    raise RuleFileError([f"line {_line(key_node)}: '{key}' is given twice"])
                given.add(key)
            result.lines[key] = _line(key_node)
            result[key] = self.value(value_node)
        return result


def _line_of(lines: dict[str, int], default: int) -> Callable[[str], str]:
    return lambda key: f"line {lines.get(key, default)}"


def check(values: Mapping[str, Any], where: Callable[[str], str]) -> RuleSpec | list[str]:
    """One rule's fields → a RuleSpec, or the problems (prefixed by `where(field)`)."""
    problems: list[str] = []

    def bad(key: str, message: str) -> None:
        problems.append(f"{where(key)}: {key}: {message}")

    for key in sorted(set(values) - FIELDS):
        bad(key, f"unknown field (known: {', '.join(sorted(FIELDS))})")
    name = values.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        bad("name", f"give every rule a name (1–{MAX_NAME} characters)")
    kind = KINDS.get(str(values.get("kind", "")))
    if kind is None:
        bad("kind", f"one of {', '.join(KINDS)}")
    enabled = values.get("enabled", True)
    if not isinstance(enabled, bool):
        bad("enabled", "true or false")
    layers = _ints(values.get("layers"), "layers", bad, 1, 4)
    cameras = values.get("cameras") or []
    if not isinstance(cameras, list) or not all(isinstance(c, str) and c for c in cameras):
        bad("cameras", "a list of camera ids")
        cameras = []
    windows = values.get("windows") or []
    if not isinstance(windows, list):
        bad("windows", "a list of {days, start, end}")
        windows = []
    for index, window in enumerate(windows):
        at = getattr(windows, "lines", [])
        try:
            if not isinstance(window, dict):
                raise WindowError("each window is days, start and end")
            parse_window(window)
        except WindowError as exc:
            line = f"line {at[index]}" if index < len(at) else where("windows")
            problems.append(f"{line}: windows: {exc}")
    count = _int(values.get("count"), "count", bad, 1, 100)
    minutes = _int(values.get("minutes"), "minutes", bad, 1, 24 * 60)
    cooldown = _int(values.get("cooldown", 600), "cooldown", bad, 0, 7 * 86400)
    days = _int(values.get("days"), "days", bad, 1, 365)
    seconds = _int(values.get("seconds"), "seconds", bad, 1, 600)
    if "seconds" in values and kind is not AlertKind.TAILGATING:
        bad("seconds", "only tailgating rules look seconds back")
    if "days" in values and kind is not AlertKind.LONG_ABSENCE:
        bad("days", "only long_absence rules count days")
    severity = values.get("severity", "normal")
    if severity not in SEVERITIES:
        bad("severity", f"one of {', '.join(SEVERITIES)}")
    min_band = values.get("min_band")
    if min_band not in (None, "match", "possible"):
        bad("min_band", "match or possible")
    grid, watchlist = values.get("grid"), values.get("list")
    for key, value in (("grid", grid), ("list", watchlist)):
        if value is not None and not isinstance(value, str | int):
            bad(key, "a name or code")
    if kind is AlertKind.LONG_ABSENCE and (layers or cameras or windows):
        bad("layers", "a long absence is about every camera: no layers, cameras or windows")
    if kind in (AlertKind.STRANGER, AlertKind.TAILGATING) and watchlist is not None:
        bad("list", "only appears and long_absence rules take a list")
    if kind is not AlertKind.STRANGER:
        for key in ("count", "minutes"):
            if key in values:
                bad(key, "only stranger rules count sightings")
    if problems or kind is None or not isinstance(name, str):
        return problems
    return RuleSpec(
        name=name.strip(),
        kind=kind,
        enabled=bool(enabled),
        grid=str(grid) if grid is not None else None,
        watchlist=str(watchlist) if watchlist is not None else None,
        layers=tuple(layers),
        cameras=tuple(cameras),
        windows=tuple({k: str(v) for k, v in w.items()} for w in windows),
        count=count,
        minutes=minutes,
        cooldown=cooldown if cooldown is not None else 600,
        severity=str(severity),
        min_band=min_band,
        days=days,
        seconds=seconds,
    )


def _int(value: Any, key: str, bad: Callable[[str, str], None], low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        bad(key, f"a whole number from {low} to {high}")
        return None
    return value


def _ints(value: Any, key: str, bad: Callable[[str, str], None], low: int, high: int) -> list[int]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in items):
        bad(key, f"whole numbers from {low} to {high}")
        return []
    return list(items)
