"""Where and when a rule applies: grid, defence layers, cameras and weekly time windows.

A rule's `params` may carry:
- `layers`: defence layers (1 gates, 2 inner roads, 3 building and unit doors);
- `cameras`: camera ids;
- `windows`: weekly time windows in the community's time zone, each
  `{"days": "mon-fri", "start": "22:00", "end": "06:00"}`; a window that ends before it
  starts runs past midnight and belongs to the day it starts on (Friday 22:00–Saturday
  06:00 is a Friday window). No windows: always.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.models import AlertKind, AlertRule, Camera, WatchlistEntry, WatchlistKind

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class WindowError(ValueError):
    """A time window that cannot be read (the message says which part)."""


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time

    def covers(self, local: datetime) -> bool:
        clock = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.weekday() in self.days and self.start <= clock < self.end
        if self.start == self.end:  # the whole day
            return local.weekday() in self.days
        if clock >= self.start:
            return local.weekday() in self.days
        # Early morning: the window started the day before.
        return clock < self.end and (local - timedelta(days=1)).weekday() in self.days


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri`, `sat,sun`, `mon-sun` (or `daily`) → weekday numbers."""
    text = text.strip().lower()
    if text in ("daily", "all", "*"):
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise WindowError(f"unknown day in {text!r} (use mon … sun, e.g. mon-fri)")
        a, b = DAYS.index(first), DAYS.index(last or first)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(days)


def parse_clock(text: str) -> time:
    found = _CLOCK.match(text.strip())
    if found is None:
        raise WindowError(f"{text!r} is not a time of day (use HH:MM, e.g. 22:00)")
    return time(int(found.group(1)), int(found.group(2)))


def parse_window(value: Mapping[str, Any]) -> Window:
    unknown = set(value) - {"days", "start", "end"}
    if unknown:
        raise WindowError(f"unknown window field(s): {', '.join(sorted(unknown))}")
    return Window(
        parse_days(str(value.get("days", "daily"))),
        parse_clock(str(value.get("start", "00:00"))),
        parse_clock(str(value.get("end", "00:00"))),
    )


def in_windows(windows: Iterable[Mapping[str, Any]] | None, at: datetime, zone: ZoneInfo) -> bool:
    """Whether `at` falls in one of the windows (no windows: always).

    A window stored unreadable (files and the CLI check them; a hand-edited row might not)
    makes the rule apply always: an alert too many beats a silent rule."""
    try:
        parsed = [parse_window(w) for w in windows or ()]
    except (WindowError, TypeError, AttributeError):
        return True
    if not parsed:
        return True
    local = at.astimezone(zone)
    return any(w.covers(local) for w in parsed)


def in_scope(rule: AlertRule, camera: Camera, at: datetime, zone: ZoneInfo) -> bool:
    """Missing persons are looked for everywhere; other rules keep to their grid, layers,
    cameras and time windows."""
    grid = rule.grid_id
    if rule.kind is not AlertKind.MISSING_PERSON and grid is not None and grid != camera.grid_id:
        return False
    layers = rule.params.get("layers")
    if layers and camera.defence_layer not in layers:
        return False
    cameras = rule.params.get("cameras")
    if cameras and camera.id not in cameras:
        return False
    return in_windows(rule.params.get("windows"), at, zone)


def rule_takes(
    rule: AlertRule, entry: WatchlistEntry, kind: WatchlistKind, lists: Mapping[AlertKind, Any]
) -> bool:
    if lists.get(rule.kind) is not kind:
        return False
    return rule.watchlist_id is None or rule.watchlist_id == entry.watchlist_id
