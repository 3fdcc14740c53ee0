"""The context a Word template is rendered with: numbers, rates and phrases. Pure.

Every variable a template may use is built here (README, "Template variables").
"""

from __future__ import annotations

from collections import Counter

from rtr.checking.catalogue import WARNING_RULES
from rtr.filenames import safe_component
from rtr.form.periods import Period
from rtr.reporting.metrics import COUNT_KEYS, OWN, RATES
from rtr.reporting.phrasing import against_label, count_change, joined, number, pct, rate_change, unit_of

HIGHLIGHTS_MAX = 5
HIGHLIGHT_CHARS = 200
QUOTES_MAX = 3


def phrases(metrics: dict, changes: dict, previous: Period, units: dict[str, str]) -> dict[str, dict[str, str]]:
    """For every count and rate: its 同比 phrase, its 环比 phrase, and both joined after a comma."""
    out: dict[str, dict[str, str]] = {"yoy": {}, "hoh": {}, "chg": {}}
    labels = {kind: against_label(kind, previous.label) for kind in ("hoh", "yoy")}
    for key in (*COUNT_KEYS, *RATES):
        for kind in ("yoy", "hoh"):
            change = (changes.get(kind) or {}).get(key)
            text = (
                rate_change(change, kind, labels[kind])
                if key in RATES
                else count_change(change, unit_of(key, units), kind, labels[kind])
            )
            out[kind][key] = text
        out["chg"][key] = joined(out["yoy"][key], out["hoh"][key])
    return out


def pick_highlights(firms: list[dict], per: str = "city") -> list[dict]:
    """特色做法 quoted from field 701: firms with their own Party organisation first, then more
    members, then by USCC; at most one firm per city (`per="district"` in a city report) and five in
    all; each quote cut at 200 characters."""
    ranked = sorted(
        (f for f in firms if (f.get("highlights") or "").strip()),
        key=lambda f: (f.get("org_type") not in OWN, -int(f.get("members") or 0), str(f.get("uscc"))),
    )
    chosen, seen = [], set()
    for f in ranked:
        if f.get(per) in seen:
            continue
        seen.add(f.get(per))
        text = " ".join(str(f["highlights"]).split())
        chosen.append(
            {
                "firm_name": f.get("firm_name") or "",
                "city": f.get("city") or "",
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


def warning_counts(submissions: list[dict]) -> dict[str, int]:
    """How many accepted returns carry each warning."""
    counts = dict.fromkeys(WARNING_RULES, 0)
    for s in submissions:
        if s["status"] != "accepted":
            continue
        for rule in {f["rule"] for f in s["findings"]}:
            if rule in counts:
                counts[rule] += 1
    return counts


def table_row(name: str, m: dict) -> dict[str, str]:
    return {
        "name": name,
        "firms": number(m["firms"]),
        "lawyers": number(m["lawyers"]),
        "members": number(m["members"]),
        "member_share": pct(m["member_share"]),
        "org_own": number(m["org_own"]),
        "own_org_rate": pct(m["own_org_rate"]),
        "org_coverage_rate": pct(m["org_coverage_rate"]),
        "work_coverage_rate": pct(m["work_coverage_rate"]),
        "report_rate": pct(m.get("report_rate")),
    }


def report_title(period: Period, scope: str) -> str:
    return f"{period.label}{scope}律师行业党建工作情况报告"


def report_path(period: Period, scope: str, province_scope: str = "全省") -> str:
    """Where a report goes under the period's output folder: the provincial report by its title,
    a city's as `分地市/<city>.docx`. Rendering writes there and delivery looks there."""
    if scope == province_scope:
        return f"{safe_component(report_title(period, scope))}.docx"
    return f"分地市/{safe_component(scope)}.docx"


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
) -> dict:
    """`scope` is 全省 for the provincial report, the city's name for a city report; `rows` are the
    attachment table's rows (cities, or a city's districts)."""
    m = metrics
    rejected = sum(s["status"] == "rejected" for s in submissions)
    ctx = {
        "province": province,
        "scope": scope,
        "period_label": period.label,
        "period_id": period.id,
        "period_end": f"{period.end.year}年{period.end.month}月{period.end.day}日",
        "title": report_title(period, scope),
        "m": {k: number(v) if isinstance(v, (int, float)) else v for k, v in m.items() if k != "missing"},
        "p": {k: pct(m.get(k)) for k in (*RATES, "report_rate")},
        "has_roster": m.get("expected_firms") is not None,
        "w": warning_counts(submissions),
        "received": len(submissions),
        "rejected": rejected,
        "highlights": pick_highlights(firms, "city" if scope == "全省" else "district"),
        "problem_quotes": problem_quotes(firms),
        "rows": [table_row(name, row) for name, row in rows],
        "total": table_row("合计", m),
        "missing": missing or [],
        "has_history": bool(changes.get("hoh") or changes.get("yoy")),
    }
    ctx |= phrases(m, changes, period.previous(), units)
    return ctx
