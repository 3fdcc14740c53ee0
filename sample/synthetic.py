"""Synthetic firm returns for demos, tests and benchmarks, deterministic by seed.

`make_sample` returns the files to write and a manifest: for each firm, the values the pipeline
should read back, and the rule its return was made to break (if any). `messy` mixes in the
variations firms produce (the layouts and ways of writing values the reader accepts, docs/form.md)
and some junk files. Every rule of the catalogue (docs/rules.md) that a single return can break has
a breaker here (`BREAKERS`); `RULE_BREAKS` lists them in catalogue order.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import xlwt
from opencc import OpenCC
from openpyxl import Workbook

from rtr.checking.catalogue import CATALOGUE
from rtr.checking.findings import ERROR, WARNING
from rtr.checking.predicates import FIELD_PREDICATES, RETURN_PREDICATES
from rtr.form.groups import JOINT, NONE, OWN
from rtr.form.periods import Period
from rtr.form.schema import FormSchema
from rtr.form.uscc import ALPHABET, check_char
from rtr.workbooks.formfill import FormFiller, form_filler
from rtr.workbooks.formgen import workbook_bytes
from rtr.workbooks.xlsxcells import put_value

_S2T = OpenCC("s2t")
_SIZE_BANDS = ((0.65, 1, 10), (0.21, 11, 20), (0.10, 21, 50), (0.02, 51, 100), (0.01, 101, 400))
_NAME_WORDS = [
    "信达",
    "合诚",
    "德和",
    "正平",
    "明理",
    "华商",
    "金桥",
    "大成",
    "中伦",
    "国信",
    "广信",
    "君道",
    "法正",
    "恒信",
    "维德",
    "天衡",
    "汇衡",
    "中联",
    "卓信",
    "诚公",
    "启明",
    "致远",
    "立本",
    "安诺",
    "方圆",
    "海润",
    "南国",
    "粤法",
    "嘉德",
    "瀚海",
    "博众",
    "弘正",
]
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁")
_GIVEN = list("伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚华")
_HIGHLIGHTS = (
    "坚持党建引领所建，建立党支部书记与律所主任定期沟通机制，党员律师带头承办法律援助案件。",
    "开展“党员律师进社区”活动，组建党员法律服务队，为辖区群众提供公益法律咨询。",
    "将党建工作写入律所章程，实行党组织前置研究讨论律所重大事项，推动党建与业务深度融合。",
    "创建党员活动阵地，每月固定开展主题党日，组织党员律师赴革命教育基地开展党性教育。",
    "设立党员先锋岗，党员律师在疑难复杂案件和重大群体性案件中发挥示范作用。",
)
_PROBLEMS = (
    "党员律师业务繁忙，组织生活时间难以保证。",
    "党建工作经费来源单一，活动场所面积较小。",
    "青年律师入党积极性有待提高，发展党员工作推进较慢。",
    "",
)
_PLANS = ("持续规范组织生活，加强党员教育管理。", "推动党建与业务深度融合，扩大公益法律服务。", "")
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")
BRANCH, GENERAL_BRANCH, COMMITTEE = OWN  # the own-organisation options, smallest first (form.toml)
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "139.com", "sina.com", "foxmail.com")


@dataclass
class SampleFirm:
    values: dict[str, object]
    expected: dict[str, object]  # what the reader should produce for each field
    breaks: str | None = None
    path: str = ""
    remarks: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SampleFile:
    path: str
    data: bytes


@dataclass
class Sample:
    files: list[SampleFile]
    firms: list[SampleFirm]
    junk: dict[str, str]  # path → the outcome it should have (unreadable / ignored / duplicate)


def make_uscc(rng: random.Random, prefix: str = "31") -> str:
    body = prefix + "44" + f"{rng.randrange(100):02d}" + "00" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_char(body)


def _chance(rng: random.Random, p: float) -> bool:
    return rng.random() < p


def _lawyers(rng: random.Random) -> int:
    x = rng.random() * sum(b[0] for b in _SIZE_BANDS)
    for share, low, high in _SIZE_BANDS:
        if x < share:
            return rng.randint(low, high) if high <= 10 else int(low + (high - low) * rng.random() ** 1.5)
        x -= share
    return rng.randint(1, 10)


def _city_weights(cities: tuple[str, ...]) -> list[float]:
    big = {"广州市": 6, "深圳市": 7, "佛山市": 2.5, "东莞市": 2.5}
    return [big.get(c, 1.0) for c in cities]


def synth_firm(rng: random.Random, period: Period, city: str, name: str) -> dict[str, object]:
    """One consistent, rule-abiding return."""
    lawyers = _lawyers(rng)
    org_form = rng.choices(("普通合伙", "特殊的普通合伙", "个人", "国资"), (70, 3, 24, 3))[0]
    if lawyers < 3 and org_form != "个人":
        org_form = "个人"
    partners = 0 if org_form in ("个人", "国资") else max(2, min(lawyers, round(lawyers * rng.uniform(0.2, 0.5))))
    share = rng.uniform(0.30, 0.45)
    members = sum(rng.random() < share for _ in range(lawyers))
    probationary = min(members, rng.choices((0, 1, 2), (80, 15, 5))[0])
    full = members - probationary
    new_members = rng.randint(0, probationary)
    own = full >= 3
    org = (
        (COMMITTEE if full >= 100 else GENERAL_BRANCH if full >= 50 else BRANCH) if own else JOINT if members else NONE
    )
    director_member = members > 0 and _chance(rng, 0.85 if own else 0.5)
    v: dict[str, object] = {
        "firm_name": name,
        "uscc": make_uscc(rng),
        "period": period.label,
        "city": city,
        "district": rng.choice(("中心城区", "东部新区", "西部片区", "南部片区", "北部片区")),
        "org_form": org_form,
        "contact_name": rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(("", *_GIVEN)),
        "contact_phone": "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9)),
        "filled_date": period.end + timedelta(days=rng.randint(1, 10)),
        "lawyers": lawyers,
        "partners": partners,
        "director_is_member": director_member,
        "members": members,
        "full_members": full,
        "probationary": probationary,
        "member_partners": min(partners, members, round(partners * rng.uniform(0.2, 0.6))),
        "members_elsewhere": rng.randint(0, members // 4) if members else 0,
        "new_members": new_members,
        "activists": rng.randint(0, max(0, lawyers // 8)),
        "applicants": rng.randint(0, max(0, lawyers // 6)),
        "org_type": org,
        "joint_branch": f"{city}律师行业第{rng.randint(1, 30)}联合党支部" if org == JOINT else None,
        "secretary_is_director": director_member and org != NONE and _chance(rng, 0.6),
        "secretary_in_management": org != NONE and _chance(rng, 0.8 if own else 0.4),
        "charter": _chance(rng, 0.75 if own else 0.4),
        "funds_in_budget": _chance(rng, 0.65 if own else 0.3),
        "instructor": org == NONE,
        "venue": rng.choices(("示范", "标准", "普通", "无"), (10, 30, 40, 20) if own else (2, 10, 40, 48))[0],
        "funds": round(rng.uniform(0.5, 8.0), 2) if own else round(rng.uniform(0, 1.0), 2),
        "member_meetings": rng.randint(2, 4) if own else rng.randint(0, 2),
        "committee_meetings": rng.randint(3, 8) if own else 0,
        "group_meetings": rng.randint(0, 6) if own else 0,
        "party_lectures": rng.randint(2, 4) if own else rng.randint(0, 2),
        "theme_days": rng.randint(6, 8) if own else rng.randint(0, 6),
        "training": members * rng.randint(1, 4),
        "appraisal": own and _chance(rng, 0.5),
    }
    # derived, not drawn: drawing would change every sample made before H10 existed; `.example` never delivers
    v["contact_email"] = f"dj{str(v['uscc'])[8:16].lower()}@lawfirm.example"
    legal_aid = round(lawyers * rng.uniform(0.3, 3))
    v |= {
        "legal_aid": legal_aid,
        "legal_aid_by_members": min(legal_aid, round(legal_aid * share * rng.uniform(0.8, 1.4))),
        "pro_bono": rng.randint(0, 2 + lawyers // 5),
        "consultations": rng.randint(0, 20 * lawyers),
        "village_advisers": rng.randint(0, 1 + lawyers // 4),
        "enterprise_checkups": rng.randint(0, 1 + lawyers // 5),
        "gov_advisers": rng.randint(0, 1 + lawyers // 10),
        "petitions": rng.randint(0, 1 + lawyers // 5),
        "lectures": rng.randint(0, 1 + lawyers // 5),
        "revenue": round(lawyers * rng.uniform(20, 120), 2),
        "cases": round(lawyers * rng.uniform(10, 40)),
        "complaints": rng.choices((0, 1, 2), (85, 12, 3))[0],
        "sanctions": rng.choices((0, 1), (97, 3))[0],
        "highlights": rng.choice(_HIGHLIGHTS) if own or _chance(rng, 0.2) else None,
        "problems": rng.choice(_PROBLEMS) or None,
        "plans": rng.choice(_PLANS) or None,
    }
    v["contact_email"] = contact_email(str(v["uscc"]), str(v["contact_phone"]))
    return v


def contact_email(uscc: str, phone: str) -> str | None:
    """A plausible address for most firms (none for about one in seven). Drawn from a generator of
    its own, seeded by the firm's code, so the other values of a seeded sample stay as they were
    before the form had the field."""
    rng = random.Random(f"email:{uscc}")
    if rng.random() < 0.15:
        return None
    kind = rng.random()
    if kind < 0.35:
        return f"{rng.randint(10**5, 10**10 - 1)}@qq.com"
    if kind < 0.55:
        return f"{phone}@139.com"
    if kind < 0.8:
        return f"dangjian{rng.randint(1, 999)}@{rng.choice(_MAIL_DOMAINS)}"
    return f"office@{uscc[-6:].lower()}law.cn"


def expected_values(v: dict[str, object], period: Period) -> dict[str, object]:
    """What the reader yields for a clean firm: the period's id; blanks as 0 / None."""
    out = dict(v)
    out["period"] = period.id
    return out


