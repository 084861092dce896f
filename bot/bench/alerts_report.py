"""The numbers of `safecommunity bench alerts`: latency percentiles, sustained rate, summary."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any


def sustained(timings: list[tuple[float, float]]) -> float:
    """Alerts delivered per second, from the first acceptance to the last photo."""
    if not timings:
        return 0.0
    span = max(a for _, a in timings) - min(t for t, _ in timings)
    return round(len(timings) / span, 2) if span > 0 else 0.0


def latencies(timings: list[tuple[float, float]]) -> list[float]:
    return [arrived - accepted for accepted, arrived in timings]


def stats(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"delivered": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None}
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(pct: int) -> float:
        value = cuts[pct - 1] if cuts else ordered[0]
        return round(value * 1000, 1)

    return {"delivered": len(ordered), "p50_ms": at(50), "p95_ms": at(95), "p99_ms": at(99)}


def summary(report: dict[str, Any]) -> list[str]:
    lines = []
    for name in ("steady", "overload"):
        p = report[name]
        lines.append(
            f"[{name}] offered {p['offered_per_second']:g}/s: {p['accepted']} accepted, "
            f"{p['refused_503']} × 503, {p['other_errors']} other, backlog ≤ {p['backlog_max']}, "
            f"{p['undelivered']} undelivered after the drain, {p['lost']} lost; "
            f"accepted → photo p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, "
            f"p99 {p['p99_ms']} ms; sustained {p['sustained_per_second']}/s"
        )
        if p.get("undelivered_why"):
            why = ", ".join(f"{n} {reason}" for reason, n in p["undelivered_why"].items())
            lines.append(f"  undelivered: {why}")
    goal = report["goal"]
    lines.append(f"goal: {goal['rate_per_second']:g} face events/s with p95 ≤ {goal['p95_s']} s")
    if report["options"]["flood_limit"]:
        lines.append("with Telegram's 20 messages a minute per group (sandbox flood limit on)")
    return lines


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
