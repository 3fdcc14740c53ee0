"""Each rule of the catalogue (docs/rules.md) firing, and not firing on the clean return."""

import re
from dataclasses import replace
from datetime import date

import pytest

from rtr.checking.examine import to_new_return
from rtr.checking.rules import (
    DERIVED_FIELDS,
    HISTORY_FIELDS,
    Thresholds,
    check_return,
    history_findings,
    roster_findings,
)
from rtr.config import GUANGDONG
from rtr.workbooks.formgen import build_form
from tests.conftest import check, clean_values, form_bytes, read_returns, rules_of, valid_uscc


@pytest.fixture(scope="module")
def layout(schema):
    """Where the published form puts each field's value."""
    return build_form(schema, GUANGDONG)[1]


def with_(**changes):
    v = clean_values()
    v.update(changes)
    return v


def test_clean_return_has_no_findings(ctx):
    checked = check(ctx, clean_values())
    assert checked.findings == []
    assert checked.accepted
    assert checked.values["period"] == "2024H1"
    assert checked.values["firm_name"] == "广东信达&合诚律师事务所"


# rule → (changes that make it fire, the field whose cell it should point at)
FIRES = {
    "E01": (dict(firm_name=None), "firm_name"),
    "E02": (dict(lawyers="约30"), "lawyers"),
    "E03": (dict(uscc="31440000MD012345"), "uscc"),
    "E04": (dict(period="2024年第三季度"), "period"),
    "E05": (dict(city="长沙市"), "city"),
    "E06": (dict(members=31, full_members=30, probationary=1, member_partners=4), "members"),
    "E07": (dict(full_members=10), "members"),
    "E08": (
        dict(
            lawyers=6,
            partners=3,
            members=2,
            full_members=2,
            probationary=0,
            new_members=0,
            members_elsewhere=0,
            member_partners=2,
        ),
        "org_type",
    ),
    "E09": (dict(member_partners=9), "member_partners"),
    "E10": (dict(legal_aid_by_members=21), "legal_aid_by_members"),
    "E11": (dict(members_elsewhere=13), "members_elsewhere"),
    "E12": (dict(partners=31), "partners"),
    "E13": (
        dict(
            org_type="联合党支部",
            joint_branch="第一联合党支部",
            members=0,
            full_members=0,
            probationary=0,
            new_members=0,
            members_elsewhere=0,
            member_partners=0,
            director_is_member=False,
            secretary_is_director=False,
        ),
        "org_type",
    ),
    "E14": (
        dict(
            org_type="未建立",
            members=0,
            full_members=0,
            probationary=0,
            new_members=0,
            members_elsewhere=0,
            member_partners=0,
            director_is_member=False,
            secretary_is_director=False,
            instructor=True,
        ),
        "secretary_in_management",
    ),
    "E15": (dict(director_is_member=False), "secretary_is_director"),
    "W01": (dict(org_type="联合党支部", joint_branch="第一联合党支部"), "org_type"),
    "W02": (
        dict(org_type="未建立", secretary_is_director=False, secretary_in_management=False, instructor=True),
        "org_type",
    ),
    "W03": (
        dict(
            org_type="未建立",
            members=0,
            full_members=0,
            probationary=0,
            new_members=0,
            members_elsewhere=0,
            member_partners=0,
            secretary_is_director=False,
            secretary_in_management=False,
            instructor=False,
        ),
        "instructor",
    ),
    "W04": (
        dict(
            org_type="联合党支部",
            members=2,
            full_members=2,
            probationary=0,
            new_members=0,
            member_partners=2,
            members_elsewhere=0,
        ),
        "joint_branch",
    ),
    "W05": (dict(uscc=valid_uscc("12440000MD0123456")), "uscc"),
    "W06": (dict(new_members=2), "new_members"),
    "W07": (dict(theme_days=5), "theme_days"),
    "W09": (dict(contact_phone="12345"), "contact_phone"),
    "W11": (dict(highlights="字" * 2001), "highlights"),
    "W12": (dict(contact_email="dangjian#xinda-law.cn"), "contact_email"),
}
# extra rules that legitimately come along with the main one
ALONG = {"E14": {"W03"}, "W02": {"W01"}}


