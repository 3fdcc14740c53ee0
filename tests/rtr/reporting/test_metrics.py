"""Metrics against hand-computed values, and the cities adding up to the province."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtr.reading.roster import RosterFirm
from rtr.reporting.metrics import (
    ACTIVITY_SUMS,
    COUNT_KEYS,
    RATES,
    SUBMISSION_KEYS,
    UNKNOWN_CITY,
    aggregate,
    changes,
    compute,
    frame,
    like_for_like,
    place,
    received,
    sent_back,
)

CITIES = ("甲市", "乙市", "丙市")


def firm(uscc, city, lawyers, members, full, org, **kw):
    base = dict(
        uscc=uscc,
        firm_name=f"{uscc}所",
        city=city,
        lawyers=lawyers,
        partners=0,
        members=members,
        full_members=full,
        probationary=members - full,
        member_partners=0,
        members_elsewhere=0,
        new_members=0,
        activists=0,
        applicants=0,
        org_type=org,
        venue="无",
        instructor=False,
        secretary_is_director=False,
        secretary_in_management=False,
        charter=False,
        funds_in_budget=False,
        appraisal=False,
    )
    base.update(dict.fromkeys(ACTIVITY_SUMS, 0))
    base.update(revenue=0.0, funds=0.0)
    base.update(kw)
    return base


FIXED = [
    firm(
        "A",
        "甲市",
        120,
        50,
        48,
        "党委",
        partners=30,
        member_partners=12,
        secretary_is_director=True,
        secretary_in_management=True,
        charter=True,
        funds_in_budget=True,
        appraisal=True,
        venue="示范",
        member_meetings=3,
        party_lectures=4,
        theme_days=6,
        training=100,
        legal_aid=40,
        legal_aid_by_members=20,
        revenue=5000.555,
        funds=10.1,
        cases=900,
        complaints=2,
        sanctions=1,
        new_members=2,
        activists=3,
        applicants=5,
    ),
    firm(
        "B",
        "甲市",
        30,
        10,
        9,
        "单独党支部",
        partners=6,
        member_partners=3,
        secretary_in_management=True,
        charter=True,
        venue="标准",
        revenue=800.0,
        funds=2.0,
        pro_bono=4,
        consultations=50,
    ),
    firm("C", "乙市", 8, 2, 2, "联合党支部", partners=2, member_partners=1, venue="普通", village_advisers=2),
    firm("D", "乙市", 5, 0, 0, "未建立", instructor=True, enterprise_checkups=1),
    firm(
        "E", "乙市", 15, 4, 3, "联合党支部", partners=3, funds_in_budget=None, gov_advisers=1, petitions=2, lectures=3
    ),
    firm("F", "甲市", 60, 1, 1, "未建立", instructor=None, members_elsewhere=1),
]


def test_every_key_hand_computed():
    m = compute(frame(FIXED), small_medium_max=50)
    expected = {
        "firms": 6,
        "lawyers": 238,
        "partners": 41,
        "members": 67,
        "full_members": 63,
        "probationary": 4,
        "member_partners": 16,
        "members_elsewhere": 1,
        "new_members": 2,
        "activists": 3,
        "applicants": 5,
        "firms_with_members": 5,
        "firms_3plus": 3,
        "firms_no_members": 1,
        "org_single_branch": 1,
        "org_general_branch": 0,
        "org_committee": 1,
        "org_joint": 2,
        "org_none": 2,
        "org_own": 2,
        "org_covered": 4,
        "instructor_firms": 1,
        "yijiantiao_firms": 1,
        "secretary_in_management_firms": 2,
        "charter_firms": 2,
        "funds_in_budget_firms": 1,
        "appraisal_firms": 1,
        "venue_demo": 1,
        "venue_standard": 1,
        "venue_basic": 1,
        "venue_none": 3,
        "member_meetings": 3,
        "committee_meetings": 0,
        "group_meetings": 0,
        "party_lectures": 4,
        "theme_days": 6,
        "training": 100,
        "legal_aid": 40,
        "legal_aid_by_members": 20,
        "pro_bono": 4,
        "consultations": 50,
        "village_advisers": 2,
        "enterprise_checkups": 1,
        "gov_advisers": 1,
        "petitions": 2,
        "lectures": 3,
        "revenue": 5800.56,
        "funds": 12.1,
        "cases": 900,
        "complaints": 2,
        "sanctions": 1,
        "size_le10": 2,
        "size_11_20": 1,
        "size_21_50": 1,
        "size_51_100": 1,
        "size_gt100": 1,
        "small_medium_firms": 4,
        "small_medium_org_covered": 3,
        "larger_firms": 2,
        "larger_org_covered": 1,
        "no_charter_firms": 4,
        "small_medium_coverage_rate": 3 / 4,
        "larger_coverage_rate": 1 / 2,
        "member_share": 67 / 238,
        "member_partner_share": 16 / 41,
        "own_org_rate": 2 / 6,
        "org_coverage_rate": 4 / 6,
        "member_firm_coverage_rate": 4 / 5,
        "should_build_rate": 2 / 3,
        "work_coverage_rate": 5 / 6,
        "yijiantiao_rate": 1 / 2,
        "secretary_in_management_rate": 2 / 2,
        "charter_rate": 2 / 6,
        "funds_in_budget_rate": 1 / 6,
    }
    assert set(m) == set(expected)
    for key, value in expected.items():
        assert m[key] == pytest.approx(value), key


def test_the_own_organisation_threshold_comes_from_the_rules():
    three = compute(frame(FIXED))
    ten = compute(frame(FIXED), own_org_min_full_members=10)
    assert (three["firms_3plus"], three["should_build_rate"]) == (3, pytest.approx(2 / 3))
    assert (ten["firms_3plus"], ten["should_build_rate"]) == (1, 1.0)  # only A (48 full members, 党委)
    province, _ = aggregate(FIXED, CITIES, 50, None, own_org_min_full_members=10)
    assert province["firms_3plus"] == 1


def test_like_for_like_compares_the_firms_accepted_in_both_periods():
    before = [dict(f, lawyers=f["lawyers"] - 1) for f in FIXED[:5]] + [firm("Z", "甲市", 200, 9, 9, "单独党支部")]
    args = (50, 3)
    this, that = compute(frame(FIXED), *args), compute(frame(before), *args)
    like = like_for_like(frame(FIXED), frame(before), *args)
    assert like[2] == 5 and like[0]["firms"] == like[1]["firms"] == 5
    c = changes(this, that, "2023H2", like)
    assert c["basis"] == "like_for_like" and c["like_for_like"]["base_firms"] == 5 and c["firms_then"] == 6
    assert c["like_for_like"]["lawyers"] == {"delta": 5, "relative": pytest.approx(5 / 173)}  # A–E, one each
    assert c["lawyers"]["delta"] == 238 - (173 + 200)  # the totals stay, as docs/metrics.md says
    assert set(c["like_for_like"]) == set(COUNT_KEYS) | {"base_firms"}
    gz = like_for_like(frame(FIXED), frame(before), *args, city="乙市")
    assert gz[2] == 3 and gz[0]["lawyers"] == 28 and gz[1]["lawyers"] == 25
    # too few firms in both periods: the basis is totals, and documents leave counts uncompared
    other = [dict(f, uscc=f"X{f['uscc']}") for f in FIXED]
    few = changes(this, compute(frame(other), *args), "2023H2", like_for_like(frame(FIXED), frame(other), *args))
    assert few["basis"] == "totals" and few["like_for_like"]["base_firms"] == 0
    half = [*FIXED[:3], *other[3:]]
    assert changes(this, this, "x", like_for_like(frame(FIXED), frame(half), *args))["basis"] == "like_for_like"
    assert changes(this, that, "x")["basis"] == "totals"


def sub(status, uscc, name="所", city="甲市", rules=(), file="f.xlsx"):
    return {
        "status": status,
        "uscc": uscc,
        "firm_name": name,
        "city": city,
        "file": file,
        "findings": [{"rule": r, "severity": "error" if r.startswith("E") else "warning"} for r in rules],
    }


def test_sent_back_are_firms_whose_only_returns_were_rejected():
    subs = [
        sub("accepted", "A", rules=["W07"]),
        sub("rejected", "A", rules=["E06"]),  # a worse return after an accepted one: still counted as A's
        sub("rejected", "B", "B所", rules=["E07", "E06", "E07"]),
        sub("rejected", "B", "B所", rules=["E10"], file="g.xlsx"),
        sub("superseded", "C"),
        sub("rejected", None, "无码所", city="乙市", rules=["E03"]),
        sub("accepted", "D", city="乙市"),
    ]
    back = sent_back(subs)
    assert [(f["uscc"], f["firm_name"], f["rules"]) for f in back] == [
        ("B", "B所", ["E06", "E07", "E10"]),
        (None, "无码所", ["E03"]),
    ]
    assert received(subs, 2) == {"returns_received": 7, "returns_accepted": 2, "returns_rejected": 2}
    assert received(subs, 1, "乙市") == {"returns_received": 2, "returns_accepted": 1, "returns_rejected": 1}
    province, by_city = aggregate(FIXED, CITIES, 50, None, submissions=subs)
    assert province["returns_received"] == 7 and by_city["丙市"]["returns_received"] == 0


def test_empty_city_has_zeros_and_null_rates():
    m = compute(frame([]))
    assert all(m[k] == 0 for k in COUNT_KEYS)
    assert all(m[k] is None for k in RATES)


def test_aggregate_every_city_and_roster():
    roster = [
        RosterFirm("A", "A所", "甲市"),
        RosterFirm("B", "B所", "甲市"),
        RosterFirm("X", "X所", "甲市"),
        RosterFirm("Y", "Y所", "丙市"),
    ]
    province, by_city = aggregate(FIXED, CITIES, 50, roster)
    assert set(by_city) == set(CITIES)
    assert by_city["丙市"]["firms"] == 0 and by_city["丙市"]["expected_firms"] == 1
    assert province["expected_firms"] == 4 and province["reported_firms"] == 2 and province["report_rate"] == 0.5
    assert [f["uscc"] for f in province["missing"]] == ["X", "Y"]
    assert by_city["甲市"]["missing"] == [{"uscc": "X", "firm_name": "X所", "city": "甲市"}]
    no_roster, _ = aggregate(FIXED, CITIES, 50, None)
    assert all(no_roster[k] is None for k in SUBMISSION_KEYS)


def test_changes_with_and_without_history():
    now = compute(frame(FIXED))
    before = compute(frame(FIXED[:4]))
    c = changes(now, before, "2023H2")
    assert c["period"] == "2023H2"
    assert c["firms"] == {"delta": 2, "relative": 0.5}
    assert c["lawyers"]["delta"] == 75 and c["lawyers"]["relative"] == pytest.approx(75 / 163)
    assert c["own_org_rate"]["delta_pp"] == pytest.approx((2 / 6 - 2 / 4) * 100)
    assert c["instructor_firms"] == {"delta": 0, "relative": 0.0}
    assert changes(now, None, "2023H2") is None
    empty = compute(frame([]))
    assert changes(now, empty, "2023H2")["firms"] == {"delta": 6, "relative": None}
    assert changes(now, empty, "2023H2")["member_share"] == {"delta_pp": None, "shown_pp": None}


ORGS = ("单独党支部", "党总支", "党委", "联合党支部", "未建立")


@st.composite
def returns(draw):
    out = []
    for i in range(draw(st.integers(0, 30))):
        lawyers = draw(st.integers(1, 200))
        members = draw(st.integers(0, lawyers))
        full = draw(st.integers(0, members))
        out.append(
            firm(
                f"U{i}",
                draw(st.sampled_from(CITIES)),
                lawyers,
                members,
                full,
                draw(st.sampled_from(ORGS)),
                instructor=draw(st.sampled_from((True, False, None))),
                charter=draw(st.booleans()),
                venue=draw(st.sampled_from(("示范", "标准", "普通", "无"))),
                revenue=draw(st.floats(0, 1e5, allow_nan=False).map(lambda x: round(x, 2))),
                legal_aid=draw(st.integers(0, 50)),
            )
        )
    return out


@settings(max_examples=60, deadline=None)
@given(returns())
def test_cities_add_up_to_the_province(values):
    province, by_city = aggregate(values, CITIES, 50, None)
    for key in COUNT_KEYS:
        total = sum(by_city[c][key] for c in CITIES)
        assert total == pytest.approx(province[key], abs=0.011), key


def test_returns_without_a_city_are_placed_by_the_roster_else_apart():
    subs = [
        {"uscc": "A", "city": "广州市", "status": "accepted", "file": "a", "findings": []},
        {
            "uscc": "B",
            "city": None,
            "status": "rejected",
            "file": "b",
            "findings": [{"rule": "E05", "severity": "error"}],
        },
        {
            "uscc": None,
            "city": None,
            "status": "rejected",
            "file": "c",
            "findings": [{"rule": "E03", "severity": "error"}],
        },
    ]
    roster = [RosterFirm("B", "乙所", "深圳市"), RosterFirm("A", "甲所", "深圳市")]
    placed = place(subs, ("广州市", "深圳市"), roster)
    # the city a return names wins; the roster's fills a missing one; else （地市不明）
    assert [s["city"] for s in placed] == ["广州市", "深圳市", UNKNOWN_CITY]
    assert subs[1]["city"] is None  # the records given are not changed
    values = [{"uscc": "A", "firm_name": "甲所", "city": "广州市", "lawyers": 3}]
    province, by_city = aggregate(values, ("广州市", "深圳市"), 50, None, submissions=placed)
    assert list(by_city) == ["广州市", "深圳市", UNKNOWN_CITY]
    for key in ("returns_received", "returns_accepted", "returns_rejected"):
        assert sum(m[key] for m in by_city.values()) == province[key], key
    assert by_city[UNKNOWN_CITY]["firms"] == 0 and by_city[UNKNOWN_CITY]["returns_rejected"] == 1
    # nothing without a city: no such entry
    assert list(aggregate(values, ("广州市", "深圳市"), 50, None, submissions=placed[:2])[1]) == ["广州市", "深圳市"]
