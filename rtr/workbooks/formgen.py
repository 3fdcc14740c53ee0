"""The blank return form (律党1表), generated from the field definitions.

`build_form` lays out the header block and the indicator table from the schema, adds drop-downs,
number validation, sheet protection and a 填报说明 sheet. Given `values`, it fills them in (the
synthetic sample uses that), so the reader is always tested against the form it publishes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from rtr.checking.catalogue import CATALOGUE
from rtr.checking.findings import ERROR, WARNING
from rtr.checking.rules import Thresholds
from rtr.form.schema import Field, FormSchema
from rtr.workbooks.xlsxcells import put_value

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
_SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
_FONT = "宋体"
TABLE_HEADINGS = ("指标名称", "代码", "计量单位", "本期数值", "备注")
VALUE_COLUMN = 4
OPTIONS_SHEET = "选项"


@dataclass(frozen=True)
class FormLayout:
    """Where each field's value cell is, by field key."""

    cells: dict[str, str]
    table_header_row: int


def _style(
    cell, *, bold: bool = False, fill=None, locked: bool = True, wrap: bool = False, align: str = "left"
) -> None:
    cell.font = Font(name=_FONT, size=11, bold=bold)
    cell.border = _BORDER
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
    cell.protection = Protection(locked=locked)
    if fill is not None:
        cell.fill = fill


def _option_lists(
    wb: Workbook, schema: FormSchema, cities: tuple[str, ...], periods: tuple[str, ...]
) -> dict[str, str]:
    """Drop-down sources on a hidden sheet (a list literal is limited to 255 characters)."""
    ws = wb.create_sheet(OPTIONS_SHEET)
    ws.sheet_state = "hidden"
    lists = {"yesno": (schema.yes_label, schema.no_label), "city": cities, "period": periods}
    lists |= {f.key: f.options for f in schema.fields if f.kind == "enum"}
    sources = {}
    for col, (name, items) in enumerate(lists.items(), start=1):
        letter = get_column_letter(col)
        ws.cell(row=1, column=col, value=name)
        for row, item in enumerate(items, start=2):
            ws.cell(row=row, column=col, value=item)
        sources[name] = f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(items) + 1}"
    return sources


def _validation(f: Field, sources: dict[str, str]) -> DataValidation | None:
    if f.kind == "yesno":
        return DataValidation(type="list", formula1=sources["yesno"], allow_blank=True)
    if f.kind == "enum":
        return DataValidation(type="list", formula1=sources[f.key], allow_blank=True)
    if f.kind == "city":
        return DataValidation(type="list", formula1=sources["city"], allow_blank=True)
    if f.kind == "period":
        # a warning only: other ways of writing the period are accepted too
        return DataValidation(type="list", formula1=sources["period"], allow_blank=True, errorStyle="warning")
    if f.kind == "count":
        return DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1=str(f.minimum or 0), allow_blank=True
        )
    if f.kind == "amount":
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    if f.kind == "uscc":
        return DataValidation(type="textLength", operator="equal", formula1="18", allow_blank=True)
    return None


def _message(dv: DataValidation, f: Field) -> None:
    dv.error = {"count": f"请填写不小于{f.minimum or 0}的整数", "amount": "请填写不小于0的数字（万元）"}.get(
        f.kind, "请从下拉列表中选择"
    )
    if f.kind == "uscc":
        dv.error = "统一社会信用代码应为18位"
    dv.errorTitle = f.label
    dv.showErrorMessage = True
    if f.help:
        dv.prompt, dv.promptTitle, dv.showInputMessage = f.help[:255], f.label[:32], True


