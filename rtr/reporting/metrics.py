"""Every metric of metrics.md, for the province and each city, from the accepted returns. Pure.

`frame` builds a DataFrame from the accepted returns' values; `compute` takes one (or a city's
slice) to a flat dict of metrics; `changes` compares two such dicts (环比 / 同比).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rtr.form.groups import JOINT, NONE, OWN
from rtr.reading.roster import RosterFirm

MEMBER_SUMS = (
    "lawyers",
    "partners",
    "members",
    "full_members",
    "probationary",
    "member_partners",
    "members_elsewhere",
    "new_members",
    "activists",
    "applicants",
)
ACTIVITY_SUMS = (
    "member_meetings",
    "committee_meetings",
    "group_meetings",
    "party_lectures",
    "theme_days",
    "training",
    "legal_aid",
    "legal_aid_by_members",
    "pro_bono",
    "consultations",
    "village_advisers",
    "enterprise_checkups",
    "gov_advisers",
    "petitions",
    "lectures",
    "cases",
    "complaints",
    "sanctions",
)
AMOUNT_SUMS = ("revenue", "funds")
ORG_COUNTS = {
    "org_single_branch": "单独党支部",
    "org_general_branch": "党总支",
    "org_committee": "党委",
    "org_joint": JOINT,
    "org_none": NONE,
}
VENUE_COUNTS = {"venue_demo": "示范", "venue_standard": "标准", "venue_basic": "普通", "venue_none": "无"}
SIZE_BANDS = {
    "size_le10": (0, 10),
    "size_11_20": (11, 20),
    "size_21_50": (21, 50),
    "size_51_100": (51, 100),
    "size_gt100": (101, None),
}
YES_COUNTS = {"charter_firms": "charter", "funds_in_budget_firms": "funds_in_budget", "appraisal_firms": "appraisal"}
COUNT_KEYS = (
    "firms",
    *MEMBER_SUMS,
    "firms_with_members",
    "firms_3plus",
    "firms_no_members",
    *ORG_COUNTS,
    "org_own",
    "org_covered",
    "instructor_firms",
    "yijiantiao_firms",
    "secretary_in_management_firms",
    *YES_COUNTS,
    *VENUE_COUNTS,
    *ACTIVITY_SUMS,
    *AMOUNT_SUMS,
    *SIZE_BANDS,
    "small_medium_firms",
)
RATES = {  # key: (numerator, denominator)
    "member_share": ("members", "lawyers"),
    "member_partner_share": ("member_partners", "partners"),
    "own_org_rate": ("org_own", "firms"),
    "org_coverage_rate": ("org_covered", "firms"),
    "member_firm_coverage_rate": ("org_covered", "firms_with_members"),
    "should_build_rate": ("firms_3plus_own", "firms_3plus"),
    "work_coverage_rate": ("work_covered", "firms"),
    "yijiantiao_rate": ("yijiantiao_firms", "org_own"),
    "secretary_in_management_rate": ("secretary_in_management_firms", "org_own"),
    "charter_rate": ("charter_firms", "firms"),
    "funds_in_budget_rate": ("funds_in_budget_firms", "firms"),
}
RATE_WORDS = {
    "member_share": "党员律师占比",
    "member_partner_share": "党员合伙人占比",
    "own_org_rate": "单独组建率",
    "org_coverage_rate": "党的组织覆盖率",
    "member_firm_coverage_rate": "有党员律所组织覆盖率",
    "should_build_rate": "应建尽建率",
    "work_coverage_rate": "党的工作覆盖率",
    "yijiantiao_rate": "“一肩挑”比例",
    "secretary_in_management_rate": "书记进管理层比例",
    "charter_rate": "党建入章程比例",
    "funds_in_budget_rate": "经费列入预算比例",
}
SUBMISSION_KEYS = ("expected_firms", "reported_firms", "report_rate", "missing")
FIELDS = (
    *MEMBER_SUMS,
    *ACTIVITY_SUMS,
    *AMOUNT_SUMS,
    "org_type",
    "venue",
    "instructor",
    "secretary_is_director",
    "secretary_in_management",
    "charter",
    "funds_in_budget",
    "appraisal",
)


def frame(values: list[dict]) -> pd.DataFrame:
    """Accepted returns' values → one row per firm, with the columns the metrics need."""
    df = pd.DataFrame(values, columns=["uscc", "firm_name", "city", "district", *FIELDS])
    for key in (*MEMBER_SUMS, *ACTIVITY_SUMS):
        df[key] = pd.to_numeric(df[key], errors="coerce").fillna(0).astype("int64")
    for key in AMOUNT_SUMS:
        df[key] = pd.to_numeric(df[key], errors="coerce").fillna(0.0).astype("float64")
    for key in (
        "instructor",
        "secretary_is_director",
        "secretary_in_management",
        "charter",
        "funds_in_budget",
        "appraisal",
    ):
        df[key] = df[key].map(lambda v: v is True)  # a yes/no counts only where it is yes
    return df


