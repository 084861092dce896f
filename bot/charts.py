"""Chart images for the bot: PNG bytes drawn with matplotlib's Agg canvas.

No pyplot: its global figure state is not safe in worker threads, and drawing takes long
enough (~0.3 s) that it runs in `asyncio.to_thread`, off the event loop. Chinese names and
labels need a CJK font (`core.cards.fonts.find_cjk_font`), or they come out as empty boxes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from core.cards.fonts import find_cjk_font

MAX_SERIES = 8  # more cadres than this: the smallest are folded into "others"
_FONT_LOCK = threading.Lock()  # the font manager's list is shared by every thread
_ADDED: set[Path] = set()


@dataclass(frozen=True)
class BarSeries:
    label: str
    values: Sequence[int]


@dataclass(frozen=True)
class DailyBars:
    """Counts per day for several series (one per cadre), drawn as stacked bars."""

    title: str
    y_label: str
    day_labels: Sequence[str]
    series: Sequence[BarSeries]


def fold_series(
    series: Sequence[BarSeries], others_label: str, limit: int = MAX_SERIES
) -> list[BarSeries]:
    """Keep the `limit - 1` busiest series and sum the rest into one, so colours stay apart."""
    if len(series) <= limit:
        return list(series)
    ranked = sorted(series, key=lambda s: -sum(s.values))
    kept, rest = ranked[: limit - 1], ranked[limit - 1 :]
    folded = [sum(values) for values in zip(*(s.values for s in rest), strict=True)]
    kept_names = {s.label for s in kept}
    ordered = [s for s in series if s.label in kept_names]
    return [*ordered, BarSeries(others_label, folded)]


def _font(path: Path) -> font_manager.FontProperties:
    with _FONT_LOCK:
        if path not in _ADDED:
            font_manager.fontManager.addfont(str(path))
            _ADDED.add(path)
    return font_manager.FontProperties(fname=str(path))


def render_daily_bars(chart: DailyBars, font: Path) -> bytes:
    """Draw the chart and return PNG bytes (blocking: call it in a thread)."""
    prop = _font(font)
    figure = Figure(figsize=(9, 4.8), dpi=120, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(chart.day_labels)))
    bottom = [0] * len(positions)
    colours = [f"C{i}" for i in range(10)]
    for index, series in enumerate(chart.series):
        axes.bar(
            positions,
            list(series.values),
            bottom=list(bottom),
            label=series.label,
            color=colours[index % len(colours)],
            width=0.7,
        )
        bottom = [b + v for b, v in zip(bottom, series.values, strict=True)]
    axes.set_title(chart.title, fontproperties=prop, fontsize=14)
    axes.set_ylabel(chart.y_label, fontproperties=prop)
    axes.set_xticks(positions, list(chart.day_labels), rotation=45, ha="right")
    for label in axes.get_xticklabels():
        label.set_fontproperties(prop)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([*bottom, 1]) * 1.15)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    if chart.series:
        small = prop.copy()
        small.set_size(9)
        axes.legend(prop=small, loc="upper left", ncols=min(4, len(chart.series)))
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def daily_bars_png(chart: DailyBars, font_setting: Path | None) -> bytes:
    """The chart as PNG bytes, drawn off the event loop; `ConfigurationError` without a font."""
    font = find_cjk_font(font_setting)
    return await asyncio.to_thread(render_daily_bars, chart, font)
