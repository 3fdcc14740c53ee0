"""From one file's bytes to its checked returns, or the reason it has none (F01). Pure."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from rtr.checking.catalogue import CATALOGUE
from rtr.checking.findings import FILE, Finding
from rtr.checking.records import NewReturn
from rtr.checking.rules import DERIVED_FIELDS, CheckedReturn, RuleContext, check_return
from rtr.form.textnorm import cell_text
from rtr.reading.layouts import find_returns
from rtr.reading.workbook import SPREADSHEET_SUFFIXES, Limits, load_workbook

SPREADSHEET = "spreadsheet"
FILE_RULE = "F01"


@dataclass(frozen=True, slots=True)
class Examined:
    problem: str | None
    returns: list[CheckedReturn]


def classify(rel_path: str) -> str:
    """`spreadsheet`, or why the file is ignored (not an error): lock file, hidden, not a spreadsheet."""
    parts = PurePosixPath(rel_path).parts
    name = parts[-1]
    if name.startswith("~$"):
        return "Excel 临时锁定文件"
    if any(p.startswith(".") for p in parts):
        return "隐藏文件"
    if PurePosixPath(name).suffix.lower() not in SPREADSHEET_SUFFIXES:
        return "不是电子表格"
    return SPREADSHEET


def examine(rel_path: str, data: bytes, ctx: RuleContext, limits: Limits) -> Examined:
    suffix = PurePosixPath(rel_path).suffix
    loaded = load_workbook(data, suffix, limits)
    if loaded.problem:
        return Examined(loaded.problem, [])
    raws = find_returns(rel_path, loaded.sheets or [], ctx.schema)
    if not raws:
        return Examined(CATALOGUE[FILE_RULE].messages["no_return"].format(title=ctx.schema.title), [])
    return Examined(None, [check_return(raw, ctx) for raw in raws])


def file_finding(rel_path: str, message: str) -> Finding:
    return Finding(rule=FILE_RULE, severity=FILE, message=message, file=rel_path)


def _display(value: object) -> str | None:
    return unicodedata.normalize("NFC", str(value)) if value not in (None, "") else None


def to_new_return(checked: CheckedReturn) -> NewReturn:
    v = checked.values
    filled = v.get("filled_date")
    return NewReturn(
        sheet=checked.raw.sheet,
        row=checked.raw.row,
        layout=checked.raw.layout,
        uscc=_display(v.get("uscc")),
        firm_name=_display(v.get("firm_name")),
        city=_display(v.get("city")),
        district=_display(v.get("district")),
        period=checked.period.id if checked.period else None,
        passed=checked.accepted,
        filled_date=filled.isoformat() if filled is not None and hasattr(filled, "isoformat") else None,
        values=v,
        findings=list(checked.findings),
        cells={
            k: (c.cell, cell_text(c.raw) or None, c.remark)
            for k in DERIVED_FIELDS
            if (c := checked.raw.cells.get(k)) is not None
        },
    )
