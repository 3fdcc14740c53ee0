"""The report's context: the heading words follow the figures under them, over random histories;
only problems that exist; 特色做法 from distinct texts of firms without warnings; the lists split."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import jinja2
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.report import PeriodData
from rtr.form.periods import Period
from rtr.reporting.metrics import UNKNOWN_CITY, aggregate
from rtr.reporting.report_context import (
    HEADINGS,
    Issue,
    build_context,
    pick_highlights,
    problem_quotes,
    problems,
    signature,
    unreported_and_sent_back,
    warning_counts,
)
from tests.rtr.reporting.test_metrics import firm

ROOT = Path(__file__).resolve().parents[3]
CITIES = ("甲市", "乙市")
NOW = Period(2024, 1)
ISSUE = Issue("中共某省律师行业委员会", date(2024, 7, 20), "办公室 020-1")
ZERO = re.compile(r"(?<![\d.,])0(家|份|项|人|个)")
UP, DOWN = re.compile("增长|增加|提高"), re.compile("下降|减少|降低")
# what each heading's words say, by the direction of its figures (conduct: fewer complaints is progress)
SAYS = {
    "up": re.compile("提高|深化|稳步推进|明显"),
    "down": re.compile("下降|弱化|放缓|减少"),
    "flat": re.compile("稳定|平稳"),
}
CONDUCT = {"down": re.compile("持续加强"), "up": re.compile("仍需加强"), "flat": re.compile("平稳")}
TRENDS = ("sanjin", "yijiantiao", "development", "service", "conduct")  # the headings chosen by trend.*


@cache
def template_paragraphs() -> list[tuple[str, str]]:
    """(style, text) of the provincial template's paragraphs: each heading of 二 and the paragraph under it."""
    doc = Document(str(ROOT / "templates/province_report.docx"))
    return [(p.style.name, p.text) for p in doc.paragraphs]


@cache
def compiled(text: str) -> jinja2.Template:
    return jinja2.Environment(autoescape=False).from_string(text)


def rendered_sections(ctx: dict) -> dict[str, tuple[str, str]]:
    """heading name → (heading text, the paragraph under it), rendered from the template's words."""
    paras = template_paragraphs()
    out = {}
    numbering = "{% set sec = namespace(i=0) %}"  # set once at the top of 二 in the template
    for i, (style, text) in enumerate(paras):
        name = next((t for t in TRENDS if f"trend.{t} " in text), None)
        if style == "公文二级标题" and name:
            body = paras[i + 1][1]
            out[name] = (compiled(numbering + text).render(ctx), compiled(body).render(ctx))
    return out


@st.composite
def histories(draw):
    """Three half-years of a few firms; each period holds a random subset (like for like or not)."""
    n = draw(st.integers(1, 10))
    orgs = ("单独党支部", "党委", "联合党支部", "未建立")
    by_period = {}
    for period in (NOW, NOW.previous(), NOW.year_before()):
        chosen = draw(st.lists(st.integers(0, n - 1), min_size=1 if period == NOW else 0, max_size=n, unique=True))
        values = []
        for i in sorted(chosen):
            lawyers = draw(st.integers(1, 150))
            members = draw(st.integers(0, lawyers))
            full = draw(st.integers(0, members))
            org = draw(st.sampled_from(orgs)) if full >= 3 else draw(st.sampled_from(orgs[2:]))
            values.append(
                firm(
                    f"U{i}",
                    CITIES[i % 2],
                    lawyers,
                    members,
                    full,
                    org,
                    new_members=draw(st.integers(0, members - full)),
                    charter=draw(st.booleans()),
                    funds_in_budget=draw(st.booleans()),
                    secretary_in_management=org in orgs[:2] and draw(st.booleans()),
                    secretary_is_director=org in orgs[:2] and draw(st.booleans()),
                    legal_aid=draw(st.integers(0, 300)),
                    pro_bono=draw(st.integers(0, 300)),
                    complaints=draw(st.integers(0, 3)),
                    sanctions=draw(st.integers(0, 2)),
                )
            )
        if values:
            by_period[period.id] = values
    return by_period


