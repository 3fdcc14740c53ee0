"""Every metric of docs/metrics.md, for the province and each city, from the accepted returns. Pure.

`frame` builds a DataFrame from the accepted returns' values; `compute` takes one (or a city's
slice) to a flat dict of metrics; `changes` compares two such dicts (环比 / 同比), totals and like
for like (over the firms accepted in both periods, `like_for_like`); `received` counts what came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where frames are built: the metrics' names are read far more often
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
    "no_charter_firms",
    *VENUE_COUNTS,
    *ACTIVITY_SUMS,
    *AMOUNT_SUMS,
    *SIZE_BANDS,
    "small_medium_firms",
    "small_medium_org_covered",
    "larger_firms",
    "larger_org_covered",
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
    "small_medium_coverage_rate": ("small_medium_org_covered", "small_medium_firms"),
    "larger_coverage_rate": ("larger_org_covered", "larger_firms"),
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
    "small_medium_coverage_rate": "中小律所党的组织覆盖率",
    "larger_coverage_rate": "其他律所党的组织覆盖率",
}
RECEIVED_KEYS = ("returns_received", "returns_accepted", "returns_rejected")
# Counts compare like for like when the firms accepted in both periods are at least this share of
# this period's accepted returns; below it they are too few to speak for the sector (README).
LIKE_FOR_LIKE_MIN_SHARE = 0.5
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
    import pandas as pd

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


def compute(df: pd.DataFrame, small_medium_max: int = 50, own_org_min_full_members: int = 3) -> dict[str, object]:
    """`own_org_min_full_members` is `[rules]`'s threshold (firms_3plus, should_build_rate)."""
    own = df["org_type"].isin(OWN)
    covered = own | (df["org_type"] == JOINT)
    none = df["org_type"] == NONE
    three_plus = df["full_members"] >= own_org_min_full_members
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
    m["no_charter_firms"] = m["firms"] - m["charter_firms"]
    for key, venue in VENUE_COUNTS.items():
        m[key] = int((df["venue"] == venue).sum())
    for key, (low, high) in SIZE_BANDS.items():
        m[key] = int(((df["lawyers"] >= low) & (df["lawyers"] <= (high if high is not None else 10**9))).sum())
    small = df["lawyers"] <= small_medium_max
    m["small_medium_firms"] = int(small.sum())
    m["small_medium_org_covered"] = int((small & covered).sum())
    m["larger_firms"] = m["firms"] - m["small_medium_firms"]
    m["larger_org_covered"] = m["org_covered"] - m["small_medium_org_covered"]
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


def changes(this: dict, that: dict | None, that_period: str, like: tuple[dict, dict, int] | None = None) -> dict | None:
    """Counts and sums: delta and relative change; rates: delta in percentage points, exact
    (`delta_pp`) and between the rates as printed (`shown_pp`, what documents and 汇总表 state).

    `like` is (this, that, firms) computed over the firms accepted in both periods
    (`like_for_like`): it adds `like_for_like` (the same count keys, and `base_firms`: how many) and
    `basis`, the comparison documents use for counts: `like_for_like` when those firms are at
    least LIKE_FOR_LIKE_MIN_SHARE of this period's, else `totals`. Rates always compare as rates."""
    if that is None:
        return None
    out: dict[str, object] = {"period": that_period, "firms_then": that["firms"]}
    out |= _count_changes(this, that)
    for key in RATES:
        a, b = this[key], that[key]
        out[key] = {"delta_pp": None if a is None or b is None else (a - b) * 100, "shown_pp": shown_pp(a, b)}
    base = 0
    if like is not None:
        this_like, that_like, base = like
        out["like_for_like"] = _count_changes(this_like, that_like) | {"base_firms": base}
    enough = base > 0 and base >= LIKE_FOR_LIKE_MIN_SHARE * this["firms"]
    out["basis"] = "like_for_like" if enough else "totals"
    return out


def shown_pp(a: float | None, b: float | None) -> float | None:
    """The change of a rate as a reader works it out from the two rates printed with one decimal
    (88.1% and 88.1%: 0.0, 持平, even when the unrounded rates differ by 0.06 points)."""
    if a is None or b is None:
        return None
    return round(float(f"{a * 100:.1f}") - float(f"{b * 100:.1f}"), 1)


def _count_changes(this: dict, that: dict) -> dict[str, dict]:
    out = {}
    for key in COUNT_KEYS:
        delta = this[key] - that[key]
        out[key] = {"delta": round(delta, 2) if isinstance(delta, float) else delta, "relative": rate(delta, that[key])}
    return out


def like_for_like(
    this: pd.DataFrame,
    that: pd.DataFrame,
    small_medium_max: int,
    own_org_min_full_members: int,
    city: str | None = None,
) -> tuple[dict, dict, int]:
    """Both periods' metrics over the firms (by USCC) accepted in both; for a city, the firms that
    are in it this period. Returns (this, that, how many firms)."""
    part = this if city is None else this[this["city"] == city]
    common = part[part["uscc"].isin(that["uscc"])]
    before = that[that["uscc"].isin(common["uscc"])]
    args = (small_medium_max, own_org_min_full_members)
    return compute(common, *args), compute(before, *args), len(common)


