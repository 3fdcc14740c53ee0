"""Numbers and their changes phrased the way official half-year reports phrase them. Pure.

One style throughout: thousands separators on every number from 1,000; amounts in 万元 with two
decimals, from 1亿 in 亿元; rates with one decimal. A count's change is a percentage when it is
measured from a base of PCT_MIN_BASE or more, else an absolute number (同比下降66.7% of 3 sanctions
says less than 减少2人次); a rate's change is in 个百分点. Both comparisons of one figure are said
once when they agree, with 但 when they do not, and not at all for a minor figure that is flat.
"""

from __future__ import annotations

from rtr.reporting.metrics import ACTIVITY_SUMS, AMOUNT_SUMS, MEMBER_SUMS

PCT_MIN_BASE = 100
FLAT_PP = 0.05  # a rate that moved less than this many points is 持平 (it shows as 0.0)
YI = 10000  # 万元 in 1亿元
DIGITS = "零一二三四五六七八九"


def pct(value: float | None) -> str:
    """A rate in a document: a percentage with one decimal, or — when its denominator is 0."""
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value: float | int) -> str:
    """`1,745`, `22,991`, `4,353.65`: separators on every number from 1,000."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def amount(value: float) -> str:
    """An amount given in 万元, with its unit: `4,353.65万元`, from 1亿 `164.17亿元`."""
    if abs(value) >= YI:
        return f"{value / YI:,.2f}亿元"
    return f"{value:,.2f}万元"


def chinese(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一 (ordinals of 一是、二是 and counts like 摘录三例); up to 99."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def unit_of(key: str, units: dict[str, str]) -> str:
    if key in MEMBER_SUMS:
        return "人"
    if key in AMOUNT_SUMS:
        return "万元"
    if key in ACTIVITY_SUMS:
        return units.get(key, "")
    return "家"


def against_label(kind: str, previous_label: str) -> str:
    """What a comparison is against: 上年同期 (同比), or the previous half-year: `上半年` in an H2
    report, `上年下半年` in an H1 report."""
    if kind == "yoy":
        return "上年同期"
    return "上半年" if previous_label.endswith("上半年") else "上年下半年"


def direction(change: dict | None, is_rate: bool) -> str | None:
    """`up`, `down`, `flat`, or None without a comparison."""
    if change is None:
        return None
    if is_rate:
        pp = points(change)
        if pp is None:
            return None
        return "flat" if abs(pp) < FLAT_PP else "up" if pp > 0 else "down"
    delta = change["delta"]
    return "flat" if delta == 0 else "up" if delta > 0 else "down"


def points(change: dict) -> float | None:
    """A rate's change in points as stated: between the printed rates when known (`shown_pp`)."""
    return change.get("shown_pp", change.get("delta_pp"))


def _base(change: dict) -> float | None:
    """The figure of the earlier period a count's change is measured from."""
    delta, relative = change["delta"], change.get("relative")
    if relative is None:
        return None
    return abs(delta / relative) if relative else None


def _as_percent(changes: list[dict]) -> bool:
    """A percentage for every comparison of one figure, or an absolute number for all of them."""
    bases = [_base(c) for c in changes if c["delta"] != 0]
    if not bases or any(b is None for b in bases) or min(bases) < PCT_MIN_BASE:
        return False
    return all(round(abs(c["relative"]) * 100, 1) > 0 for c in changes if c["delta"] != 0)


def _size(change: dict, is_rate: bool, percent: bool, unit: str) -> str:
    if is_rate:
        return f"{abs(points(change)):.1f}个"
    if percent:
        return f"{abs(change['relative']) * 100:.1f}%"
    value = abs(change["delta"])
    return amount(value) if unit == "万元" else f"{number(value)}{unit}"


VERBS = {  # (is_rate, percent) → (up, down)
    (True, False): ("提高", "降低"),
    (False, True): ("增长", "下降"),
    (False, False): ("增加", "减少"),
}


def _single(kind: str, change: dict, is_rate: bool, percent: bool, unit: str, against: str) -> str:
    way = direction(change, is_rate)
    if way == "flat":
        return f"与{against}持平"
    verb = VERBS[(is_rate, percent and not is_rate)][way == "down"]
    tail = "百分点" if is_rate else ""
    lead = "同比" if kind == "yoy" and (is_rate or percent) else f"较{against}"
    return f"{lead}{verb}{_size(change, is_rate, percent, unit)}{tail}"


def change_phrase(
    yoy: dict | None,
    hoh: dict | None,
    *,
    is_rate: bool,
    unit: str,
    against: dict[str, str],
    headline: bool = True,
) -> str:
    """Both comparisons of one figure in one phrase (no leading comma), '' without history:
    `同比增长5.3%`, `比上年同期和上年下半年分别增加3家和1家`, `同比提高2.1个百分点，但较上年下半年降低0.5个百分点`,
    `与上年同期和上年下半年均持平`. A minor figure (`headline=False`) says only its 同比 when both
    agree, and nothing when it is flat."""
    present = [(k, c) for k, c in (("yoy", yoy), ("hoh", hoh)) if direction(c, is_rate) is not None]
    if not present:
        return ""
    ways = [direction(c, is_rate) for _, c in present]
    percent = not is_rate and _as_percent([c for _, c in present])
    if all(w == "flat" for w in ways):
        if not headline:
            return ""
        if len(present) == 2:
            return f"与{against['yoy']}和{against['hoh']}均持平"
        return f"与{against[present[0][0]]}持平"
    if len(present) == 1:
        kind, change = present[0]
        return _single(kind, change, is_rate, percent, unit, against[kind])
    (_, y), (_, h) = present
    wy, wh = ways
    if wy == wh:
        if not headline:
            return _single("yoy", y, is_rate, percent, unit, against["yoy"])
        verb = VERBS[(is_rate, percent and not is_rate)][wy == "down"]
        tail = "百分点" if is_rate else ""
        a, b = _size(y, is_rate, percent, unit), _size(h, is_rate, percent, unit)
        if a == b:
            return f"比{against['yoy']}和{against['hoh']}均{verb}{a}{tail}"
        return f"比{against['yoy']}和{against['hoh']}分别{verb}{a}和{b}{tail}"
    if wh == "flat" and not headline:
        return _single("yoy", y, is_rate, percent, unit, against["yoy"])
    first = _single("yoy", y, is_rate, percent, unit, against["yoy"])
    second = _single("hoh", h, is_rate, percent, unit, against["hoh"])
    joiner = "，但" if "flat" not in (wy, wh) else "，"
    return first + joiner + second


def single_phrase(kind: str, change: dict | None, *, is_rate: bool, unit: str, against: str) -> str:
    """One comparison alone (`yoy.KEY`, `hoh.KEY` in the templates); '' without it."""
    if direction(change, is_rate) is None:
        return ""
    return _single(kind, change, is_rate, not is_rate and _as_percent([change]), unit, against)


def joined(*phrases: str) -> str:
    """`，同比增长12.5%` — ready to follow a number in a sentence."""
    return "".join(f"，{p}" for p in phrases if p)
