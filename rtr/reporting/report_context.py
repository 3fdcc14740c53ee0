"""The context a Word template is rendered with: numbers, rates, phrases and the choices among the
template's words. Pure.

Every variable a template may use is built here (README, "The Word templates"). The words of the
headings stay in the templates; the context says which to use (`trend.*`, `org_life`), from the
direction and size of the figures under them, so a heading never contradicts its paragraph.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rtr.checking.catalogue import CATALOGUE
from rtr.filenames import safe_component
from rtr.form.periods import Period
from rtr.reporting.metrics import AMOUNT_SUMS, COUNT_KEYS, OWN, RATES, UNKNOWN_CITY, firm_key, sent_back
from rtr.reporting.phrasing import (
    against_label,
    amount,
    change_phrase,
    chinese,
    direction,
    joined,
    number,
    pct,
    single_phrase,
    unit_of,
)

HIGHLIGHTS_MAX = 5
HIGHLIGHT_CHARS = 200
QUOTES_MAX = 3
WEAKEST_MAX = 3
ORG_LIFE_WEAK_SHARE = 0.1  # more than this share of own organisations short of 三会一课: not 规范开展
# figures whose flat change is worth saying (with history, the reader looks for these two); any
# other figure that did not move is left unsaid, so 持平 is not repeated down the page
HEADLINE = frozenset({"members", "org_coverage_rate"})
# heading → the figures it speaks for (their common direction picks the heading's words)
HEADINGS = {
    "sanjin": ("charter_rate", "secretary_in_management_rate", "funds_in_budget_rate"),
    "yijiantiao": ("yijiantiao_rate",),
    "development": ("new_members",),
    "service": ("legal_aid", "pro_bono"),
    "conduct": ("complaints", "sanctions"),  # the template's words: falling is progress here
}
PROVINCE_SCOPE = "全省"


def report_title(period: Period, scope: str) -> str:
    return f"{period.label}{scope}律师行业党建工作情况报告"


def title_lines(period: Period, scope: str) -> list[str]:
    """The title in two lines broken by meaning (GB/T 9704: never in the middle of a word)."""
    return [f"{period.label}{scope}律师行业", "党建工作情况报告"]


def notice_title_lines(period: Period, scope: str) -> list[str]:
    return [f"{period.label}{scope}律师事务所", "党建工作情况报表报送情况说明"]


def report_path(period: Period, scope: str, province_scope: str = PROVINCE_SCOPE) -> str:
    """Where a report goes under the period's output folder: the provincial report by its title,
    a city's as `分地市/<city>.docx`. Rendering writes there and delivery looks there."""
    if scope == province_scope:
        return f"{safe_component(report_title(period, scope))}.docx"
    return f"分地市/{safe_component(scope)}.docx"


def day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- the changes -------------------------------------------------------------------------------


def chosen_changes(changes: dict) -> dict[str, dict | None]:
    """Per comparison, the change entries a document states (README, "Report decisions"): counts
    only like for like, and not at all when too few firms were accepted in both periods (basis
    `totals`: their difference would be the mailbox's, not the sector's); rates always, as rates."""
    out: dict[str, dict | None] = {}
    for kind in ("yoy", "hoh"):
        c = changes.get(kind)
        if c is None:
            out[kind] = None
            continue
        like = c.get("like_for_like") if c.get("basis") == "like_for_like" else None
        out[kind] = {key: like[key] if like else None for key in COUNT_KEYS} | {key: c[key] for key in RATES}
    return out


