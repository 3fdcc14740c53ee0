"""Charts for the reports, as PNG bytes. The CJK font file is passed in (it ships with the install).

Each chart returns None when there is nothing to draw, so a document never shows an empty one;
a legend is drawn only for labelled lines, below the plot, never over the data. Titles are the
documents' numbered captions (图1 …), not part of the picture.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager, ticker
from matplotlib import pyplot as plt

_COLORS = ("#C00000", "#1F4E79", "#7F7F7F", "#BF9000")
_UNDER = {"facecolor": "white", "edgecolor": "none", "pad": 0.6}  # a label stays readable over a line
WIDTH_IN = 6.3  # drawn at this width, placed 140 mm wide: fonts stay about 8 pt on paper


@lru_cache(maxsize=4)
def _font(path: Path) -> font_manager.FontProperties:
    """Registers the font once per process (a report draws dozens of charts)."""
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path), size=9)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def fitted_range(values: list[float], step: float = 5.0, pad: float = 3.0, least: float = 10.0) -> tuple[float, float]:
    """An axis range in percent around the values: whole steps, a little room, at most 0–100."""
    lo = max(0.0, math.floor((min(values) - pad) / step) * step)
    hi = min(100.0, math.ceil((max(values) + pad) / step) * step)
    if hi - lo < least:
        lo, hi = (max(0.0, hi - least), hi) if hi - least >= 0 else (0.0, least)
    return lo, hi


def coverage_by_area(
    names: list[str], rates: list[float | None], overall: float | None, overall_name: str, font: Path
) -> bytes | None:
    """One bar per area (city or district) with its rate, highest first, labelled with its value,
    and the overall rate as a dashed line. None with fewer than two areas to compare."""
    points = sorted(
        ((name, rate * 100) for name, rate in zip(names, rates, strict=True) if rate is not None),
        key=lambda p: -p[1],
    )
    if len(points) < 2:
        return None
    prop = _font(font)
    height = max(1.8, 0.18 * len(points) + 0.6)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
    ys = range(len(points))
    ax.barh(list(ys), [v for _, v in points], height=0.62, color=_COLORS[1])
    for y, (_, v) in zip(ys, points, strict=True):
        ax.text(v + 1, y, f"{v:.1f}", va="center", ha="left", fontproperties=prop, fontsize=8, bbox=_UNDER, zorder=3)
    ax.set_yticks(list(ys), [n for n, _ in points], fontproperties=prop)
    ax.invert_yaxis()
    ax.set_xlim(0, 112)  # bars start at zero; the room past 100 holds the labels
    ax.set_xticks(range(0, 101, 20), [f"{t}%" for t in range(0, 101, 20)], fontproperties=prop)
    if overall is not None:
        ax.axvline(overall * 100, color=_COLORS[0], linestyle="--", linewidth=1, zorder=2)
        ax.text(
            overall * 100,
            -0.9,
            f"{overall_name}{overall * 100:.1f}%",
            color=_COLORS[0],
            ha="center",
            va="bottom",
            fontproperties=prop,
            fontsize=8,
            bbox=_UNDER,
        )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def _label_places(points: list[tuple[str, float]], near: float = 4.0) -> list[tuple[str, float, bool]]:
    """Value labels of one half-year's points, so none sits on another: from the top down, a point
    close under a labelled one takes its label below; a value already labelled is not repeated."""
    out: list[tuple[str, float, bool]] = []
    for label, v in sorted(points, key=lambda p: -p[1]):
        if any(round(v, 1) == round(w, 1) for _, w, _ in out):
            continue
        above = not out or out[-1][1] - v >= near or not out[-1][2]
        out.append((label, v, above))
    return out


def trend(periods: list[str], series: dict[str, list[float | None]], font: Path) -> bytes | None:
    """Key rates over the stored half-years, the axis fitted to them, each point labelled. None
    with fewer than two half-years or no rate to draw."""
    lines = {
        label: [(i, v * 100) for i, v in enumerate(values) if v is not None]
        for label, values in series.items()
        if sum(v is not None for v in values) >= 2
    }
    if len(periods) < 2 or not lines:
        return None
    prop = _font(font)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.8))
    lo, hi = fitted_range([v for pts in lines.values() for _, v in pts])
    colors = {label: _COLORS[i % len(_COLORS)] for i, label in enumerate(lines)}
    for label, pts in lines.items():
        ax.plot([x for x, _ in pts], [v for _, v in pts], marker="o", label=label, color=colors[label])
    for x in range(len(periods)):
        for label, v, above in _label_places([(label, v) for label, pts in lines.items() for px, v in pts if px == x]):
            ax.annotate(
                f"{v:.1f}",
                (x, v),
                textcoords="offset points",
                xytext=(0, 5 if above else -11),
                ha="center",
                fontsize=7,
                color=colors[label],
                fontproperties=prop,
            )
    ax.set_ylim(lo, hi + (hi - lo) * 0.08)  # room above the top point for its label
    ax.set_xlim(-0.3, len(periods) - 0.7)
    ax.set_xticks(range(len(periods)), periods, fontproperties=prop)
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.0f}%"))
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(prop)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(
            handles,
            labels,
            prop=prop,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=min(4, len(handles)),
            frameon=False,
        )
    return _png(fig)
