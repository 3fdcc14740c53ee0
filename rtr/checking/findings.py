"""A finding is a record: which rule, where, what was read, and what the firm should do."""

from __future__ import annotations

from dataclasses import dataclass

FILE = "file"
ERROR = "error"
WARNING = "warning"
SUPERSEDED = "superseded"

SEVERITY_LABELS = {FILE: "无法读取", ERROR: "强制性审核", WARNING: "核实性审核", SUPERSEDED: "已被替代"}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    message: str
    file: str = ""
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    label: str | None = None
    value: str | None = None
    remark: str | None = None


def where(sheet: str | None, cell: str | None) -> str:
    """`「党建工作情况表」D14` — the place a firm looks at."""
    if not sheet:
        return ""
    return f"「{sheet}」{cell}单元格：" if cell else f"「{sheet}」："
