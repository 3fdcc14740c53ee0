"""The blank form: generated from the schema, with validations and protection, and reading back exactly."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook as ox_load

from rtr.checking.catalogue import CATALOGUE
from rtr.checking.rules import Thresholds, check_return
from rtr.config import GUANGDONG
from rtr.workbooks.formgen import build_form, workbook_bytes
from tests.conftest import as_cells, clean_values, openpyxl_form_bytes, read_returns


@pytest.fixture(scope="module")
def blank(schema):
    wb, layout = build_form(schema, GUANGDONG, ("2024年上半年",))
    return ox_load(io.BytesIO(workbook_bytes(wb))), layout


def test_every_field_has_a_cell_and_the_table_has_codes_and_units(blank, schema):
    wb, layout = blank
    ws = wb[schema.sheet_name]
    assert set(layout.cells) == {f.key for f in schema.fields}
    assert [ws.cell(layout.table_header_row, c).value for c in range(1, 6)] == [
        "指标名称",
        "代码",
        "计量单位",
        "本期数值",
        "备注",
    ]
    for f in schema.indicators:
        row = int(layout.cells[f.key][1:])
        assert ws.cell(row, 1).value == f.label and ws.cell(row, 2).value == f.code
    assert ws["A1"].value == schema.title and schema.form_no in ws["E2"].value


def test_validations_protection_and_print_setup(blank, schema):
    wb, layout = blank
    ws = wb[schema.sheet_name]
    by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            by_cell[ref] = dv
    for f in schema.fields:
        ref = layout.cells[f.key]
        if f.kind in ("yesno", "enum", "city"):
            assert by_cell[ref].type == "list", f.key
        elif f.kind == "count":
            assert by_cell[ref].type == "whole" and by_cell[ref].formula1 == str(f.minimum or 0)
        elif f.kind == "amount":
            assert by_cell[ref].type == "decimal"
        assert ws[ref].protection.locked is False, f.key
    assert ws["A11"].protection.locked is True
    assert ws.protection.sheet is True and not ws.protection.password
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    options = wb["选项"]
    assert options.sheet_state == "hidden"
    city_col = next(c for c in range(1, 10) if options.cell(1, c).value == "city")
    assert [options.cell(r, city_col).value for r in range(2, 23)] == list(GUANGDONG)
    notes = wb[schema.instructions_sheet]
    texts = [c.value for row in notes.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("正式党员与预备党员之和" in t for t in texts)
    assert sum(t == f.label for f in schema.fields for t in texts) == len(schema.fields)


def _sheet_lines(wb, schema) -> list[str]:
    notes = wb[schema.instructions_sheet]
    return [c.value for row in notes.iter_rows() for c in row if isinstance(c.value, str)]


def test_instructions_explain_the_requirements_and_every_rule(blank, schema):
    """一、填报要求 lists form.toml's notes and 二、主要审核规则 every E and W rule of the catalogue, each
    under its heading (the notes once sat after the last field in form.toml and were lost)."""
    wb, _ = blank
    lines = _sheet_lines(wb, schema)
    requirements, rules, fields = (lines.index(h) for h in ("一、填报要求", "二、主要审核规则", "三、各项填写说明"))
    assert len(schema.notes) >= 5
    assert lines[requirements + 1 : rules] == [f"{i}. {note}" for i, note in enumerate(schema.notes, start=1)]
    errors, warnings = (
        next(i for i, t in enumerate(lines) if t.startswith(h)) for h in ("（一）强制性审核", "（二）核实性审核")
    )
    assert rules < errors < warnings < fields
    thresholds = Thresholds()
    for rule in CATALOGUE:
        if rule.severity not in ("error", "warning"):
            continue
        line = f"{rule.id}　{rule.explanation(schema, thresholds)}"
        assert line in lines[errors:warnings] if rule.severity == "error" else line in lines[warnings:fields], rule.id
    assert "E08　党组织设置为单独党支部、党总支、党委的，正式党员应不少于3人。" in lines
    assert any("执业律师数、党员律师数、党组织设置情况为必填项" in t for t in lines)  # E01 names the required fields


def test_instructions_by_default_and_with_configured_thresholds(schema):
    wb, _ = build_form(schema, GUANGDONG, thresholds=Thresholds(own_org_min_full_members=2, min_theme_days=4))
    lines = _sheet_lines(ox_load(io.BytesIO(workbook_bytes(wb))), schema)
    assert f"1. {schema.notes[0]}" in lines
    assert any(t.startswith("E08") and "不少于2人" in t for t in lines)
    assert any(t.startswith("W07") and "主题党日活动少于4次" in t for t in lines)


def test_filled_by_openpyxl_reads_back_exactly(schema, ctx, blank):
    wb, layout = blank
    ws = wb[schema.sheet_name]
    values = clean_values()
    for key, value in as_cells(values).items():
        if value is not None:
            ws[layout.cells[key]] = value
    buf = io.BytesIO()
    wb.save(buf)
    (raw,) = read_returns(schema, buf.getvalue())
    checked = check_return(raw, ctx)
    assert checked.findings == []
    assert checked.values == values | {"period": "2024H1"}


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.libreoffice
@pytest.mark.skipif(_soffice() is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("target", ["xlsx", "xls"])
def test_saved_by_libreoffice_reads_back_exactly(schema, ctx, tmp_path: Path, target):
    source = tmp_path / "in" / "form.xlsx"
    source.parent.mkdir()
    source.write_bytes(openpyxl_form_bytes(schema, clean_values()))
    out = tmp_path / "out"
    subprocess.run(
        [
            _soffice(),
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = out / f"form.{target}"
    (raw,) = read_returns(schema, converted.read_bytes(), suffix=f".{target}", name=converted.name)
    checked = check_return(raw, ctx)
    assert checked.findings == []
    assert checked.values == clean_values() | {"period": "2024H1"}
