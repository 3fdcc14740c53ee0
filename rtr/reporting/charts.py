"""Charts for the reports, as PNG bytes. The CJK font file is passed in (it ships with the install)."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib import pyplot as plt

_COLORS = ("#C00000", "#1F4E79", "#7F7F7F", "#BF9000")


@lru_cache(maxsize=4)
def _font(path: Path) -> font_manager.FontProperties:
    """Registers the font once per process (a report draws dozens of charts)."""
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path))


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def coverage_by_area(names: list[str], series: dict[str, list[float | None]], title: str, font: Path) -> bytes:
    """Grouped horizontal bars, one group per city (or district), rates as percentages."""
    prop = _font(font)
    # at most about 0.6 of the page's width per inch of height for 21 cities: it must fit the type area
    height = min(8.0, max(2.6, 0.24 * len(names) + 1.2))
    fig, ax = plt.subplots(figsize=(7.0, height))
    bar = 0.8 / max(1, len(series))
    for i, (label, values) in enumerate(series.items()):
        ys = [n + i * bar for n in range(len(names))]
        xs = [(v or 0) * 100 for v in values]
        ax.barh(ys, xs, height=bar, label=label, color=_COLORS[i % len(_COLORS)])
    ax.set_yticks([n + bar * (len(series) - 1) / 2 for n in range(len(names))], names, fontproperties=prop)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("%", fontproperties=prop)
    ax.set_title(title, fontproperties=prop)
    ax.legend(prop=prop, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(series), frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def trend(periods: list[str], series: dict[str, list[float | None]], title: str, font: Path) -> bytes:
    """Key rates over the stored half-years."""
    prop = _font(font)
    fig, ax = plt.subplots(figsize=(6.3, 3.4))
    for i, (label, values) in enumerate(series.items()):
        points = [(p, v * 100) for p, v in zip(periods, values, strict=True) if v is not None]
        if points:
            ax.plot(
                [p for p, _ in points], [v for _, v in points], marker="o", label=label, color=_COLORS[i % len(_COLORS)]
            )
    ax.set_ylim(0, 100)
    ax.set_ylabel("%", fontproperties=prop)
    ax.set_title(title, fontproperties=prop)
    for tick in ax.get_xticklabels():
        tick.set_fontproperties(prop)
    ax.legend(prop=prop, loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)
