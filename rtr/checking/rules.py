"""Reading a found return's values and checking every rule of return-form.md (E01–E15, W01–W11).

`check_return` is pure: the raw return and a context in, values and findings out. W08 needs the
previous half-year's accepted return, which the caller looks up and passes to `history_findings`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

from rtr.checking.findings import ERROR, WARNING, Finding, where
from rtr.form.periods import Period, parse_period
from rtr.form.schema import FormSchema
from rtr.form.textnorm import cell_text, match_key
from rtr.form.uscc import uscc_problem
from rtr.reading.layouts import RawCell, RawReturn
from rtr.reading.values import read_value

OWN_ORG = ("单独党支部", "党总支", "党委")
JOINT = "联合党支部"
NONE = "未建立"
HISTORY_FIELDS = ("lawyers", "members")  # what W08 compares with the previous half-year
_MOBILE = re.compile(r"^(?:\+?86-?)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^\(?0\d{2,3}\)?-?\d{7,8}(?:(?:-|转|ext\.?|#)\d{1,6})?$", re.I)


@dataclass(frozen=True)
class Thresholds:
    own_org_min_full_members: int = 3  # E08, W01
    min_member_meetings: int = 2  # W07
    min_party_lectures: int = 2
    min_theme_days: int = 6
    history_change_ratio: float = 0.5  # W08
    history_min_base: int = 5
    max_text_chars: int = 2000  # W11


@dataclass(frozen=True)
class RuleContext:
    schema: FormSchema
    cities: dict[str, str]  # match key → configured city name (see values.city_index)
    today: date
    thresholds: Thresholds = Thresholds()
    roster: frozenset[str] | None = None  # USCCs of the 名录, when configured


@dataclass(slots=True)
class CheckedReturn:
    raw: RawReturn
    values: dict[str, object]
    filled: frozenset[str]  # fields with a non-blank cell
    findings: list[Finding] = field(default_factory=list)
    period: Period | None = None

    @property
    def accepted(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return "" if value is None else str(value)

    def for_storing(self) -> CheckedReturn:
        """This return with only the raw cells a later step reads (W08's, see `history_findings`).
        A batch's returns cross from the reading process to the storing one: pickling them there
        and back took ≈0.27 ms a file with every raw cell and takes ≈0.04 ms with these (much of
        the difference was the unpickler's garbage collections)."""
        kept = {k: self.raw.cells[k] for k in HISTORY_FIELDS if k in self.raw.cells}
        return replace(self, raw=replace(self.raw, cells=kept))


class _Emitter:
    """Builds findings that point at a field's cell in one return."""

    def __init__(self, raw: RawReturn, schema: FormSchema, findings: list[Finding]):
        self.raw, self.schema, self.findings = raw, schema, findings

    def loc(self, key: str) -> str:
        cell = self.raw.cells.get(key)
        return where(self.raw.sheet, cell.cell if cell else None)

    def label(self, key: str) -> str:
        return self.schema.by_key[key].label

    def __call__(self, rule: str, severity: str, key: str, message: str) -> None:
        cell = self.raw.cells.get(key, RawCell(None, None))
        self.findings.append(
            Finding(
                rule=rule,
                severity=severity,
                message=message,
                file=self.raw.file,
                sheet=self.raw.sheet,
                cell=cell.cell,
                field=key,
                label=self.label(key),
                value=cell_text(cell.raw) or None,
                remark=cell.remark if severity == WARNING else None,
            )
        )


def _read_fields(raw: RawReturn, ctx: RuleContext, emit: _Emitter) -> tuple[dict[str, object], set[str], Period | None]:
    schema = ctx.schema
    values: dict[str, object] = {}
    filled: set[str] = set()
    period: Period | None = None
    for f in schema.fields:
        cell = raw.cells.get(f.key)
        loc = emit.loc(f.key)
        if cell is not None and cell.uncached_formula:
            emit(
                "E02",
                ERROR,
                f.key,
                f"{loc}{f.label}是公式但没有计算结果（文件可能由程序生成）。请用 Excel 或 WPS 打开本文件、保存后重新发送",
            )
            values[f.key] = None
            filled.add(f.key)
            continue
        read = read_value(f, cell.raw if cell else None, schema)
        if read.blank:
            if f.required:
                where_ = loc if cell and cell.cell else f"「{raw.sheet}」"
                missing = "为空" if cell else "未找到（表中缺少该项）"
                emit("E01", ERROR, f.key, f"{where_}{f.label}{missing}。{f.label}是必填项，请填写后重新报送")
            # a blank optional count is 0; a blank required one is unknown, so no rule builds on it
            values[f.key] = 0 if f.kind in ("count", "amount") and not f.required else None
            continue
        filled.add(f.key)
        if read.error:
            emit(
                "E02",
                ERROR,
                f.key,
                f"{loc}{f.label}填写为“{cell_text(cell.raw)}”，无法识别：{read.error}。请改正后重新报送",
            )
            values[f.key] = None
            continue
        value = read.value
        if f.kind == "uscc":
            problem = uscc_problem(str(value))
            if problem:
                emit(
                    "E03", ERROR, f.key, f"{loc}统一社会信用代码“{value}”不正确：{problem}。请按执业许可证上的代码填写"
                )
        elif f.kind == "period":
            period = parse_period(str(value))
            if period is None:
                emit("E04", ERROR, f.key, f"{loc}报告期“{value}”无法识别。请填写如“2024年上半年”或“2024H1”")
            elif not period.has_ended(ctx.today):
                emit(
                    "E04",
                    ERROR,
                    f.key,
                    f"{loc}报告期{period.label}尚未结束（截至{period.end:%Y年%m月%d日}），请在期末后报送",
                )
            value = period.id if period else None
        elif f.kind == "city":
            city = ctx.cities.get(match_key(str(value)))
            if city is None:
                emit("E05", ERROR, f.key, f"{loc}所在地市“{value}”不在本省地市名单中。请从下拉列表中选择所在地市")
            value = city
        values[f.key] = value
    return values, filled, period


def _structure_rules(v: dict, filled: set[str], t: Thresholds, emit: _Emitter) -> None:
    def num(key: str) -> int | float | None:
        return v.get(key)

    lawyers, members, partners = num("lawyers"), num("members"), num("partners")
    full, prob = num("full_members"), num("probationary")
    org = v.get("org_type")
    loc, lab = emit.loc, emit.label

    if None not in (members, lawyers) and members > lawyers:
        emit(
            "E06",
            ERROR,
            "members",
            f"{loc('members')}党员律师数（{members}）大于执业律师数（{lawyers}）。党员律师数不能超过执业律师数，请核对后改正",
        )
    if ({"full_members", "probationary"} & filled) and None not in (full, prob, members) and full + prob != members:
        emit(
            "E07",
            ERROR,
            "members",
            f"{loc('members')}正式党员（{full}）与预备党员（{prob}）之和为{full + prob}，不等于党员律师数（{members}）。请核对后改正",
        )
    min_full = t.own_org_min_full_members
    if org in OWN_ORG and full is not None and full < min_full:
        emit(
            "E08",
            ERROR,
            "org_type",
            f"{loc('org_type')}党组织设置为“{org}”，但正式党员只有{full}人。单独建立党组织须有正式党员{min_full}人以上，请核对党组织设置情况或正式党员数",
        )
    mp = num("member_partners")
    if mp is not None:
        if partners is not None and mp > partners:
            emit(
                "E09",
                ERROR,
                "member_partners",
                f"{loc('member_partners')}党员合伙人数（{mp}）大于合伙人数（{partners}），请核对后改正",
            )
        elif members is not None and mp > members:
            emit(
                "E09",
                ERROR,
                "member_partners",
                f"{loc('member_partners')}党员合伙人数（{mp}）大于党员律师数（{members}），请核对后改正",
            )
    la, lam = num("legal_aid"), num("legal_aid_by_members")
    if None not in (la, lam) and lam > la:
        emit(
            "E10",
            ERROR,
            "legal_aid_by_members",
            f"{loc('legal_aid_by_members')}党员律师办理的法律援助案件（{lam}）多于法律援助案件总数（{la}），请核对后改正",
        )
    if members is not None:
        for key in ("members_elsewhere", "new_members"):
            n = num(key)
            if n is not None and n > members:
                emit("E11", ERROR, key, f"{loc(key)}{lab(key)}（{n}）大于党员律师数（{members}），请核对后改正")
    if None not in (partners, lawyers) and partners > lawyers:
        emit(
            "E12",
            ERROR,
            "partners",
            f"{loc('partners')}合伙人数（{partners}）大于执业律师数（{lawyers}），请核对后改正",
        )
    if org is not None and org != NONE and members == 0:
        emit(
            "E13",
            ERROR,
            "org_type",
            f"{loc('org_type')}党组织设置为“{org}”，但党员律师数为0。请核对党员律师数或党组织设置情况",
        )
    if org == NONE:
        for key in ("secretary_is_director", "secretary_in_management"):
            if v.get(key) is True:
                emit(
                    "E14",
                    ERROR,
                    key,
                    f"{loc(key)}尚未建立党组织，但“{lab(key)}”填写为“是”。未建立党组织的律所此项应为“否”或不填",
                )
    if v.get("secretary_is_director") is True and v.get("director_is_member") is False:
        emit(
            "E15",
            ERROR,
            "secretary_is_director",
            f"{loc('secretary_is_director')}填写了党组织书记由律所主任担任，但{loc('director_is_member').removesuffix('：')}“律所主任是否为党员”填写为“否”。请核对这两项",
        )

    if full is not None and full >= min_full and org in (JOINT, NONE):
        emit(
            "W01",
            WARNING,
            "org_type",
            f"{loc('org_type')}正式党员{full}人，已达到单独建立党组织的条件，但党组织设置为“{org}”。请说明未单独建立党组织的原因，或按要求单独组建",
        )
    if members is not None and members >= 1 and org == NONE:
        emit(
            "W02",
            WARNING,
            "org_type",
            f"{loc('org_type')}有党员律师{members}人，但尚未建立党组织（党员未纳入党组织管理）。请说明情况",
        )
    if org == NONE and v.get("instructor") is not True:
        emit(
            "W03",
            WARNING,
            "instructor",
            f"{loc('instructor')}尚未建立党组织，也未选派党建工作指导员（未实现党的工作覆盖）。请说明情况",
        )
    if org == JOINT and not v.get("joint_branch"):
        emit(
            "W04",
            WARNING,
            "joint_branch",
            f"{loc('joint_branch')}党组织设置为联合党支部，但未填写所在联合党支部名称。请补充填写",
        )
    uscc = v.get("uscc")
    if isinstance(uscc, str) and uscc and not uscc.startswith("31"):
        emit("W05", WARNING, "uscc", f"{loc('uscc')}统一社会信用代码“{uscc}”不以31开头，不像律师事务所的代码。请核对")
    nm, pr = num("new_members"), num("probationary")
    if None not in (nm, pr) and nm > pr:
        emit(
            "W06",
            WARNING,
            "new_members",
            f"{loc('new_members')}本期发展党员{nm}人，多于预备党员{pr}人（新发展的党员应为预备党员）。请核对",
        )
    if org in OWN_ORG:
        short = [
            (key, n, minimum)
            for key, minimum in (
                ("member_meetings", t.min_member_meetings),
                ("party_lectures", t.min_party_lectures),
                ("theme_days", t.min_theme_days),
            )
            if (n := num(key)) is not None and n < minimum
        ]
        if short:
            detail = "，".join(f"{lab(k)}{n}次（应不少于{m}次）" for k, n, m in short)
            emit("W07", WARNING, short[0][0], f"{loc(short[0][0])}本期{detail}，未达到“三会一课”的基本要求。请说明情况")
    phone = v.get("contact_phone")
    if phone:
        digits = re.sub(r"[\s]", "", unicodedata.normalize("NFKC", str(phone)))
        if not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
            emit(
                "W09",
                WARNING,
                "contact_phone",
                f"{loc('contact_phone')}联系电话“{phone}”不像有效的手机号或固定电话（固定电话请带区号）。请核对",
            )


def check_return(raw: RawReturn, ctx: RuleContext) -> CheckedReturn:
    """Reads every field and applies every single-return rule."""
    findings: list[Finding] = []
    emit = _Emitter(raw, ctx.schema, findings)
    values, filled, period = _read_fields(raw, ctx, emit)
    _structure_rules(values, filled, ctx.thresholds, emit)
    uscc = values.get("uscc")
    if ctx.roster is not None and uscc and uscc not in ctx.roster:
        emit(
            "W10",
            WARNING,
            "uscc",
            f"{emit.loc('uscc')}统一社会信用代码“{uscc}”不在律师事务所名录中。请核对代码是否填写正确",
        )
    for f in ctx.schema.fields:
        text = values.get(f.key)
        if (
            f.kind == "text"
            and f.part == "indicator"
            and isinstance(text, str)
            and len(text) > ctx.thresholds.max_text_chars
        ):
            emit(
                "W11",
                WARNING,
                f.key,
                f"{emit.loc(f.key)}{f.label}共{len(text)}字，超过{ctx.thresholds.max_text_chars}字。请精简",
            )
    return CheckedReturn(raw, values, frozenset(filled), findings, period)


def history_findings(
    checked: CheckedReturn, previous: dict[str, object] | None, previous_period: str, t: Thresholds, schema: FormSchema
) -> list[Finding]:
    """W08: lawyers or members changed by more than the threshold against the previous half-year."""
    if not previous:
        return []
    found: list[Finding] = []
    emit = _Emitter(checked.raw, schema, found)
    for key in HISTORY_FIELDS:
        now, before = checked.values.get(key), previous.get(key)
        if not isinstance(now, int) or not isinstance(before, int):
            continue
        if (
            now >= t.history_min_base
            and before >= t.history_min_base
            and abs(now - before) > t.history_change_ratio * before
        ):
            emit(
                "W08",
                WARNING,
                key,
                f"{emit.loc(key)}{emit.label(key)}由上期（{previous_period}）的{before}人变为{now}人，变化超过{t.history_change_ratio:.0%}。请核对或在备注中说明原因",
            )
    return found
