"""The report run: summary.json, 汇总表.xlsx and the period's receipts, from real files and a real store."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook as ox_load

from flows.setup import load_setup
from rtr.form.periods import Period
from rtr.reading.roster import RosterFirm
from rtr.reporting.metrics import COUNT_KEYS, RATES, RECEIVED_KEYS, SUBMISSION_KEYS, UNKNOWN_CITY
from rtr.workbooks.summary_workbook import CITY_COLUMNS
from sample.synthetic import make_sample
from tests.conftest import clean_values, form_bytes, valid_uscc
from tests.helpers import drop, in_folder, run_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def setup(tmp_path):
    s = load_setup(ROOT / "config.toml")
    return replace(s, config=replace(s.config, settle_seconds=0))


def report(setup, tmp_path, period="2024H1", roster=None):
    return run_report(in_folder(setup, tmp_path, roster=roster), Period(int(period[:4]), int(period[-1])))


def test_summary_has_every_key_and_rerun_is_identical(setup, tmp_path, schema):
    sample = make_sample(schema, setup.config.cities, Period(2024, 1), 60, seed=21, messy=True)
    for f in sample.files:
        drop(tmp_path / "inbox", f.path, f.data)
    first = report(setup, tmp_path).summary
    assert set(first) == {
        "period",
        "generated_at",
        "metrics",
        "by_city",
        "changes",
        "submissions",
        "unreadable",
        "unassigned",
        "missing",
    }
    assert set(first["metrics"]) == {*COUNT_KEYS, *RATES, *SUBMISSION_KEYS, *RECEIVED_KEYS} - {"missing"}
    assert first["metrics"]["returns_received"] == len(first["submissions"])
    assert first["metrics"]["returns_accepted"] == first["metrics"]["firms"]
    # every configured city, then （地市不明） for returns sent back without a city: the rows add up
    assert list(first["by_city"]) == [*setup.config.cities, UNKNOWN_CITY]
    for key in RECEIVED_KEYS:
        assert sum(c[key] for c in first["by_city"].values()) == first["metrics"][key], key
    assert first["changes"] == {"hoh": None, "yoy": None} and first["missing"] is None
    statuses = {s["status"] for s in first["submissions"]}
    assert statuses == {"accepted", "rejected", "superseded"}
    assert first["metrics"]["firms"] == sum(s["status"] == "accepted" for s in first["submissions"])
    assert {u["file"] for u in first["unreadable"]} == {"损坏的报表.xlsx", "会议通知.xlsx"}
    f = next(f for s in first["submissions"] for f in s["findings"])
    assert set(f) == {"rule", "severity", "field", "cell", "value", "message"}
    on_disk = json.loads((tmp_path / "out/2024H1/summary.json").read_text(encoding="utf-8"))
    again = report(setup, tmp_path).summary
    strip = lambda s: {k: v for k, v in s.items() if k != "generated_at"}  # noqa: E731
    assert strip(again) == strip(first) == strip(on_disk)
    receipts = list((tmp_path / "out/2024H1/回执").rglob("*_回执.xlsx"))
    assert len(receipts) == len({s["file"] for s in first["submissions"]})


def test_changes_against_stored_history_and_roster(setup, tmp_path, schema):
    drop(tmp_path / "inbox", "2023H2/a.xlsx", form_bytes(schema, clean_values() | {"period": "2023H2", "lawyers": 25}))
    drop(tmp_path / "inbox", "2023H1/a.xlsx", form_bytes(schema, clean_values() | {"period": "2023H1", "lawyers": 20}))
    drop(tmp_path / "inbox", "2024H1/a.xlsx", form_bytes(schema, clean_values()))
    roster = [
        RosterFirm(valid_uscc(), "广东信达&合诚律师事务所", "广州市"),
        RosterFirm("31440000MD000000X", "未报所", "深圳市"),
    ]
    s = report(setup, tmp_path, roster=roster).summary
    assert s["changes"]["hoh"]["period"] == "2023H2" and s["changes"]["hoh"]["lawyers"] == {"delta": 5, "relative": 0.2}
    assert s["changes"]["yoy"]["period"] == "2023H1" and s["changes"]["yoy"]["lawyers"]["delta"] == 10
    assert s["changes"]["hoh"]["own_org_rate"] == {"delta_pp": 0.0, "shown_pp": 0.0}
    assert s["metrics"]["expected_firms"] == 2 and s["metrics"]["report_rate"] == 0.5
    assert s["missing"] == [{"uscc": "31440000MD000000X", "firm_name": "未报所", "city": "深圳市"}]
    assert s["by_city"]["深圳市"]["expected_firms"] == 1 and s["by_city"]["深圳市"]["reported_firms"] == 0


def test_workbook_sheets_numbers_and_hostile_text(setup, tmp_path, schema):
    hostile = clean_values() | {
        "firm_name": "信达&合诚<联合>律师事务所",
        "district": '=HYPERLINK("http://x")',
        "theme_days": 5,
    }
    drop(tmp_path / "inbox", "a.xlsx", form_bytes(schema, hostile))
    report(setup, tmp_path)
    wb = ox_load(tmp_path / "out/2024H1/汇总表.xlsx")
    assert wb.sheetnames == ["全省汇总", "分地市", "律所明细", "审核问题", "未报送名单"]
    detail = wb["律所明细"]
    values = [c.value for c in detail[2]]
    assert "信达&合诚<联合>律师事务所" in values
    assert "2024年上半年" in values and "2024H1" not in values  # the period as the form says it
    formula_like = next(c for c in detail[2] if c.value == '=HYPERLINK("http://x")')
    assert formula_like.data_type == "s"
    assert detail.freeze_panes == "B2"  # the header row and the firm's name stay in sight
    city = wb["分地市"]
    gz = next(row for row in city.iter_rows(min_row=2) if row[0].value == "广州市")
    assert gz[1].value == 1 and isinstance(gz[1].value, int)
    rate_cell = gz[1 + CITY_COLUMNS.index("own_org_rate")]
    assert rate_cell.value == 1.0 and rate_cell.number_format == "0.0%"
    issues = wb["审核问题"]
    assert issues.auto_filter.ref and any(c.value == "W07" for row in issues.iter_rows() for c in row)

    # printed: landscape where wide, fit to width, header rows on every page, the 合计 row out of the filter
    last = city.max_row
    assert city.cell(last, 1).value == "合计" and city.auto_filter.ref.endswith(str(last - 1))
    assert city.page_setup.orientation == "landscape" and city.sheet_properties.pageSetUpPr.fitToPage
    assert city.print_title_rows == "$1:$2" and city.print_title_cols == "$A:$A"  # the title and the heads
    assert str(city.cell(1, 1).value).endswith("（分地市）")
    # heads break between words, never inside one; no roster: no empty 应报 / 报送率 columns
    heads = [str(c.value) for c in city[2]]
    assert "党的组织\n覆盖率" in heads and "报送率" not in heads and all(len(h) <= 12 for h in heads)
    assert detail.print_title_rows == "$1:$1" and detail.page_setup.orientation == "landscape"
    # one line a firm, printed smaller: a firm's row is never made taller than its text needs
    assert int(detail.page_setup.scale) == 70
    assert all(detail.row_dimensions[r].height in (None, 15) for r in range(2, detail.max_row + 1))
    assert issues.page_setup.orientation == "landscape" and issues.print_title_rows == "$1:$1"
    summary_sheet = wb["全省汇总"]
    heads = [c.value for c in summary_sheet[3]]
    assert heads == ["指标", "本期", "较上年下半年", "较上年下半年\n增减率", "较上年同期", "较上年同期\n增减率"]
    texts = [c.value for row in summary_sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(t in COUNT_KEYS or t in RATES for t in texts)  # Chinese names only
    assert summary_sheet.print_title_rows == "$3:$3"


def test_period_receipts_are_the_intakes_current_receipts(setup, tmp_path, schema):
    drop(tmp_path / "inbox", "a.xlsx", form_bytes(schema, clean_values()))
    report(setup, tmp_path)
    intake_receipt, period_receipt = tmp_path / "回执/a_回执.xlsx", tmp_path / "out/2024H1/回执/a_回执.xlsx"
    assert period_receipt.read_bytes() == intake_receipt.read_bytes()
    # a corrected return supersedes it: intake rewrites its receipt, the next report follows
    later = clean_values() | {"filled_date": date(2024, 7, 30), "cases": 801}
    drop(tmp_path / "inbox", "a（更正）.xlsx", form_bytes(schema, later))
    report(setup, tmp_path)
    assert period_receipt.read_bytes() == intake_receipt.read_bytes()
    ws = ox_load(period_receipt).active
    assert any(c.value == "已被替代（不计入）" for row in ws.iter_rows() for c in row)
    assert not list((tmp_path / "out/2024H1/回执").glob(".tmp-*"))