def firm_key(s: dict) -> str:
    """One firm across its returns: the USCC, else its name, else the file."""
    return s.get("uscc") or (f"name:{s['firm_name']}" if s.get("firm_name") else f"file:{s.get('file')}")


def sent_back(submissions: list[dict]) -> list[dict]:
    """Firms whose only returns of the period were rejected (退回待修改, not corrected yet), with the
    rule ids that rejected them; in submission order."""
    accepted = {firm_key(s) for s in submissions if s["status"] == "accepted"}
    out: dict[str, dict] = {}
    for s in submissions:
        key = firm_key(s)
        if s["status"] != "rejected" or key in accepted:
            continue
        entry = out.setdefault(
            key,
            {
                "uscc": s.get("uscc"),
                "firm_name": s.get("firm_name"),
                "city": s.get("city"),
                "file": s["file"],
                "rules": [],
            },
        )
        for f in s["findings"]:
            if f["severity"] == "error" and f["rule"] not in entry["rules"]:
                entry["rules"].append(f["rule"])
    for entry in out.values():
        entry["rules"].sort()
    return list(out.values())


UNKNOWN_CITY = "（地市不明）"  # a roster row or a return whose city is not a configured one


def place(submissions: list[dict], cities: tuple[str, ...], roster: list[RosterFirm] | None) -> list[dict]:
    """Each return under the city it is counted in: the configured city it names; else (E05 sent it
    back) its firm's city in the roster, when that is configured; else UNKNOWN_CITY. So the cities'
    received and sent-back counts add up to the province's."""
    known = set(cities)
    by_uscc = {f.uscc: f.city for f in roster or () if f.city in known}
    out = []
    for s in submissions:
        city = s.get("city")
        if city not in known:
            city = by_uscc.get(s.get("uscc") or "", UNKNOWN_CITY)
        out.append(s if city == s.get("city") else s | {"city": city})
    return out


def received(submissions: list[dict], firms: int, city: str | None = None) -> dict[str, int]:
    """收到 / 采用 / 退回待修改 for the province (city None) or one city."""
    subs = submissions if city is None else [s for s in submissions if s.get("city") == city]
    return {"returns_received": len(subs), "returns_accepted": firms, "returns_rejected": len(sent_back(subs))}


def aggregate(
    values: list[dict],
    cities: tuple[str, ...],
    small_medium_max: int,
    roster: list[RosterFirm] | None,
    own_org_min_full_members: int = 3,
    submissions: list[dict] | None = None,
) -> tuple[dict, dict[str, dict]]:
    """Province metrics and metrics for every configured city (cities without returns get zeros).
    With `submissions` (every return read for the period, `place`d) the received counts are added,
    and an UNKNOWN_CITY entry (nothing accepted, what was received) when some return has no city."""
    df = frame(values)
    reported = set(df["uscc"].dropna())
    args = (small_medium_max, own_org_min_full_members)

    def full(part: pd.DataFrame, city: str | None) -> dict:
        sub = None if roster is None else submission(roster, reported, city)
        m = with_submission(compute(part, *args), sub)
        if submissions is not None:
            m |= received(submissions, m["firms"], city)
        return m

    province = full(df, None)
    by_city = {city: full(df[df["city"] == city], city) for city in cities}
    if submissions is not None and any(s.get("city") == UNKNOWN_CITY for s in submissions):
        # the roster's firms are all in configured cities' figures or the province's: none here
        by_city[UNKNOWN_CITY] = with_submission(compute(df.iloc[0:0], *args), None) | received(
            submissions, 0, UNKNOWN_CITY
        )
    return province, by_city


LABELS = {
    "firms": "采用报表的律所",
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
    "firms_3plus": "正式党员{n}人以上的律所",
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
    "no_charter_firms": "党建工作未写入章程的律所",
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
    "size_gt100": "101人以上律所",
    "small_medium_firms": "中小律所",
    "small_medium_org_covered": "党组织覆盖的中小律所",
    "larger_firms": "其他律所（中小律所以外）",
    "larger_org_covered": "党组织覆盖的其他律所",
    "returns_received": "收到报表（份）",
    "returns_accepted": "采用报表（份）",
    "returns_rejected": "退回待修改（家）",
    "expected_firms": "应报律所数",
    "reported_firms": "已采用（名录内）",
    "report_rate": "报送率（已采用/应报）",
    **RATE_WORDS,
}


def labels(own_org_min_full_members: int = 3) -> dict[str, str]:
    """LABELS with the configured threshold in the words that name it."""
    return {k: v.replace("{n}", str(own_org_min_full_members)) for k, v in LABELS.items()}