def context_of(by_period: dict[str, list[dict]]) -> tuple[dict, dict]:
    aggregates = {p: aggregate(v, CITIES, 50, None) for p, v in by_period.items()}
    data = PeriodData(NOW, by_period[NOW.id], aggregates, by_period, 50, 3)
    changes = data.changes_for(None)
    province, by_city = aggregates[NOW.id]
    ctx = build_context(
        province="某省",
        scope="全省",
        period=NOW,
        metrics=province,
        changes=changes,
        submissions=[],
        firms=by_period[NOW.id],
        rows=[(c, by_city[c]) for c in CITIES],
        missing=None,
        units={},
        issue=ISSUE,
        cities=CITIES,
    )
    return ctx, changes


def expected_direction(changes: dict, keys: tuple[str, ...]) -> str:
    """From the raw changes: counts compare like for like only, rates by the printed rates' difference."""
    signs = set()
    for kind in ("yoy", "hoh"):
        c = changes.get(kind)
        if c is None:
            continue
        for key in keys:
            if key.endswith("_rate"):
                pp = c[key]["shown_pp"]  # as the reader works it out from the printed rates
                if pp is not None:
                    signs.add("flat" if abs(pp) < 0.05 else "up" if pp > 0 else "down")
            elif c["basis"] == "like_for_like":
                d = c["like_for_like"][key]["delta"]
                signs.add("flat" if d == 0 else "up" if d > 0 else "down")
    moving = signs - {"flat"}
    if not signs:
        return ""
    if not moving:
        return "flat"
    return moving.pop() if len(moving) == 1 else "mixed"


@settings(max_examples=40, deadline=None)
@given(histories())
def test_every_heading_agrees_with_the_figures_under_it(by_period):
    ctx, changes = context_of(by_period)
    sections = rendered_sections(ctx)
    assert set(sections) == set(TRENDS)
    for name, (heading, body) in sections.items():
        way = expected_direction(changes, HEADINGS[name])
        if name == "development" and not ctx["n"]["new_members"]:
            way = ""  # nobody admitted: no trend word over 本期未发展党员
        words = CONDUCT if name == "conduct" else SAYS
        if way in words:
            assert words[way].search(heading), (name, way, heading)
        for other, pattern in words.items():
            if other != way:
                assert not pattern.search(heading), (name, way, heading)
        # and the paragraph under it never moves the other way
        if way in ("up", "flat") and name != "conduct":
            assert not DOWN.search(body), (name, way, body)
        if way in ("down", "flat") and name != "conduct":
            assert not UP.search(body), (name, way, body)


@settings(max_examples=10, deadline=None)
@given(histories())
def test_without_history_no_trend_word_at_all(by_period):
    ctx, _ = context_of({NOW.id: by_period[NOW.id]})
    assert not ctx["has_history"] and ctx["compare_note"] == ""
    for name, (heading, body) in rendered_sections(ctx).items():
        for pattern in (*SAYS.values(), *CONDUCT.values()):
            assert not pattern.search(heading), (name, heading)
        assert not re.search("同比|较上|持平|环比", body), body


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from([f"W{i:02d}" for i in range(1, 13)]), st.integers(0, 3)), st.data())
def test_problems_name_only_what_exists(w, data):
    n = {
        key: data.draw(st.integers(0, 3))
        for key in ("org_own", "venue_none", "no_charter_firms", "returns_rejected", "unreported")
    }
    found = data.draw(st.integers(0, 3))
    items = problems(n, Counter(w), (min(found, 1), found), [], 3, "地市")
    text = "".join(i["ordinal"] + i["title"] + i["text"] for i in items)
    assert not ZERO.search(text), text
    assert [i["ordinal"] for i in items] == [f"{c}是" for c in "一二三四"[: len(items)]]
    assert all(i["text"].endswith("。") and "；。" not in i["text"] for i in items)
    relevant = [w.get(r, 0) for r in ("W01", "W02", "W03", "W04", "W07")]
    relevant += [n[k] for k in ("venue_none", "no_charter_firms", "returns_rejected", "unreported")] + [found]
    assert (items == []) == (not any(relevant))