BREAKERS: dict[str, Callable[[dict[str, object], random.Random, Period], None]] = {}


def _breaks(rule: str) -> Callable:
    def register(fn: Callable[[dict[str, object], random.Random, Period], None]) -> Callable:
        BREAKERS[rule] = fn
        return fn

    return register


def break_rule(rule: str, v: dict[str, object], rng: random.Random, period: Period) -> None:
    """Mutates a clean return so that it breaks `rule` (and, as far as possible, nothing else)."""
    BREAKERS[rule](v, rng, period)


def _make_members(v: dict[str, object], n: int, org: str) -> None:
    """`n` full members and the organisation `org`, with everything that depends on them consistent."""
    v.update(
        members=n,
        full_members=n,
        probationary=0,
        new_members=0,
        members_elsewhere=0,
        member_partners=min(n, v["partners"]),
        lawyers=max(v["lawyers"], n),
        org_type=org,
    )
    v["legal_aid_by_members"] = min(v["legal_aid_by_members"], v["legal_aid"])
    if org == NONE:
        v.update(secretary_is_director=False, secretary_in_management=False, instructor=True, joint_branch=None)
    elif org == JOINT:
        v["joint_branch"] = v["joint_branch"] or "第一联合党支部"
    else:
        v.update(member_meetings=2, party_lectures=2, theme_days=6, joint_branch=None)
    if n > 0:
        v["director_is_member"] = True