@pytest.mark.parametrize("rule", sorted(FIRES))
def test_rule_fires(ctx, layout, rule):
    changes, key = FIRES[rule]
    cell = layout.cells[key]
    checked = check(ctx, with_(**changes))
    assert rule in rules_of(checked), [f.message for f in checked.findings]
    assert rules_of(checked) - {rule} <= ALONG.get(rule, set()), [f.message for f in checked.findings]
    finding = next(f for f in checked.findings if f.rule == rule)
    assert finding.field == key and finding.cell == cell
    assert finding.sheet == "党建工作情况表"
    assert finding.file == "t.xlsx"
    assert cell in finding.message and "「党建工作情况表」" in finding.message
    assert finding.severity == ("error" if rule.startswith("E") else "warning")
    assert checked.accepted is rule.startswith("W")


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        # boundaries where the rule must not fire
        (dict(members=30, full_members=29, probationary=1), "E06"),
        (dict(full_members=None, probationary=None), "E07"),  # neither filled
        (
            dict(
                lawyers=6,
                partners=3,
                members=3,
                full_members=3,
                probationary=0,
                new_members=0,
                members_elsewhere=0,
                member_partners=3,
            ),
            "E08",
        ),
        (dict(member_partners=8, partners=8), "E09"),
        (dict(legal_aid_by_members=20), "E10"),
        (dict(members_elsewhere=12), "E11"),
        (dict(partners=30), "E12"),
        (dict(director_is_member=None), "E15"),  # unknown is not "no"
        (dict(theme_days=6, party_lectures=2, member_meetings=2), "W07"),
        (dict(contact_phone="020-12345678"), "W09"),
        (dict(contact_phone="+86 138 0013 8000"), "W09"),
        (dict(contact_phone="(0755)1234567-8001"), "W09"),
        (dict(highlights="字" * 2000), "W11"),
        (dict(new_members=1, probationary=1), "W06"),
        (dict(contact_email=None), "W12"),
        (dict(contact_email="Wang.Wei+dj@mail.xinda-law.com.cn"), "W12"),
        (dict(contact_email="ｄａｎｇｊｉａｎ＠ｘｉｎｄａ．ｃｎ"), "W12"),  # typed with a Chinese input method
    ],
)
def test_rule_does_not_fire(ctx, changes, rule):
    assert rule not in rules_of(check(ctx, with_(**changes)))


def test_e01_names_every_missing_required_field(ctx):
    checked = check(
        ctx, with_(firm_name=None, uscc=None, period=None, city=None, lawyers=None, members=None, org_type=None)
    )
    missing = {f.field for f in checked.findings if f.rule == "E01"}
    assert missing == {"firm_name", "uscc", "period", "city", "lawyers", "members", "org_type"}
    # blank required counts are unknown, so no rule builds on them
    assert rules_of(checked) == {"E01"}


def test_e01_when_the_row_is_missing(ctx, schema):
    from rtr.reading.layouts import RawReturn

    (raw,) = read_returns(schema, form_bytes(schema, clean_values()))
    cells = dict(raw.cells)
    del cells["members"]
    checked = check_return(RawReturn(raw.file, raw.sheet, raw.layout, None, cells), ctx)
    (finding,) = [f for f in checked.findings if f.rule == "E01"]
    assert finding.field == "members" and finding.cell is None and "未找到" in finding.message


def test_e02_lawyers_zero_and_message(ctx):
    checked = check(
        ctx,
        with_(
            lawyers=0,
            members=0,
            full_members=0,
            probationary=0,
            partners=0,
            member_partners=0,
            new_members=0,
            members_elsewhere=0,
            org_type="未建立",
            secretary_is_director=False,
            secretary_in_management=False,
            instructor=True,
            director_is_member=False,
        ),
    )
    (f,) = [f for f in checked.findings if f.rule == "E02"]
    assert f.field == "lawyers" and "不少于1" in f.message and f.value == "0"


def test_e04_period_not_ended(ctx):
    checked = check(replace(ctx, today=date(2024, 6, 30)), clean_values())
    (f,) = checked.findings
    assert f.rule == "E04" and "尚未结束" in f.message
    # on 30 June the half-year being collected is the one before: the firm is told which it is
    assert "请于2024年6月30日以后报送" in f.message and "本期报送的是2023年下半年的报表" in f.message
    # a half-year not begun is a slip: the firm is told which half-year is being collected
    (slip,) = check(replace(ctx, today=date(2024, 7, 1)), clean_values() | {"period": "2029年上半年"}).findings
    assert slip.rule == "E04" and "本期报送的是2024年上半年的报表。请核对年份" in slip.message
    assert check(replace(ctx, today=date(2024, 7, 1)), clean_values()).findings == []


def test_e09_against_members(ctx):
    checked = check(ctx, with_(partners=20, member_partners=13))
    assert "E09" in rules_of(checked)


def test_e11_new_members(ctx):
    checked = check(ctx, with_(new_members=13))
    assert any(f.rule == "E11" and f.field == "new_members" for f in checked.findings)


def test_thresholds_come_from_config(ctx):
    loose = replace(ctx, thresholds=Thresholds(min_theme_days=5, own_org_min_full_members=2))
    assert "W07" not in rules_of(check(loose, with_(theme_days=5)))
    assert "E08" not in rules_of(
        check(
            loose,
            with_(
                lawyers=6,
                partners=3,
                members=2,
                full_members=2,
                probationary=0,
                new_members=0,
                members_elsewhere=0,
                member_partners=2,
            ),
        )
    )


def test_warning_carries_the_firms_remark(ctx):
    checked = check(ctx, with_(theme_days=5), remarks={"theme_days": "疫情期间线上开展"})
    (f,) = checked.findings
    assert f.rule == "W07" and f.remark == "疫情期间线上开展"