def phrases(changes: dict, previous: Period, units: dict[str, str]) -> dict[str, dict[str, str]]:
    """For every count and rate: its 同比 phrase, its 环比 phrase, both as one phrase after a comma
    (`chg`), and its direction over both (`d`: up, down, flat, mixed, '' without history)."""
    chosen = chosen_changes(changes)
    against = {kind: against_label(kind, previous.label) for kind in ("hoh", "yoy")}
    out: dict[str, dict[str, str]] = {"yoy": {}, "hoh": {}, "chg": {}, "d": {}}
    for key in (*COUNT_KEYS, *RATES):
        is_rate = key in RATES
        unit = unit_of(key, units)
        entry = {kind: (chosen[kind] or {}).get(key) for kind in ("yoy", "hoh")}
        for kind in ("yoy", "hoh"):
            out[kind][key] = single_phrase(kind, entry[kind], is_rate=is_rate, unit=unit, against=against[kind])
        both = change_phrase(
            entry["yoy"], entry["hoh"], is_rate=is_rate, unit=unit, against=against, headline=key in HEADLINE
        )
        out["chg"][key] = joined(both)
        out["d"][key] = combined_direction(direction(entry["yoy"], is_rate), direction(entry["hoh"], is_rate))
    return out


def combined_direction(yoy: str | None, hoh: str | None) -> str:
    """One figure's direction over both comparisons: up or down when neither says otherwise (a
    flat one aside), mixed when they disagree, flat when both are, '' without history."""
    ways = {w for w in (yoy, hoh) if w}
    moving = ways - {"flat"}
    if not ways:
        return ""
    if not moving:
        return "flat"
    return moving.pop() if len(moving) == 1 else "mixed"


def heading_trends(d: dict[str, str]) -> dict[str, str]:
    """up / down / flat when the heading's figures agree (flat ones aside), mixed when they do not,
    '' without history: the template words for each follow this."""
    out = {}
    for name, keys in HEADINGS.items():
        ways = {d[k] for k in keys if d.get(k)}
        moving = ways - {"flat"}
        out[name] = (
            ""
            if not ways
            else "flat"
            if not moving
            else moving.pop()
            if len(moving) == 1 and "mixed" not in moving
            else "mixed"
        )
    return out


def compare_note(changes: dict, previous: Period, firms: int) -> str:
    """The sentence that says how counts are compared (README, "Report decisions")."""
    against = {kind: against_label(kind, previous.label) for kind in ("yoy", "hoh")}
    present = [(kind, changes[kind]) for kind in ("yoy", "hoh") if changes.get(kind)]
    if not present:
        return ""
    like = [(k, c) for k, c in present if c.get("basis") == "like_for_like"]
    totals = [(k, c) for k, c in present if c.get("basis") != "like_for_like"]
    parts = []
    if like:
        names = "和".join(against[k] for k, _ in like)
        counts = [c["like_for_like"]["base_firms"] for _, c in like]
        each = "共" if len(like) == 1 else "均为" if len(set(counts)) == 1 else "分别为"
        bases = f"{number(counts[0])}家" if len(set(counts)) == 1 else "、".join(f"{number(c)}家" for c in counts)
        parts.append(
            f"与{names}比较时，数量指标按两期均采用报表的律所同口径计算（{each}{bases}），比例指标按各期全部采用的报表计算，下同"
        )
    if totals:
        then = [c["firms_then"] for _, c in totals]
        names = "和".join(against[k] for k, _ in totals)
        counts = (
            f"均为{number(then[0])}份" if len(set(then)) == 1 else "分别为" + "、".join(f"{number(t)}份" for t in then)
        )
        if len(totals) == 1:
            counts = f"{number(then[0])}份"
        parts.append(
            f"{names}采用报表{counts}，其中本期也采用了报表的律所不足本期的一半，数量指标不与其比较；比例指标按各期全部采用的报表比较"
        )
    return "；".join(parts) + "。"


# --- the firms quoted, the problems, the lists -------------------------------------------------


def warned_firms(submissions: list[dict]) -> set[str]:
    """Firms whose accepted return carries any warning: not held up as models."""
    return {
        firm_key(s)
        for s in submissions
        if s["status"] == "accepted" and any(f["severity"] == "warning" for f in s["findings"])
    }


