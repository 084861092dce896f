"""The bot bench's table: one row per measurement, with the target where there is one."""

from __future__ import annotations

from typing import Any

Row = list[str]  # measurement, measured, target, verdict
TOP_LAYERS = 7


def summary_rows(report: dict[str, Any], menu_target: float) -> list[Row]:
    rows: list[Row] = []

    def add(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append([name, value, target, "" if ok is None else ("ok" if ok else "MISSED")])

    for mode, entry in report["modes"].items():
        bare = entry["bare"]["per_second"]
        add(f"[{mode}] bare PTB bot", f"{bare} updates/s")
        menu = entry["menu_tap"]
        ratio = menu["ratio_to_bare"]
        target = f"≥ {menu_target}× bare" if mode == "concurrent" else ""
        ok = ratio >= menu_target if mode == "concurrent" else None
        add(f"[{mode}] menu tap", f"{menu['per_second']} updates/s = {ratio}× bare", target, ok)
        free = entry.get("menu_tap_unthrottled")
        if free:
            add(
                f"[{mode}] menu tap, rate limits off",
                f"{free['per_second']} updates/s = {free['ratio_to_bare']}× bare",
                f"≥ {menu_target}× bare",
                free["ratio_to_bare"] >= menu_target,
            )
        visit = entry["visit_step"]
        add(
            f"[{mode}] visit step",
            f"{visit['per_second']} updates/s = {visit['ratio_to_bare']}× bare",
        )
        help_ = entry["help_latency"]
        idle, loaded = help_["idle"], help_["during_uploads"]
        add(f"[{mode}] /help idle", f"p50 {idle['p50_ms']} ms, max {idle['max_ms']} ms")
        add(
            f"[{mode}] /help during {loaded['photos']} uploads",
            f"p50 {loaded['p50_ms']} ms ({help_['p50_ratio_to_idle']}× idle), "
            f"max {loaded['max_ms']} ms ({help_['max_ratio_to_idle']}× idle); "
            f"uploads answered in {loaded['uploads_answered_s']} s",
        )
    prof = report.get("profile")
    if prof:
        add(
            "menu taps (rate limits off) profiled",
            f"{prof['ms_per_update']} ms/update under cProfile",
        )
        for layer in prof["layers"][:TOP_LAYERS]:
            add(f"  time in: {layer['layer']}", f"{layer['share']:.0%}")
        for function in prof["functions"]:
            name = function["function"]
            name = name if len(name) <= 60 else "…" + name[-59:]
            add(f"  function: {name}", f"{function['share']:.0%} ({function['layer']})")
    return rows


def format_table(rows: list[Row]) -> list[str]:
    headers = ["measurement", "measured", "target", ""]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(4)]

    def line(row: Row) -> str:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        return " | ".join(cells).rstrip()

    return [line(headers), "-+-".join("-" * width for width in widths), *map(line, rows)]
