"""报送进度: firm standings, the figures per city, their table forms and 报送进度.xlsx."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook as ox_load
from rich.console import Console

from flows.setup import load_setup
from rtr.checking.findings import Finding
from rtr.config import sqlite_url
from rtr.form.periods import Period
from rtr.reading.roster import RosterFirm
from rtr.reporting.metrics import aggregate
from rtr.reporting.progress import (
    ACCEPTED,
    MISSING,
    REJECTED,
    TOTAL,
    UNKNOWN_CITY,
    PeriodReturn,
    build_progress,
    period_return,
    progress_markdown,
    progress_records,
    progress_table,
    standings,
)
from rtr.store import Store, returns
from rtr.workbooks.progress_workbook import build_missing_list, build_progress_workbook
from sample.synthetic import make_sample
from tests.helpers import OLD, drop, in_folder, run_intake

ROOT = Path(__file__).resolve().parents[3]
P = Period(2024, 1)
CITIES = ("广州市", "深圳市")
E06 = Finding("E06", "error", "「表」D16单元格：党员律师数大于执业律师数，请核实后修改", cell="D16")


def ret(uscc, status, city="广州市", **kw) -> PeriodReturn:
    return PeriodReturn(uscc, kw.pop("firm_name", f"{uscc}所"), city, status, kw.pop("file", f"{uscc}.xlsx"), **kw)


ROSTER = [
    RosterFirm("A", "甲所", "广州市", contact_email="a@roster.cn", contact_name="名录甲", contact_phone="020-1"),
    RosterFirm("B", "乙所", "广州市", contact_email="b@roster.cn"),
    RosterFirm("C", "丙所", "深圳市", contact_email="c@roster.cn", contact_name="名录丙"),
    RosterFirm("D", "丁所", "深圳市"),
    RosterFirm("E", "戊所", "外省市"),  # a roster city that is not configured
]
RETURNS = [
    ret("A", "superseded"),
    ret("A", "accepted", contact_email="a＠form.cn", contact_name="表甲"),
    ret("B", "superseded"),
    ret("B", "rejected", errors=(E06,), contact_email="不是邮箱"),
    ret("X", "accepted", city="深圳市"),  # not in the roster
    ret(None, "rejected", errors=(E06,)),  # no uscc: names no firm
]


def test_states_contacts_and_addresses():
    firms, unidentified = standings(ROSTER, RETURNS)
    by = {f.uscc: f for f in firms}
    assert [f.uscc for f in firms] == ["A", "B", "C", "D", "E", "X"]  # the roster's order, then the others
    assert {u: f.state for u, f in by.items()} == {
        "A": ACCEPTED,
        "B": REJECTED,
        "C": MISSING,
        "D": MISSING,
        "E": MISSING,
        "X": ACCEPTED,
    }
    assert unidentified == 1
    assert by["A"].address == "a@form.cn" and by["A"].contact_name == "表甲" and by["A"].contact_phone == "020-1"
    assert by["B"].address == "b@roster.cn" and by["B"].errors == (E06,)  # W12 on the form: the roster's
    assert by["C"].address == "c@roster.cn" and by["C"].contact_name == "名录丙" and by["C"].file is None
    assert by["D"].address is None and by["D"].written_address == ""
    assert not by["X"].in_roster and by["A"].in_roster
    assert by["A"].errors == ()  # only a firm sent back has problems still to fix


def test_figures_with_a_roster_add_up():
    p = build_progress(P, CITIES, ROSTER, RETURNS)
    rows = {c.city: c for c in p.cities}
    assert [c.city for c in p.cities] == ["广州市", "深圳市", UNKNOWN_CITY]
    gz, sz, other = rows["广州市"], rows["深圳市"], rows[UNKNOWN_CITY]
    assert (gz.expected, gz.accepted, gz.rejected, gz.missing, gz.rate, gz.outside) == (2, 1, 1, 0, 0.5, 0)
    assert (sz.expected, sz.accepted, sz.rejected, sz.missing, sz.rate, sz.outside) == (2, 0, 0, 2, 0.0, 1)
    assert (other.expected, other.missing) == (1, 1)
    t = p.total
    assert (t.city, t.expected, t.accepted, t.rejected, t.missing, t.outside) == (TOTAL, 5, 1, 1, 3, 1)
    assert t.rate == pytest.approx(0.2)
    for c in (*p.cities, t):
        assert c.expected == c.accepted + c.rejected + c.missing
    assert [f.uscc for f in p.firms_in(MISSING)] == ["C", "D", "E"]
    assert [f.uscc for f in p.outside_roster] == ["X"]


def test_without_a_roster_what_was_received():
    p = build_progress(P, CITIES, None, RETURNS)
    gz, sz = p.cities
    assert (gz.expected, gz.accepted, gz.rejected, gz.missing, gz.rate) == (None, 1, 1, None, None)
    assert (sz.accepted, sz.rejected) == (1, 0)
    assert (p.total.accepted, p.total.rejected, p.total.missing) == (2, 1, None)
    assert p.firms_in(MISSING) == [] and p.outside_roster == []
    assert progress_records(p)[-1] == {
        "地市": TOTAL,
        "应报": "—",
        "已采用": 2,
        "退回待修改": 1,
        "未报送": "—",
        "报送率": "—",
        "名录外": "—",
    }


def test_records_markdown_and_terminal_table_say_the_same():
    p = build_progress(P, CITIES, ROSTER, RETURNS)
    records = progress_records(p)
    assert [r["地市"] for r in records] == ["广州市", "深圳市", UNKNOWN_CITY, TOTAL]
    assert records[0] == {
        "地市": "广州市",
        "应报": 2,
        "已采用": 1,
        "退回待修改": 1,
        "未报送": 0,
        "报送率": "50.0%",
        "名录外": 0,
    }
    md = progress_markdown(p, "2024年7月5日 10:00")
    assert "| 全省合计 | 5 | 1 | 1 | 3 | 20.0% | 1 |" in md and "应报5家" in md and "1份报表未能识别律所" in md
    console = Console(width=120, record=True)
    console.print(progress_table(p))
    text = console.export_text()
    assert "报送率20.0%" in text
    total_line = next(line for line in text.splitlines() if "全省合计" in line)
    assert [cell.strip() for cell in total_line.split("│")[2:8]] == ["5", "1", "1", "3", "20.0%", "1"]


def test_period_return_from_store_rows():
    row = {
        "uscc": "A",
        "firm_name": "甲所",
        "city": "广州市",
        "district": "天河区",
        "status": "rejected",
        "sheet": "表",
        "row": 5,
        "values_json": json.dumps({"contact_email": "a＠x.cn", "contact_name": "王", "contact_phone": None}),
    }
    findings = [
        {"rule": "E06", "severity": "error", "message": "m", "sheet": "表", "cell": "D16", "field": "members"},
        {"rule": "W07", "severity": "warning", "message": "w", "sheet": "表", "cell": "D39", "field": "theme_days"},
    ]
    r = period_return(row, "广州市/甲所.xlsx", findings)
    assert (r.uscc, r.status, r.file, r.row, r.district) == ("A", "rejected", "广州市/甲所.xlsx", 5, "天河区")
    assert (r.contact_email, r.contact_name, r.contact_phone) == ("a＠x.cn", "王", "")
    assert [e.rule for e in r.errors] == ["E06"] and r.errors[0].cell == "D16" and r.warnings == 1
    columns = row | {"contact_email": "col@x.cn", "contact_name": "", "contact_phone": "1"}
    assert period_return(columns, "f", []).contact_email == "col@x.cn"


def _sheet_text(ws) -> list[list[object]]:
    return [[c for c in row] for row in ws.iter_rows(values_only=True)]


def test_progress_workbook_figures_lists_and_print_setup():
    p = build_progress(P, CITIES, ROSTER, RETURNS)
    wb = ox_load(io.BytesIO(build_progress_workbook(p, "2024年上半年报送进度", "2024年7月5日 10:00")))
    assert wb.sheetnames == ["报送进度", "未报送名单", "退回待修改名单", "已采用名单"]
    ws = wb["报送进度"]
    rows = _sheet_text(ws)
    assert rows[0][0] == "2024年上半年报送进度" and "2024年7月5日 10:00" in rows[1][0]
    assert list(rows[2]) == ["地市", "应报", "已采用", "退回待修改", "未报送", "报送率", "名录外"]
    assert list(rows[3]) == ["广州市", 2, 1, 1, 0, 0.5, 0]
    assert list(rows[-1]) == [TOTAL, 5, 1, 1, 3, 0.2, 1]
    assert ws.cell(4, 6).number_format == "0.0%"
    for sheet in wb:
        assert sheet.print_title_rows == "$1:$3", sheet.title
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    missing = _sheet_text(wb["未报送名单"])[3:]
    assert [(r[2], r[3], r[6]) for r in missing] == [
        ("丙所", "C", "c@roster.cn"),
        ("丁所", "D", "（无）"),
        ("戊所", "E", "（无）"),
    ]
    assert missing[0][4] == "名录丙"
    rejected = _sheet_text(wb["退回待修改名单"])[3:]
    assert rejected[0][2] == "乙所" and rejected[0][6] == "b@roster.cn" and "党员律师数大于执业律师数" in rejected[0][7]
    accepted = _sheet_text(wb["已采用名单"])[3:]
    assert [r[2] for r in accepted] == ["甲所", "X所（名录外）"]


def test_progress_workbook_without_a_roster_says_why_no_missing_list():
    p = build_progress(P, CITIES, None, RETURNS)
    wb = ox_load(io.BytesIO(build_progress_workbook(p, "t", "now")))
    assert list(_sheet_text(wb["报送进度"])[-1]) == [TOTAL, "—", 2, 1, "—", "—", "—"]
    assert "未提供律所名录" in _sheet_text(wb["未报送名单"])[3][0]


def test_a_citys_missing_list():
    p = build_progress(P, CITIES, ROSTER, RETURNS)
    rows = _sheet_text(ox_load(io.BytesIO(build_missing_list(p, "广州市", "名单", "now"))).active)[3:]
    assert [(r[2], r[7]) for r in rows] == [("乙所", "退回待修改")]
    rows = _sheet_text(ox_load(io.BytesIO(build_missing_list(p, "深圳市", "名单", "now"))).active)[3:]
    assert [(r[2], r[7]) for r in rows] == [("丙所", "未报送"), ("丁所", "未报送")]  # not X: it reported


@pytest.fixture(scope="module")
def messy_store(tmp_path_factory, schema):
    """A messy sample taken in by the real intake, with a roster that misses two reporting firms and
    lists three firms that sent nothing."""
    tmp = tmp_path_factory.mktemp("progress")
    base = load_setup(ROOT / "config.toml")
    setup = replace(base, config=replace(base.config, settle_seconds=0))
    sample = make_sample(schema, base.config.cities, P, 160, seed=11, messy=True)
    for f in sample.files:
        drop(tmp / "inbox", f.path, f.data, OLD)
    firms = {}
    for firm in sample.firms:
        v = firm.values
        if isinstance(v.get("uscc"), str) and v["uscc"]:
            firms.setdefault(v["uscc"], RosterFirm(v["uscc"], str(v["firm_name"]), str(v["city"])))
    roster = list(firms.values())[2:] + [
        RosterFirm(f"3144000000000000{i}", f"未报送{i}所", "广州市", contact_email=f"m{i}@x.cn") for i in range(3)
    ]
    run_intake(in_folder(setup, tmp, roster=roster, today=date(2024, 7, 20)))
    store = Store(sqlite_url(tmp / "store.sqlite"))
    yield setup, store, roster
    store.close()


def test_figures_equal_the_stores_for_a_messy_sample(messy_store):
    setup, store, roster = messy_store
    cities = setup.config.cities
    with store.transaction() as conn:
        rows = returns.period_returns(conn, P.id)
        accepted_values = returns.accepted_of_period(conn, P.id)
    p = build_progress(P, cities, roster, [period_return(*r) for r in rows])

    # the store's own answer, counted from its rows without the code under test
    accepted = {r["uscc"] for r, _, _ in rows if r["status"] == "accepted"}
    sent_back = {r["uscc"] for r, _, _ in rows if r["status"] == "rejected" and r["uscc"]} - accepted
    city_of = {f.uscc: f.city for f in roster}
    assert sent_back and accepted and len(accepted) > 100
    for c in p.cities:
        expected = {
            u for u, city in city_of.items() if city == c.city or (c.city == UNKNOWN_CITY and city not in cities)
        }
        assert c.expected == len(expected), c.city
        assert c.accepted == len(expected & accepted), c.city
        assert c.rejected == len(expected & sent_back), c.city
        assert c.missing == len(expected - accepted - sent_back), c.city
    assert p.total.outside == len((accepted | sent_back) - set(city_of))
    assert p.unidentified == sum(1 for r, _, _ in rows if not r["uscc"] and r["status"] != "superseded")

    # and summary.json's 应报 / 已报 / 报送率 (metrics.aggregate) for every city and the province
    province, by_city = aggregate(accepted_values, cities, setup.config.small_medium_max_lawyers, roster)
    assert (p.total.expected, p.total.accepted) == (province["expected_firms"], province["reported_firms"])
    assert p.total.rate == pytest.approx(province["report_rate"])
    for c in p.cities:
        if c.city == UNKNOWN_CITY:  # roster rows whose city is not configured: in the province only
            continue
        m = by_city[c.city]
        assert (c.expected, c.accepted) == (m["expected_firms"], m["reported_firms"]), c.city
        assert c.rate == pytest.approx(m["report_rate"]) if m["report_rate"] is not None else c.rate is None


def test_the_artifact_key_is_one_prefect_accepts():
    from prefect.artifacts import Artifact

    from rtr.reporting.progress import progress_artifact_key

    assert progress_artifact_key(P) == "progress-2024h1"
    Artifact(type="markdown", key=progress_artifact_key(P), data="x")  # validates the key
    with pytest.raises(ValueError):
        Artifact(type="markdown", key="progress-2024H1", data="x")