def test_w07_lists_every_shortfall(ctx, layout):
    (f,) = check(ctx, with_(theme_days=5, party_lectures=1)).findings
    assert "党课1次" in f.message and "主题党日活动5次" in f.message and f.cell == layout.cells["party_lectures"]


def test_w10_roster(ctx):
    roster = frozenset({valid_uscc()})
    assert "W10" not in rules_of(check(replace(ctx, roster=roster), clean_values()))
    assert "W10" in rules_of(check(replace(ctx, roster=frozenset({"x"})), clean_values()))
    assert "W10" not in rules_of(check(ctx, clean_values()))  # no roster configured


def test_w08_history(ctx, layout):
    checked = check(ctx, clean_values())  # lawyers 30, members 12
    t = ctx.thresholds
    assert history_findings(checked, {"lawyers": 20, "members": 12}, "2023H2", t, ctx.schema) == []  # exactly 50%
    found = history_findings(checked, {"lawyers": 20, "members": 7}, "2023H2", t, ctx.schema)
    assert [(f.rule, f.field, f.cell) for f in found] == [("W08", "members", layout.cells["members"])]
    assert "2023H2" in found[0].message and "7人" in found[0].message
    assert history_findings(checked, {"lawyers": 4, "members": 4}, "2023H2", t, ctx.schema) == []  # base < 5
    assert history_findings(checked, None, "2023H2", t, ctx.schema) == []


def test_for_storing_keeps_what_storing_reads(ctx):
    checked = check(ctx, {**clean_values(), "contact_phone": "12345"})  # W09: a finding to keep
    slim = checked.for_storing()
    assert set(slim.raw.cells) == set(DERIVED_FIELDS) >= set(HISTORY_FIELDS) and len(checked.raw.cells) > 10
    assert to_new_return(slim) == to_new_return(checked) and "W09" in rules_of(slim)
    previous = {"lawyers": 80, "members": 30}
    found = history_findings(checked, previous, "2023H2", ctx.thresholds, ctx.schema)
    assert len(found) == 2 and history_findings(slim, previous, "2023H2", ctx.thresholds, ctx.schema) == found


def test_uncached_formula_is_e02_with_advice(ctx, schema, layout):
    import io

    from openpyxl import load_workbook as ox_load

    wb = ox_load(io.BytesIO(form_bytes(schema, clean_values())))
    members = layout.cells["members"]
    wb["党建工作情况表"][members] = "=D16+D17"  # openpyxl writes no cached value
    buf = io.BytesIO()
    wb.save(buf)
    (raw,) = read_returns(schema, buf.getvalue())
    checked = check_return(raw, ctx)
    (f,) = [f for f in checked.findings if f.rule == "E02"]
    assert f.cell == members and "WPS" in f.message


@pytest.mark.parametrize(
    "email", ["dangjian", "dangjian@xinda", "dang jian@xinda.cn", "@xinda.cn", "dangjian@.cn", "无"]
)
def test_w12_not_an_email_address(ctx, email):
    (f,) = check(ctx, with_(contact_email=email)).findings
    assert f.rule == "W12" and f.severity == "warning" and f"“{email}”" in f.message and "name@example.com" in f.message


def test_full_width_at_sign_is_stored_as_ascii(ctx):
    checked = check(ctx, with_(contact_email="dangjian＠xinda-law．cn"))
    assert checked.findings == [] and checked.values["contact_email"] == "dangjian@xinda-law.cn"


def test_roster_findings_rederive_w10(ctx):
    outside = replace(ctx, roster=frozenset({"x"}))
    checked = check(outside, clean_values())
    w10 = [f for f in checked.findings if f.rule == "W10"]
    assert roster_findings(checked, outside.roster, ctx.schema) == w10 and len(w10) == 1
    assert roster_findings(checked, frozenset({valid_uscc()}), ctx.schema) == []
    assert roster_findings(checked, None, ctx.schema) == []


def test_e15_message_says_what_the_director_cell_holds(ctx):
    checked = check(ctx, clean_values() | {"secretary_is_director": True, "director_is_member": False})
    message = next(f.message for f in checked.findings if f.rule == "E15")
    assert "：）" not in message  # the cell's place with nothing after it
    assert re.search(r"但「党建工作情况表」[A-Z]+\d+单元格“律所主任是否为党员”填写为“否”", message), message


def test_a_true_false_cell_is_quoted_as_the_forms_words(ctx):
    """Excel's TRUE in a 是/否 cell: the receipt quotes 是, never `True`."""
    values, _ = FIRES["E14"]
    (raw,) = read_returns(ctx.schema, form_bytes(ctx.schema, with_(**values)))
    cells = {k: replace(c, raw=True) if c.raw == "是" else c for k, c in raw.cells.items()}
    checked = check_return(replace(raw, cells=cells), ctx)
    (f,) = [f for f in checked.findings if f.rule == "E14"]
    assert f.value == "是" and "True" not in f.message