def pick_highlights(firms: list[dict], per: str = "city", warned: set[str] = frozenset()) -> list[dict]:
    """特色做法 quoted from field 701: accepted returns without any warning, each text once; firms
    with their own Party organisation first, then more members, then by USCC; at most one firm per
    city (`per="district"` in a city report) and five in all; each quote cut at 200 characters."""
    ranked = sorted(
        (f for f in firms if (f.get("highlights") or "").strip() and firm_key(f) not in warned),
        key=lambda f: (f.get("org_type") not in OWN, -int(f.get("members") or 0), str(f.get("uscc"))),
    )
    chosen, places, texts = [], set(), set()
    for f in ranked:
        text = " ".join(str(f["highlights"]).split())
        if f.get(per) in places or text in texts:
            continue
        places.add(f.get(per))
        texts.add(text)
        chosen.append(
            {
                "firm_name": f.get("firm_name") or "",
                "city": f.get("city") or "",
                "place": f.get(per) or "",
                "text": text if len(text) <= HIGHLIGHT_CHARS else text[:HIGHLIGHT_CHARS] + "……",
            }
        )
        if len(chosen) == HIGHLIGHTS_MAX:
            break
    return chosen


def problem_quotes(firms: list[dict]) -> list[str]:
    """The most frequent 存在问题 (field 702) texts, ties by text, at most three."""
    counts = Counter(" ".join(str(f.get("problems") or "").split()) for f in firms)
    counts.pop("", None)
    return [text for text, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:QUOTES_MAX]]


def warning_counts(submissions: list[dict]) -> Counter:
    """How many accepted returns carry each warning (by rule id; every rule the checks produce)."""
    counts: Counter = Counter()
    for s in submissions:
        if s["status"] == "accepted":
            counts.update({f["rule"] for f in s["findings"] if f["severity"] == "warning"})
    return counts


def warning_findings(submissions: list[dict]) -> tuple[int, int]:
    """(accepted returns with a warning, warnings on accepted returns): the 审核问题 sheet's rows
    with 审核结果 已采用 and 类别 核实性审核."""
    with_any = [
        s for s in submissions if s["status"] == "accepted" and any(f["severity"] == "warning" for f in s["findings"])
    ]
    return len(with_any), sum(f["severity"] == "warning" for s in with_any for f in s["findings"])


def weakest(rows: list[tuple[str, dict]], overall: float | None) -> list[dict]:
    """The areas (cities, or a city's districts) with the lowest 党的组织覆盖率 below the overall one;
    at most three, only among areas with accepted returns, and only when there are three or more."""
    areas = [(name, m["org_coverage_rate"]) for name, m in rows if m["firms"] and m["org_coverage_rate"] is not None]
    if len(areas) < 3 or overall is None:
        return []
    low = sorted((a for a in areas if a[1] < overall - 1e-9), key=lambda a: (a[1], a[0]))[:WEAKEST_MAX]
    return [{"name": name, "rate": pct(rate)} for name, rate in low]