def rate(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def compute(df: pd.DataFrame, small_medium_max: int = 50) -> dict[str, object]:
    own = df["org_type"].isin(OWN)
    covered = own | (df["org_type"] == JOINT)
    none = df["org_type"] == NONE
    three_plus = df["full_members"] >= 3
    m: dict[str, object] = {"firms": len(df)}
    for key in (*MEMBER_SUMS, *ACTIVITY_SUMS):
        m[key] = int(df[key].sum())
    for key in AMOUNT_SUMS:
        m[key] = round(float(df[key].sum()), 2)
    m["firms_with_members"] = int((df["members"] >= 1).sum())
    m["firms_3plus"] = int(three_plus.sum())
    m["firms_no_members"] = int((df["members"] == 0).sum())
    for key, org in ORG_COUNTS.items():
        m[key] = int((df["org_type"] == org).sum())
    m["org_own"] = int(own.sum())
    m["org_covered"] = int(covered.sum())
    m["instructor_firms"] = int((none & df["instructor"]).sum())
    m["yijiantiao_firms"] = int((own & df["secretary_is_director"]).sum())
    m["secretary_in_management_firms"] = int((own & df["secretary_in_management"]).sum())
    for key, field in YES_COUNTS.items():
        m[key] = int(df[field].sum())
    for key, venue in VENUE_COUNTS.items():
        m[key] = int((df["venue"] == venue).sum())
    for key, (low, high) in SIZE_BANDS.items():
        m[key] = int(((df["lawyers"] >= low) & (df["lawyers"] <= (high if high is not None else 10**9))).sum())
    m["small_medium_firms"] = int((df["lawyers"] <= small_medium_max).sum())
    parts = dict(
        m, firms_3plus_own=int((three_plus & own).sum()), work_covered=m["org_covered"] + m["instructor_firms"]
    )
    for key, (num, den) in RATES.items():
        m[key] = rate(parts[num], parts[den])
    return {key: m[key] for key in (*COUNT_KEYS, *RATES)}


@dataclass(frozen=True)
class Submission:
    expected_firms: int
    reported_firms: int
    report_rate: float | None
    missing: list[dict]


def submission(roster: list[RosterFirm], reported: set[str], city: str | None = None) -> Submission:
    """应报 / 已报 / 报送率; the missing firms in the roster's own order."""
    expected = [f for f in roster if city is None or f.city == city]
    missing = [{"uscc": f.uscc, "firm_name": f.firm_name, "city": f.city} for f in expected if f.uscc not in reported]
    done = len(expected) - len(missing)
    return Submission(len(expected), done, rate(done, len(expected)), missing)


def with_submission(metrics: dict, sub: Submission | None) -> dict:
    if sub is None:
        return metrics | dict.fromkeys(SUBMISSION_KEYS)
    return metrics | {
        "expected_firms": sub.expected_firms,
        "reported_firms": sub.reported_firms,
        "report_rate": sub.report_rate,
        "missing": sub.missing,
    }


def changes(this: dict, that: dict | None, that_period: str) -> dict | None:
    """Counts and sums: delta and relative change; rates: delta in percentage points."""
    if that is None:
        return None
    out: dict[str, object] = {"period": that_period}
    for key in COUNT_KEYS:
        delta = this[key] - that[key]
        out[key] = {"delta": round(delta, 2) if isinstance(delta, float) else delta, "relative": rate(delta, that[key])}
    for key in RATES:
        a, b = this[key], that[key]
        out[key] = {"delta_pp": None if a is None or b is None else (a - b) * 100}
    return out


def aggregate(
    values: list[dict], cities: tuple[str, ...], small_medium_max: int, roster: list[RosterFirm] | None
) -> tuple[dict, dict[str, dict]]:
    """Province metrics and metrics for every configured city (cities without returns get zeros)."""
    df = frame(values)
    reported = set(df["uscc"].dropna())
    province = with_submission(
        compute(df, small_medium_max), submission(roster, reported) if roster is not None else None
    )
    by_city = {}
    for city in cities:
        part = df[df["city"] == city]
        sub = submission(roster, reported, city) if roster is not None else None
        by_city[city] = with_submission(compute(part, small_medium_max), sub)
    return province, by_city


LABELS = {
    "firms": "已报律所数",
    "lawyers": "执业律师数",
    "partners": "合伙人数",
    "members": "党员律师数",
    "full_members": "正式党员",
    "probationary": "预备党员",
    "member_partners": "党员合伙人数",
    "members_elsewhere": "组织关系不在本所的党员",
    "new_members": "本期发展党员",
    "activists": "入党积极分子",
    "applicants": "递交入党申请书人数",
    "firms_with_members": "有党员的律所",
    "firms_3plus": "正式党员3人以上的律所",
    "firms_no_members": "无党员的律所",
    "org_single_branch": "单独党支部",
    "org_general_branch": "党总支",
    "org_committee": "党委",
    "org_joint": "联合党支部",
    "org_none": "未建立党组织",
    "org_own": "单独建立党组织",
    "org_covered": "党组织覆盖的律所",
    "instructor_firms": "选派党建指导员的律所",
    "yijiantiao_firms": "“一肩挑”律所",
    "secretary_in_management_firms": "书记进管理层律所",
    "charter_firms": "党建入章程律所",
    "funds_in_budget_firms": "经费列入预算律所",
    "appraisal_firms": "开展民主评议的律所",
    "venue_demo": "示范活动场所",
    "venue_standard": "标准活动场所",
    "venue_basic": "普通活动场所",
    "venue_none": "无活动场所",
    "member_meetings": "支部党员大会（次）",
    "committee_meetings": "支部委员会会议（次）",
    "group_meetings": "党小组会（次）",
    "party_lectures": "党课（次）",
    "theme_days": "主题党日活动（次）",
    "training": "党员教育培训（人次）",
    "legal_aid": "法律援助案件（件）",
    "legal_aid_by_members": "其中党员律师办理（件）",
    "pro_bono": "公益法律服务活动（次）",
    "consultations": "公益法律咨询（人次）",
    "village_advisers": "村（社区）法律顾问（个）",
    "enterprise_checkups": "企业“法律体检”（家）",
    "gov_advisers": "党政机关法律顾问（家）",
    "petitions": "信访接待和矛盾纠纷调处（件）",
    "lectures": "法治宣讲（场）",
    "revenue": "业务收入（万元）",
    "funds": "党建工作经费（万元）",
    "cases": "办理各类案件（件）",
    "complaints": "受到投诉（件）",
    "sanctions": "受到处分或处罚（人次）",
    "size_le10": "10人以下律所",
    "size_11_20": "11—20人律所",
    "size_21_50": "21—50人律所",
    "size_51_100": "51—100人律所",
    "size_gt100": "100人以上律所",
    "small_medium_firms": "中小律所",
    "expected_firms": "应报律所数",
    "reported_firms": "已报（名录内）",
    "report_rate": "报送率",
    **RATE_WORDS,
}