def test_highlights_are_distinct_texts_of_firms_without_warnings():
    firms = [
        {"uscc": "3", "city": "甲", "org_type": "联合党支部", "members": 50, "highlights": "联合", "firm_name": "c"},
        {"uscc": "2", "city": "甲", "org_type": "党委", "members": 10, "highlights": "  党委\n做法 ", "firm_name": "b"},
        {"uscc": "1", "city": "甲", "org_type": "单独党支部", "members": 30, "highlights": "支部", "firm_name": "a"},
        {"uscc": "4", "city": "乙", "org_type": "未建立", "members": 0, "highlights": "", "firm_name": "d"},
        {"uscc": "5", "city": "丙", "org_type": "联合党支部", "members": 1, "highlights": "长" * 300, "firm_name": "e"},
        {"uscc": "6", "city": "丁", "org_type": "党委", "members": 99, "highlights": "支部", "firm_name": "f"},
        {"uscc": "7", "city": "戊", "org_type": "党委", "members": 98, "highlights": "警示", "firm_name": "g"},
    ]
    picked = pick_highlights(firms, warned={"7"})
    assert [(h["firm_name"], h["place"]) for h in picked] == [("f", "丁"), ("b", "甲"), ("e", "丙")]
    assert picked[2]["text"].endswith("……") and len(picked[2]["text"]) == 202
    by_district = [dict(f, district=f["city"] + "区", city="某市") for f in firms]
    assert [h["place"] for h in pick_highlights(by_district, "district")][:2] == ["丁区", "戊区"]


def test_problem_quotes_and_warning_counts():
    assert problem_quotes([{"problems": "b"}, {"problems": "a"}, {"problems": "b"}, {"problems": None}]) == ["b", "a"]
    subs = [
        {
            "status": "accepted",
            "findings": [{"rule": "W07", "severity": "warning"}, {"rule": "W07", "severity": "warning"}],
        },
        {"status": "accepted", "findings": [{"rule": "W01", "severity": "warning"}]},
        {
            "status": "rejected",
            "findings": [{"rule": "W07", "severity": "warning"}, {"rule": "E06", "severity": "error"}],
        },
    ]
    assert warning_counts(subs) == Counter({"W07": 1, "W01": 1})


def test_unreported_are_roster_firms_that_sent_nothing_and_sent_back_are_listed_apart():
    missing = [
        {"uscc": "B", "firm_name": "乙所", "city": "乙市"},
        {"uscc": "A", "firm_name": "甲所", "city": "甲市"},
        {"uscc": "C", "firm_name": "丙所", "city": "甲市"},
    ]
    back = [
        {"uscc": "C", "firm_name": "丙所", "city": "甲市", "file": "c.xlsx", "rules": ["E06", "E07"]},
        {"uscc": None, "firm_name": "无码所", "city": None, "file": "x.xlsx", "rules": ["E03"]},
    ]
    none, sent = unreported_and_sent_back(missing, back, ["甲市", "乙市"])
    assert [f["firm_name"] for f in none] == ["甲所", "乙所"]  # sorted by city; 丙所 was sent back
    assert [(f["city"], f["firm_name"], f["rules"]) for f in sent] == [
        ("甲市", "丙所", "E06 党员律师数大于执业律师数；E07 正式党员与预备党员之和不等于党员律师数"),
        (UNKNOWN_CITY, "无码所", "E03 统一社会信用代码不正确"),
    ]


def test_signature_follows_gb_t_9704():
    # issuer two characters from the right; the date's first character two right of the issuer's
    s = signature("中共广东省律师行业委员会", "2024年7月20日")  # 12 and 6.5 characters wide
    assert s == {"issuer_right": 2 * 316, "date_right": round(5.5 * 316)}
    long_date = signature("某委", "2024年12月20日")  # a date longer than the issuer stays two from the right
    assert long_date["date_right"] == 2 * 316 and long_date["issuer_right"] == (2 + 7 + 2 - 2) * 316