def problems(
    n: dict, w: Counter, quality: tuple[int, int], weak: list[dict], threshold: int, scope_areas: str
) -> list[dict]:
    """三、存在问题: only problems that exist, each count as in the 汇总表 (全省汇总's 审核情况 rows,
    审核问题), numbered 一是、二是 in the order they come."""
    items: list[tuple[str, list[str]]] = []
    coverage = [
        f"正式党员{threshold}人以上但未单独建立党组织的律所{number(w['W01'])}家" if w["W01"] else "",
        f"有党员但尚未建立党组织的律所{number(w['W02'])}家" if w["W02"] else "",
        f"未建立党组织也未选派党建工作指导员的律所{number(w['W03'])}家" if w["W03"] else "",
    ]
    if weak:
        names = "、".join(f"{a['name']}（{a['rate']}）" for a in weak)
        coverage.append(f"党的组织覆盖率较低的{scope_areas}是{names}")
    items.append(("组织覆盖仍有短板", coverage))
    items.append(
        (
            "组织生活不够规范",
            [
                (f"单独建立党组织的{number(n['org_own'])}家律所中，" if n["org_own"] else "")
                + f"有{number(w['W07'])}家组织生活未达到基本要求（“三会一课”、主题党日）"
                if w["W07"]
                else "",
                f"由联合党支部覆盖的律所中，有{number(w['W04'])}家未填写所在联合党支部" if w["W04"] else "",
            ],
        )
    )
    items.append(
        (
            "阵地和制度建设有待加强",
            [
                f"没有党员活动场所的律所{number(n['venue_none'])}家" if n["venue_none"] else "",
                f"党建工作尚未写入章程的律所{number(n['no_charter_firms'])}家" if n["no_charter_firms"] else "",
            ],
        )
    )
    returns, findings = quality
    unreported = n.get("unreported") or 0
    quality_parts = [
        f"{number(n['returns_rejected'])}家律所的报表因不符合强制性审核要求被退回、尚未重新报送"
        if n.get("returns_rejected")
        else "",
        (
            f"已采用的报表中有{number(returns)}份存在需核实说明的问题"
            + (f"，共{number(findings)}项" if findings != returns else "")
        )
        if findings
        else "",
    ]
    lagging = f"名录内尚有{number(unreported)}家律所未报送" if unreported else ""
    title = (
        "报表质量和报送进度有待提高"
        if lagging and any(quality_parts)
        else "报送进度有待提高"
        if lagging
        else "报表质量有待提高"
    )
    items.append((title, [quality_parts[0], lagging, quality_parts[1]]))
    out = []
    for title, parts in items:
        said = [p for p in parts if p]
        if said:
            out.append({"ordinal": f"{chinese(len(out) + 1)}是", "title": title, "text": "；".join(said) + "。"})
    return out


def city_order(order: list[str]) -> Callable[[dict], tuple]:
    """A sort key for records with a city and a firm: the configured city order (others after it,
    by name), then the firm's name, its uscc and its file."""
    index = {c: i for i, c in enumerate(order)}

    def rank(f: dict) -> tuple:
        city = f.get("city") or ""
        return (index.get(city, len(index)), city, f.get("firm_name") or "", f.get("uscc") or "", f.get("file") or "")

    return rank


def unreported_and_sent_back(
    missing: list[dict] | None, returned: list[dict], order: list[str], own_org_min_full_members: int = 3
) -> tuple[list[dict], list[dict]]:
    """附件3: roster firms that sent nothing, and firms whose returns were sent back (with the rules
    that sent them back, by id and title), each sorted by city (in the configured order), then name."""

    rank = city_order(order)

    back_ids = {f.get("uscc") for f in returned if f.get("uscc")} | {f.get("firm_name") for f in returned}
    none = [f for f in (missing or []) if f["uscc"] not in back_ids and f["firm_name"] not in back_ids]
    back = [
        {
            "city": f.get("city") or UNKNOWN_CITY,
            "firm_name": f.get("firm_name") or "（未填写）",
            "uscc": f.get("uscc") or "",
            "rules": CATALOGUE.titled(f["rules"], own_org_min_full_members),
        }
        for f in sorted(returned, key=rank)
    ]
    return sorted(none, key=rank), back


# --- the attachment table ----------------------------------------------------------------------


def table_row(name: str, m: dict) -> dict[str, str]:
    def count(key: str) -> str:
        value = m.get(key)
        return "—" if value is None else number(value)

    return {
        "name": name,
        "firms": number(m["firms"]),
        "expected_firms": count("expected_firms"),
        "rejected": count("returns_rejected"),
        "lawyers": number(m["lawyers"]),
        "members": number(m["members"]),
        "member_share": pct(m["member_share"]),
        "org_own": number(m["org_own"]),
        "own_org_rate": pct(m["own_org_rate"]),
        "org_coverage_rate": pct(m["org_coverage_rate"]),
        "work_coverage_rate": pct(m["work_coverage_rate"]),
        "report_rate": pct(m.get("report_rate")),
    }