@_breaks("E01")
def _blank_required(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v[rng.choice(("firm_name", "lawyers", "org_type", "members"))] = None


@_breaks("E02")
def _unreadable_count(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["lawyers"] = rng.choice(("十二", "约12", "12.5", "-1", "若干"))


@_breaks("E03")
def _malformed_uscc(v: dict[str, object], rng: random.Random, period: Period) -> None:
    uscc = str(v["uscc"])
    v["uscc"] = rng.choice((uscc[:17], uscc[:17] + ("0" if uscc[17] != "0" else "1"), uscc[:5] + "I" + uscc[6:]))


@_breaks("E04")
def _bad_period(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["period"] = rng.choice(("2024年第三季度", "上半年", f"{period.year + 5}年上半年"))


@_breaks("E05")
def _unknown_city(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["city"] = rng.choice(("香港特别行政区", "长沙市", "广州省"))


@_breaks("E06")
def _more_members_than_lawyers(v: dict[str, object], rng: random.Random, period: Period) -> None:
    _make_members(v, 5, BRANCH)
    v.update(lawyers=3, partners=min(int(v["partners"]), 3), member_partners=min(int(v["member_partners"]), 3))


@_breaks("E07")
def _members_do_not_add_up(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["probationary"] = int(v["probationary"]) + 1


@_breaks("E08")
def _branch_with_two_full_members(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["lawyers"] = max(int(v["lawyers"]), 5)
    _make_members(v, 2, BRANCH)


@_breaks("E09")
def _more_member_partners_than_partners(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["lawyers"] = max(int(v["lawyers"]), 10)
    v["org_form"] = "普通合伙"
    v["partners"] = 3
    _make_members(v, 5, BRANCH)
    v["member_partners"] = 4


@_breaks("E10")
def _more_legal_aid_by_members(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["legal_aid_by_members"] = int(v["legal_aid"]) + 1


@_breaks("E11")
def _more_members_elsewhere_than_members(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["members_elsewhere"] = int(v["members"]) + 1


@_breaks("E12")
def _more_partners_than_lawyers(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["partners"] = int(v["lawyers"]) + 1
    v["org_form"] = "普通合伙"


@_breaks("E13")
def _joint_branch_without_members(v: dict[str, object], rng: random.Random, period: Period) -> None:
    _make_members(v, 0, JOINT)
    v["director_is_member"] = False
    v["secretary_is_director"] = False


@_breaks("E14")
def _secretary_without_organisation(v: dict[str, object], rng: random.Random, period: Period) -> None:
    _make_members(v, 0, NONE)
    v["secretary_in_management"] = True


@_breaks("E15")
def _director_secretary_not_a_member(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["lawyers"] = max(int(v["lawyers"]), 5)
    _make_members(v, 4, BRANCH)
    v.update(secretary_is_director=True, director_is_member=False)


@_breaks("W01")
def _four_full_members_in_a_joint_branch(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["lawyers"] = max(int(v["lawyers"]), 8)
    _make_members(v, 4, JOINT)


@_breaks("W02")
def _members_without_organisation(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["lawyers"] = max(int(v["lawyers"]), 3)
    _make_members(v, 2, NONE)


@_breaks("W03")
def _no_organisation_no_instructor(v: dict[str, object], rng: random.Random, period: Period) -> None:
    _make_members(v, 0, NONE)
    v["director_is_member"] = False
    v["instructor"] = False


@_breaks("W04")
def _joint_branch_unnamed(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["lawyers"] = max(int(v["lawyers"]), 3)
    _make_members(v, 1, JOINT)
    v["joint_branch"] = None


@_breaks("W05")
def _not_a_law_firms_code(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["uscc"] = make_uscc(rng, prefix="12")


@_breaks("W06")
def _more_new_members_than_probationary(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["lawyers"] = max(int(v["lawyers"]), 10)
    _make_members(v, 6, BRANCH)
    v.update(full_members=5, probationary=1, new_members=2)


@_breaks("W07")
def _too_few_theme_days(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["lawyers"] = max(int(v["lawyers"]), 8)
    _make_members(v, 4, BRANCH)
    v["theme_days"] = 3


@_breaks("W09")
def _malformed_phone(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["contact_phone"] = rng.choice(("12345", "电话待补", "1380013800"))


@_breaks("W11")
def _too_long_highlights(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["highlights"] = "坚持党建引领，" * 300


@_breaks("W12")
def _malformed_email(v: dict[str, object], rng: random.Random, period: Period) -> None:
    v["contact_email"] = rng.choice(("dangjian#163.com", "dangjian@163", "djb.163.com", "待补"))


# the rules a single return can break (not W08: it needs the previous half-year; not W10: the
# roster), those with a breaker, in catalogue order; tests/sample/test_sample.py asks that it be all of them
SINGLE_RETURN_RULES = tuple(
    r.id
    for r in CATALOGUE
    if r.severity in (ERROR, WARNING) and (r.id in FIELD_PREDICATES or r.id in RETURN_PREDICATES)
)
RULE_BREAKS = tuple(rule for rule in SINGLE_RETURN_RULES if rule in BREAKERS)


# --- the messy variations ---------------------------------------------------------------------


def _fullwidth(n: object) -> str:
    return str(n).translate(_FULLWIDTH)


def messy_values(v: dict[str, object], schema: FormSchema, rng: random.Random, period: Period) -> dict[str, object]:
    """The same values, written the ways firms write them."""
    out = dict(v)
    style = rng.choice(("plain", "fullwidth", "units", "float", "text"))
    yes_no = rng.choice(
        (("是", "否"), ("√", "×"), ("有", "无"), ("Y", "N"), ("yes", "no"), ("✓", "✗"), ("TRUE", "FALSE"), ("1", "0"))
    )
    for f in schema.indicators:
        value = out.get(f.key)
        if value is None or isinstance(value, str):
            continue
        if f.kind == "count" and isinstance(value, int):
            out[f.key] = {
                "plain": value,
                "fullwidth": _fullwidth(value),
                "units": f"{value}{' ' if rng.random() < 0.5 else ''}{f.unit}",
                "float": float(value),
                "text": f" {value} ",
            }[style]
        elif f.kind == "amount":
            out[f.key] = rng.choice((value, f"{value:,.2f}", f"{value}万元", _fullwidth(value)))
        elif f.kind == "yesno":
            out[f.key] = yes_no[0] if value else yes_no[1]
    for f in schema.fields:
        if f.option_aliases and out.get(f.key) in f.options and rng.random() < 0.4:
            aliases = [alias for alias, option in f.option_aliases if option == out[f.key]]
            if aliases:
                out[f.key] = rng.choice(aliases)
    email = out.get("contact_email")
    if isinstance(email, str) and rng.random() < 0.3:
        out["contact_email"] = email.replace("@", "＠")  # typed with a Chinese input method
    if isinstance(out.get("period"), str) and out["period"] == period.label:
        h = period.half
        out["period"] = rng.choice(
            (
                period.id,
                f"{period.year}-H{h}",
                f"{period.year}年度{'上' if h == 1 else '下'}半年",
                f"{period.year}年{'1-6' if h == 1 else '7-12'}月",
                f"{period.year}年{'1月-6月' if h == 1 else '7月-12月'}",
                f"{period.year}年{'1—6' if h == 1 else '7—12'}月",
                _fullwidth(period.year) + f"Ｈ{h}",
                _S2T.convert(period.label),
            )
        )
    city = out.get("city")
    if isinstance(city, str) and rng.random() < 0.4:
        out["city"] = rng.choice((city.removesuffix("市"), _S2T.convert(city)))
    if isinstance(out.get("filled_date"), date) and rng.random() < 0.5:
        d = out["filled_date"]
        out["filled_date"] = rng.choice(
            (d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日")
        )
    return out


def _label(text: str, rng: random.Random, traditional: bool) -> str:
    if traditional:
        text = _S2T.convert(text)
    if rng.random() < 0.15:
        text = " " + " ".join(text) if len(text) <= 6 else f"  {text} "
    return text


def handmade_grid(
    v: dict[str, object], schema: FormSchema, rng: random.Random, remarks: dict[str, str]
) -> list[list[object]]:
    """A form laid out by hand: title rows, columns in another order, header block on the right or
    on top, blank rows, labels in Traditional characters or with spaces, codes sometimes missing."""
    traditional = rng.random() < 0.4
    with_codes = rng.random() < 0.7
    columns = ["name", "code", "unit", "value", "remark"]
    if rng.random() < 0.5:
        rest = columns[1:]
        rng.shuffle(rest)
        columns = ["name", *rest]
    headings = {
        "name": "指标名称",
        "code": "代码",
        "unit": "计量单位",
        "value": rng.choice(("本期数值", "本期数", "数值")),
        "remark": "备注",
    }
    header_right = rng.random() < 0.3
    grid: list[list[object]] = [[schema.title], [f"表号：{schema.form_no}"]] + [[] for _ in range(rng.randint(0, 2))]
    table: list[list[object]] = [[_label(headings[c], rng, traditional) for c in columns]]
    for f in schema.indicators:
        if rng.random() < 0.1:
            table.append([])
        cells = {
            "name": _label(f.label, rng, traditional),
            "code": f.code if with_codes else "",
            "unit": f.unit,
            "value": v.get(f.key),
            "remark": remarks.get(f.key, ""),
        }
        table.append([cells[c] for c in columns])
    head = [[_label(f.label, rng, traditional), v.get(f.key)] for f in schema.header]
    if header_right:
        offset = len(columns) + 1
        for i, pair in enumerate(head):
            row = table[i + 1] if i + 1 < len(table) else []
            row = list(row) + [None] * (offset - len(row))
            table[i + 1] = row + pair
        return grid + table
    return grid + head + [[]] + table


def grid_xlsx(grid: list[list[object]], sheet_name: str, *, instructions_first: bool, hidden_copy: bool) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name
    for r, row in enumerate(grid, 1):
        for c, value in enumerate(row, 1):
            if value is not None and value != "":
                put_value(ws.cell(r, c), value)
    if hidden_copy:
        old = wb.create_sheet("旧表")
        old.sheet_state = "hidden"
        old["A1"], old["B1"], old["D1"] = "指标名称", "代码", "本期数值"
        old["A2"], old["B2"], old["D2"] = "执业律师数", "101", "不是数字"
    if instructions_first:
        note = wb.create_sheet("填报说明", 0)
        note["A1"] = "请按要求填写本表，人数填整数。"
    return workbook_bytes(wb)


def grid_xls(grid: list[list[object]], sheet_name: str) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet_name)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                ws.write(r, c, "是" if value else "否")
            elif isinstance(value, date):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def roster_xlsx(rows: list[dict[str, object]], schema: FormSchema, rng: random.Random, title: str) -> bytes:
    """One row per firm, as a district consolidates several firms; headings by label, alias or code."""
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws["A1"] = title
    heads = []
    for f in schema.fields:
        choice = rng.random()
        heads.append(
            f.code
            if choice < 0.2
            else _S2T.convert(f.label)
            if choice < 0.3
            else f.aliases[0]
            if f.aliases and choice < 0.5
            else f.label
        )
    for c, head in enumerate(heads, 1):
        ws.cell(3, c, head)
    for r, v in enumerate(rows, 4):
        for c, f in enumerate(schema.fields, 1):
            value = v.get(f.key)
            if value is not None and value != "":
                put_value(ws.cell(r, c), "是" if value is True else "否" if value is False else value)
    ws.cell(4 + len(rows), 1, "合计")
    return workbook_bytes(wb)


class _Forms:
    """The filled form, built by `FormFiller` (≈1 ms) rather than openpyxl (≈25 ms) per firm."""

    def __init__(self, schema: FormSchema, cities: tuple[str, ...]) -> None:
        self.schema, self.cities = schema, cities
        self.fillers: dict[bool, FormFiller] = {}

    def bytes(self, v: dict, remarks: dict, *, instructions_first: bool = False) -> bytes:
        if instructions_first not in self.fillers:
            self.fillers[instructions_first] = form_filler(
                self.schema, self.cities, instructions_first=instructions_first
            )
        return self.fillers[instructions_first].fill(v, remarks)


def _names(rng: random.Random, cities: tuple[str, ...], n: int) -> list[tuple[str, str]]:
    weights = _city_weights(cities)
    seen: set[str] = set()
    out = []
    for i in range(n):
        city = rng.choices(cities, weights)[0]
        base = city.removesuffix("市") + rng.choice(_NAME_WORDS) + rng.choice(_NAME_WORDS)
        name = base + "律师事务所"
        if name in seen:
            name = f"{base}{i}律师事务所"
        seen.add(name)
        out.append((city, name))
    return out


def make_sample(
    schema: FormSchema, cities: tuple[str, ...], period: Period, n: int, seed: int = 1, messy: bool = False
) -> Sample:
    rng = random.Random(f"{seed}:{period.id}:{n}:{messy}")
    firms: list[SampleFirm] = []
    for city, name in _names(rng, cities, n):
        v = synth_firm(rng, period, city, name)
        firms.append(SampleFirm(values=v, expected=expected_values(v, period)))
    files: list[SampleFile] = []
    junk: dict[str, str] = {}
    forms = _Forms(schema, cities)
    if not messy:
        for firm in firms:
            firm.path = f"{firm.values['city']}/{firm.values['firm_name']}.xlsx"
            files.append(SampleFile(firm.path, forms.bytes(firm.values, {})))
        return Sample(files, firms, junk)

    # about a fifth of the firms break one rule each, every rule in turn
    breakers = rng.sample(range(n), k=min(n, max(len(RULE_BREAKS), n // 5))) if n else []
    for i, index in enumerate(breakers):
        firm = firms[index]
        firm.breaks = RULE_BREAKS[i % len(RULE_BREAKS)]
        break_rule(firm.breaks, firm.values, rng, period)
        firm.expected = {}
    for firm in firms:
        if rng.random() < 0.15 and firm.breaks is None:
            firm.remarks = {"lawyers": "本期有律师转所"}
    # a few firms are consolidated into roster files, one per city
    clean = [f for f in firms if f.breaks is None]
    roster_group: dict[str, list[SampleFirm]] = {}
    for firm in clean:
        if rng.random() < 0.08:
            roster_group.setdefault(str(firm.values["city"]), []).append(firm)
    for city, group in sorted(roster_group.items()):
        path = f"{city}/{city}联合党支部所属律所汇总表.xlsx"
        rows = [messy_values(f.values, schema, rng, period) for f in group]
        for f in group:
            f.path = path
        files.append(
            SampleFile(path, roster_xlsx(rows, schema, rng, f"{city}律师事务所党建工作情况汇总表（{period.label}）"))
        )
    grouped = {id(f) for g in roster_group.values() for f in g}
    for firm in firms:
        if id(firm) in grouped:
            continue
        v = messy_values(firm.values, schema, rng, period) if firm.breaks is None else firm.values
        stem = f"{firm.values['city'] if isinstance(firm.values['city'], str) and firm.values['city'] in cities else '其他'}/{firm.values['firm_name'] or '未命名律所' + str(firm.values['uscc'])[-6:]}"
        kind = rng.random()
        if kind < 0.35:
            firm.path = stem + ".xlsx"
            data = forms.bytes(v, firm.remarks, instructions_first=rng.random() < 0.3)
        elif kind < 0.45:
            firm.path = stem + ".xls"
            data = grid_xls(handmade_grid(v, schema, rng, firm.remarks), schema.sheet_name)
        else:
            firm.path = stem + (".xlsm" if rng.random() < 0.05 else ".xlsx")
            data = grid_xlsx(
                handmade_grid(v, schema, rng, firm.remarks),
                schema.sheet_name,
                instructions_first=rng.random() < 0.3,
                hidden_copy=rng.random() < 0.2,
            )
        files.append(SampleFile(firm.path, data))

    # things that land in a real inbox besides returns
    if files:
        first = files[0]
        junk["重复发送/" + first.path.split("/")[-1]] = "duplicate"
        files.append(SampleFile("重复发送/" + first.path.split("/")[-1], first.data))
        junk["~$" + first.path.split("/")[-1]] = "ignored"
        files.append(SampleFile("~$" + first.path.split("/")[-1], b"\x00" * 165))
        junk["报送说明.txt"] = "ignored"
        files.append(SampleFile("报送说明.txt", "各律所请于7月10日前报送。".encode()))
        junk["损坏的报表.xlsx"] = "unreadable"
        files.append(SampleFile("损坏的报表.xlsx", first.data[: len(first.data) // 2]))
        junk["会议通知.xlsx"] = "unreadable"
        files.append(SampleFile("会议通知.xlsx", b"PK\x03\x04" + b"not really a workbook"))
    # a firm that sent a corrected return later: the later one counts, the earlier is superseded
    resend = next((f for f in firms if f.breaks is None and f.path.endswith(".xlsx") and id(f) not in grouped), None)
    if resend is not None:
        later = dict(resend.values)
        later["filled_date"] = period.end + timedelta(days=20)
        later["cases"] = int(later["cases"]) + 1
        path = resend.path.removesuffix(".xlsx") + "（更正）.xlsx"
        files.append(SampleFile(path, forms.bytes(later, {})))
        firms.append(SampleFirm(values=later, expected=expected_values(later, period), path=path))
        resend.breaks = "S01"
        resend.expected = {}
    return Sample(files, firms, junk)
