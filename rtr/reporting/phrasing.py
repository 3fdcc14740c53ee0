"""Numbers phrased the way official half-year reports phrase them. Pure."""

from __future__ import annotations

from rtr.reporting.metrics import ACTIVITY_SUMS, AMOUNT_SUMS, MEMBER_SUMS

AGAINST = {"hoh": "上半年", "yoy": "上年同期"}


def pct(value: float | None) -> str:
    """A rate in a document: a percentage with one decimal, or — when its denominator is 0."""
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value: float | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))


def unit_of(key: str, units: dict[str, str]) -> str:
    if key in MEMBER_SUMS:
        return "人"
    if key in AMOUNT_SUMS:
        return "万元"
    if key in ACTIVITY_SUMS:
        return units.get(key, "")
    return "家"


def against_label(kind: str, previous_label: str) -> str:
    """What 环比 compares with: `上半年` for an H2 report, `上年下半年` for an H1 report."""
    if kind == "yoy":
        return "上年同期"
    return "上半年" if previous_label.endswith("上半年") else "上年下半年"


def count_change(change: dict | None, unit: str, kind: str, against: str) -> str:
    """`同比增长12.5%`, `较上半年减少3家`, `与上年同期持平`; '' without history."""
    if change is None:
        return ""
    delta, relative = change["delta"], change["relative"]
    if delta == 0:
        return f"与{against}持平"
    up = delta > 0
    if kind == "yoy" and relative is not None:
        return f"同比{'增长' if up else '下降'}{abs(relative) * 100:.1f}%"
    return f"较{against}{'增加' if up else '减少'}{number(abs(delta))}{unit}"


def rate_change(change: dict | None, kind: str, against: str) -> str:
    """`提高2.1个百分点` with what it compares against; '' without history or a rate."""
    if change is None or change.get("delta_pp") is None:
        return ""
    pp = change["delta_pp"]
    if abs(pp) < 0.05:
        return f"与{against}持平"
    word = "提高" if pp > 0 else "降低"
    return f"{'同比' if kind == 'yoy' else f'较{against}'}{word}{abs(pp):.1f}个百分点"


def joined(*phrases: str) -> str:
    """`，同比增长12.5%，较上半年增加3家` — ready to follow a number in a sentence."""
    return "".join(f"，{p}" for p in phrases if p)