def build_form(
    schema: FormSchema,
    cities: tuple[str, ...],
    periods: tuple[str, ...] = (),
    values: dict[str, object] | None = None,
    remarks: dict[str, str] | None = None,
    notes: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    thresholds: Thresholds = Thresholds(),
) -> tuple[Workbook, FormLayout]:
    """`notes`: the 填报要求 lines and any extra 审核 lines for the 填报说明 sheet (default: form.toml's
    `notes`, no extra lines); its 主要审核规则 are the catalogue's, worded with `thresholds`."""
    wb = Workbook()
    ws = wb.active
    ws.title = schema.sheet_name
    values, remarks = values or {}, remarks or {}
    sources = _option_lists(wb, schema, cities, periods)
    cells: dict[str, str] = {}
    validations: dict[int, DataValidation] = {}

    def validate(f: Field, ref: str) -> None:
        dv = _validation(f, sources)
        if dv is None:
            return
        key = id(f) if f.kind in ("count", "amount", "uscc") else hash((f.kind, dv.formula1))
        if key not in validations:
            _message(dv, f)
            validations[key] = dv
            ws.add_data_validation(dv)
        validations[key].add(ref)

    ws.merge_cells("A1:E1")
    ws["A1"] = schema.title
    ws["A1"].font = Font(name="黑体", size=18, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    ws["A2"] = f"制表机关：{schema.authority}"
    ws["E2"] = f"表号：{schema.form_no}"
    ws["E2"].alignment = Alignment(horizontal="right")

    # Header block: the first field on a row of its own, the rest in pairs.
    row = 3
    first, *rest = schema.header
    pairs = [(first, None)] + [(rest[i], rest[i + 1] if i + 1 < len(rest) else None) for i in range(0, len(rest), 2)]
    for left, right in pairs:
        _style(ws.cell(row, 1, left.label), bold=True, fill=_LABEL_FILL)
        span_end = 5 if right is None else 3
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=span_end)
        for col in range(2, span_end + 1):
            _style(ws.cell(row, col), locked=False)
        cells[left.key] = f"B{row}"
        validate(left, f"B{row}")
        if right is not None:
            _style(ws.cell(row, 4, right.label), bold=True, fill=_LABEL_FILL)
            _style(ws.cell(row, 5), locked=False)
            cells[right.key] = f"E{row}"
            validate(right, f"E{row}")
        row += 1

    row += 1
    header_row = row
    for col, heading in enumerate(TABLE_HEADINGS, start=1):
        _style(ws.cell(row, col, heading), bold=True, fill=_LABEL_FILL, align="center")
    section = None
    for f in schema.indicators:
        if f.section != section:
            row += 1
            section = f.section
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
            _style(ws.cell(row, 1, section), bold=True, fill=_SECTION_FILL)
            for col in range(2, 6):
                _style(ws.cell(row, col), fill=_SECTION_FILL)
        row += 1
        long_text = f.kind == "text" and f.code.startswith("7")
        _style(ws.cell(row, 1, f.label), wrap=True)
        _style(ws.cell(row, 2, f.code), align="center")
        _style(ws.cell(row, 3, f.unit or "—"), align="center")
        _style(ws.cell(row, 4), locked=False, wrap=long_text, align="left" if f.kind in ("text", "enum") else "right")
        _style(ws.cell(row, 5), locked=False, wrap=True)
        if long_text:
            ws.row_dimensions[row].height = 90
        cells[f.key] = f"D{row}"
        validate(f, f"D{row}")
        if f.key in remarks:
            put_value(ws[f"E{row}"], remarks[f.key])

    for key, value in values.items():
        if key in cells and value is not None:
            put_value(ws[cells[key]], value)

    for col, width in zip("ABCDE", (40, 9, 10, 22, 30), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.protection.sheet = True  # no password: it guards the labels, not secrets
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True

    _instructions(wb, schema, notes if notes is not None else (schema.notes, ()), thresholds)
    return wb, FormLayout(cells, header_row)


def _requirement(f: Field, schema: FormSchema) -> str:
    kind = {
        "count": f"整数，不小于{f.minimum or 0}",
        "amount": "数字（万元），最多两位小数",
        "yesno": f"下拉选择“{schema.yes_label}”或“{schema.no_label}”",
        "enum": "下拉选择：" + "、".join(f.options),
        "city": "下拉选择所在地市",
        "period": "如“2024年上半年”",
        "date": "日期，如 2024-07-05",
        "uscc": "18位代码",
        "phone": "手机号或带区号的固定电话",
        "text": "文字",
    }[f.kind]
    parts = ["必填" if f.required else "", kind, f.help]
    return "；".join(p for p in parts if p)


def rule_sections(schema: FormSchema, thresholds: Thresholds) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """二、主要审核规则 of the 填报说明 sheet: every E rule's explanation (a return that breaks one is
    sent back), then every W rule's (the firm confirms or explains), from the catalogue."""
    return tuple(
        (heading, tuple(f"{r.id}　{r.explanation(schema, thresholds)}" for r in CATALOGUE if r.severity == severity))
        for severity, heading in _RULE_SECTIONS
    )


_RULE_SECTIONS = (
    (ERROR, "（一）强制性审核：不符合的报表将被退回，请按回执中的说明修改后重新报送。"),
    (WARNING, "（二）核实性审核：报表照常采用，请核实；确属实际情况的，请在“备注”列说明。"),
)


def _instructions(
    wb: Workbook, schema: FormSchema, notes: tuple[tuple[str, ...], tuple[str, ...]], thresholds: Thresholds
) -> None:
    ws = wb.create_sheet(schema.instructions_sheet)
    ws["A1"] = f"{schema.title}填报说明"
    ws["A1"].font = Font(name="黑体", size=16, bold=True)
    ws.merge_cells("A1:D1")
    row = 3

    def heading(text: str, size: int = 12) -> None:
        nonlocal row
        ws.cell(row, 1, text).font = Font(name="黑体", size=size, bold=True)
        row += 1

    def lines(texts: tuple[str, ...], numbered: bool) -> None:
        nonlocal row
        for i, line in enumerate(texts, start=1):
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
            ws.cell(row, 1, f"{i}. {line}" if numbered else line).alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[row].height = 32
            row += 1

    general, extra_checks = notes
    heading("一、填报要求")
    lines(general, numbered=True)
    row += 1
    heading("二、主要审核规则")
    for title, explained in rule_sections(schema, thresholds):
        heading(title, size=11)
        lines(explained, numbered=False)
    lines(extra_checks, numbered=True)
    row += 1
    heading("三、各项填写说明")
    for col, text in enumerate(("项目", "代码", "计量单位", "填写要求"), start=1):
        _style(ws.cell(row, col, text), bold=True, fill=_LABEL_FILL, align="center")
    for f in schema.fields:
        row += 1
        for col, text in enumerate((f.label, f.code, f.unit or "—", _requirement(f, schema)), start=1):
            _style(ws.cell(row, col, text), wrap=True)
    for col, width in zip("ABCD", (36, 8, 10, 70), strict=True):
        ws.column_dimensions[col].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