# --- the signature block -----------------------------------------------------------------------

GRID_CHAR_TWIPS = 316  # one character of the 28-a-line grid: 156 mm / 28 in twentieths of a point


def _width(text: str) -> float:
    """Width in characters of the grid: a digit or Latin letter is half a character."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


def signature(issuer: str, day: str) -> dict[str, int]:
    """GB/T 9704-2012 7.3.5.2 (no seal): the issuer two characters from the right; the date one
    line below, its first character two to the right of the issuer's; a date longer than that
    stays two from the right and moves the issuer left. Right indents in twips."""
    wi, wd = _width(issuer), _width(day)
    date_right = max(2.0, wi - wd)
    issuer_right = date_right + wd + 2 - wi
    return {"issuer_right": round(issuer_right * GRID_CHAR_TWIPS), "date_right": round(date_right * GRID_CHAR_TWIPS)}


@dataclass(frozen=True)
class Issue:
    """Who issues a document and when, and whom to contact."""

    issuer: str
    day: date
    contact: str = ""


def _common(period: Period, scope: str, issue: Issue) -> dict:
    made = day_text(issue.day)
    return {
        "scope": scope,
        "is_province": scope == PROVINCE_SCOPE,
        "period_label": period.label,
        "period_id": period.id,
        "period_end": day_text(period.end),
        "issuer": issue.issuer,
        "date": made,
        "day": issue.day.isoformat(),
        "contact": issue.contact,
        "sign": signature(issue.issuer, made),
        "cn": ["", *(chinese(i) for i in range(1, 20))],  # （一）（二）… of sections that number themselves
        "q": "“”",  # quotation marks for text built inside template tags (docxtpl makes “” there "")
    }


def _formatted(m: dict) -> dict[str, str]:
    out = {}
    for k, v in m.items():
        if k == "missing" or isinstance(v, bool) or not isinstance(v, int | float):
            continue
        out[k] = amount(v) if k in AMOUNT_SUMS else number(v)
    return out


def _raw(m: dict) -> dict:
    return {k: v for k, v in m.items() if k != "missing"}


def build_context(
    *,
    province: str,
    scope: str,
    period: Period,
    metrics: dict,
    changes: dict,
    submissions: list[dict],
    firms: list[dict],
    rows: list[tuple[str, dict]],
    missing: list[dict] | None,
    units: dict[str, str],
    issue: Issue,
    own_org_min_full_members: int = 3,
    small_medium_max: int = 50,
    charts: tuple[str, ...] = (),
    cities: tuple[str, ...] = (),
) -> dict:
    """`scope` is 全省 for the provincial report, the city's name for a city report; `rows` are the
    attachment table's rows (cities, or a city's districts); `submissions` every return of the
    scope read for the period; `charts` the charts that will be drawn, in order (chart_coverage,
    chart_trend), numbered 图1, 图2."""
    m = metrics
    n = _raw(m)
    is_province = scope == PROVINCE_SCOPE
    returned = sent_back(submissions)
    order = list(cities) or [name for name, _ in rows]
    unreported, back = unreported_and_sent_back(missing, returned, order, own_org_min_full_members)
    n["unreported"] = len(unreported) if missing is not None else None
    if m.get("expected_firms") is not None:  # 应报 = 已采用 + 退回待修改 + 未报送, over the roster's firms
        n["roster_rejected"] = m["expected_firms"] - m["reported_firms"] - len(unreported)
        # and the firms that reported from outside the roster, so every count of the text adds up
        # (never below 0: a roster firm whose return names another city counts there, not here)
        n["outside"] = max(
            0, m["firms"] - m["reported_firms"] + (m.get("returns_rejected") or 0) - n["roster_rejected"]
        )
    w = warning_counts(submissions)
    quality = warning_findings(submissions)
    weak = weakest(rows, m["org_coverage_rate"])
    received = m.get("returns_received", len(submissions))
    accepted = m["firms"]
    rejected = m.get("returns_rejected", len(returned))
    back_keys = {firm_key(f) for f in returned}
    rejected_returns = sum(s["status"] == "rejected" and firm_key(s) in back_keys for s in submissions)
    n["rejected_returns"] = rejected_returns
    n["returns_other"] = max(0, received - accepted - rejected_returns)
    empty = [
        {"name": name, "received": r.get("returns_received") or 0, "rejected": r.get("returns_rejected") or 0}
        for name, r in rows
        if is_province and r["firms"] == 0 and name != UNKNOWN_CITY
    ]
    said = phrases(changes, period.previous(), units)
    highlights = pick_highlights(firms, "city" if is_province else "district", warned_firms(submissions))
    org_own = m["org_own"]
    # 规范开展 only when 三、存在问题 has nothing to say about it (no W07, no W04)
    org_life = (
        ""
        if not org_own
        else "weak"
        if w["W07"] > ORG_LIFE_WEAK_SHARE * org_own
        else "good"
        if not w["W07"] and not w["W04"]
        else ""
    )
    sm, larger = m["small_medium_coverage_rate"], m["larger_coverage_rate"]
    small_vs_larger = (
        ""
        if sm is None or larger is None
        else "same"
        if abs(sm - larger) * 100 < 0.05
        else "lower"
        if sm < larger
        else "higher"
    )
    attachments = ["table"]
    if charts:
        attachments.append("charts")
    if unreported or back:
        attachments.append("names")
    att = {name: i for i, name in enumerate(attachments, 1)}
    ctx = _common(period, scope, issue) | {
        "province": province,
        "title": report_title(period, scope),
        "title_lines": title_lines(period, scope),
        "m": _formatted(m),
        "n": n,
        "p": {k: pct(m.get(k)) for k in (*RATES, "report_rate")}
        | {"small_medium_share": pct(m["small_medium_firms"] / accepted if accepted else None)},
        "gap": {"small_vs_larger": f"{abs((sm or 0) - (larger or 0)) * 100:.1f}"},
        "small_vs_larger": small_vs_larger,
        "size_text": size_text(m),
        "org_text": org_text(m),
        "small_medium_max": small_medium_max,
        "threshold": own_org_min_full_members,
        "has_roster": m.get("expected_firms") is not None,
        "w": {f"W{i:02d}": 0 for i in range(1, 13)} | dict(w),
        "r": {"received": number(received), "accepted": number(accepted), "rejected": number(rejected_returns)}
        | {"other": number(max(0, received - accepted - rejected_returns)), "rejected_firms": number(rejected)}
        | {"unreported": number(len(unreported)), "roster_rejected": number(n.get("roster_rejected") or 0)}
        | {"outside": number(n.get("outside") or 0)},
        "received": received,
        "rejected": rejected,
        "empty_cities": empty,
        "empty_note": _empty_note(empty),
        "compare_note": compare_note(changes, period.previous(), accepted),
        "has_history": bool(changes.get("hoh") or changes.get("yoy")),
        # no trend word over a figure of 0 (党员发展保持平稳 over 本期未发展党员)
        "trend": heading_trends(said["d"]) | ({"development": ""} if not m["new_members"] else {}),
        "org_life": org_life,
        "highlights": highlights,
        "highlights_count": chinese(len(highlights)),
        "problems": problems(n, w, quality, weak, own_org_min_full_members, "地市" if is_province else "区县"),
        "problem_quotes": problem_quotes(firms),
        "rows": [table_row(name, row) for name, row in rows],
        "total": table_row("合计", m),
        "unreported": unreported,
        "sent_back": back,
        "missing": unreported,
        "att": att,
        "attachments": [
            {
                "n": i,
                "name": {
                    "table": f"{'各地市' if is_province else '各区县'}党建工作情况表",
                    "charts": "主要指标图表",
                    "names": "未报送和退回待修改律所名单"
                    if unreported and back
                    else "未报送律所名单"
                    if unreported
                    else "退回待修改律所名单",
                }[a],
            }
            for i, a in enumerate(attachments, 1)
        ],
        "fig": {name: i for i, name in enumerate(charts, 1)},
    }
    ctx |= said
    return ctx


SIZE_WORDS = {
    "size_le10": "执业律师10人以下的律所",
    "size_11_20": "11—20人的",
    "size_21_50": "21—50人的",
    "size_51_100": "51—100人的",
    "size_gt100": "101人以上的",
}
ORG_WORDS = {"org_committee": "党委", "org_general_branch": "党总支", "org_single_branch": "党支部"}


def size_text(m: dict) -> str:
    """The size bands that hold firms: `执业律师10人以下的律所1,120家，11—20人的382家…`."""
    parts = [(key, m[key]) for key in SIZE_WORDS if m[key]]
    out = []
    for i, (key, count) in enumerate(parts):
        words = SIZE_WORDS[key]
        if i == 0 and key != "size_le10":
            words = "执业律师" + words.removesuffix("的") + "的律所"
        out.append(f"{words}{number(count)}家")
    return "，".join(out)


def org_text(m: dict) -> str:
    """`党委2家、党总支10家、党支部898家`; `均为党支部` when there is one kind (`为党支部` for one
    firm); '' with none."""
    parts = [(ORG_WORDS[k], m[k]) for k in ORG_WORDS if m[k]]
    if len(parts) == 1:
        return f"{'均' if parts[0][1] > 1 else ''}为{parts[0][0]}"
    return "、".join(f"{word}{number(count)}家" for word, count in parts)


def _empty_note(empty: list[dict]) -> str:
    """`韶关市、肇庆市本期没有采用的报表（韶关市收到的2份报表均已退回修改）。`"""
    if not empty:
        return ""
    names = "、".join(e["name"] for e in empty)
    sent = [e for e in empty if e["received"]]
    detail = "，".join(
        f"{e['name']}收到的{number(e['received'])}份报表{'均' if e['received'] > 1 else ''}未通过审核" for e in sent
    )
    return f"{names}本期没有采用的报表" + (f"（{detail}）" if detail else "") + "。"


NOTICE_NAMES_MAX = 10  # firms named in the notice's sentence; more are counted (等N家)


def _named(names: list[str]) -> str:
    """`甲所、乙所`, or the first NOTICE_NAMES_MAX and `等N家`."""
    more = f"等{len(names)}家" if len(names) > NOTICE_NAMES_MAX else ""
    return "、".join(names[:NOTICE_NAMES_MAX]) + more


def build_notice_context(
    *,
    scope: str,
    period: Period,
    metrics: dict,
    submissions: list[dict],
    issue: Issue,
    missing: list[dict] | None = None,
    own_org_min_full_members: int = 3,
) -> dict:
    """The one-page notice for a city with no accepted return (docs/metrics.md). The city receives
    no 汇总表, so the roster firms that sent nothing are named here (`missing`: the city's)."""
    m = metrics
    returned = sent_back(submissions)
    unreported, _ = unreported_and_sent_back(missing, returned, [scope])
    return _common(period, scope, issue) | {
        "unreported": len(unreported),
        "unreported_names": _named([f["firm_name"] for f in unreported]),
        "title": "".join(notice_title_lines(period, scope)),
        "title_lines": notice_title_lines(period, scope),
        "received": m.get("returns_received", len(submissions)),
        "r": {
            "received": number(m.get("returns_received", len(submissions))),
            "rejected": number(m.get("returns_rejected", len(returned))),
        },
        "rules": CATALOGUE.titled(sorted({r for f in returned for r in f["rules"]}), own_org_min_full_members),
        "back_names": _named([f.get("firm_name") or "（未填写名称的律所）" for f in returned]),
        "has_roster": m.get("expected_firms") is not None,
        "m": {"expected_firms": number(m["expected_firms"]) if m.get("expected_firms") is not None else ""},
    }
