"""报送进度.xlsx and a city's list of firms still missing. Pure: progress in, bytes out.

Sheets: 报送进度 (per city 应报 / 已采用 / 退回待修改 / 未报送 / 报送率, and the province), then one
list per state with each firm's contact, so staff can phone or write to the firms still missing.
Every sheet prints on A4, fitted to the page width, with its title and heading rows on every page.
"""

from __future__ import annotations

import math
from dataclasses import replace

from rtr.reporting.progress import (
    ACCEPTED,
    COLUMNS,
    MISSING,
    REJECTED,
    CityProgress,
    FirmStanding,
    Progress,
    figures_row,
    headline,
)
from rtr.workbooks.xlsxwrite import Sheet, Style, Workbook, col_letter

_TITLE = Style(font="黑体", size=14, bold=True)
_NOTE = Style(font="宋体", size=10, v="top", wrap=True)
_HEAD = Style(font="黑体", bold=True, color="FFFFFF", fill="1F4E79", h="center", v="center", wrap=True, border=True)
_CELL = Style(font="宋体", size=10.5, v="top", border=True)
_WRAPPED = replace(_CELL, wrap=True)
_NUMBER = replace(_CELL, fmt="#,##0")
_RATE = replace(_CELL, fmt="0.0%")
_TOTAL = replace(_CELL, bold=True)
_TOTAL_NUMBER = replace(_NUMBER, bold=True)
_TOTAL_RATE = replace(_RATE, bold=True)

LIST_COLUMNS = ("序号", "地市", "律所名称", "统一社会信用代码", "联系人", "联系电话", "联系邮箱")
_LIST_WIDTHS = (6, 10, 30, 22, 12, 16, 28)
_PROBLEM_WIDTH = 60
_MAX_PROBLEMS = 3  # on the list; the receipt has them all


def _heading(ws: Sheet, title: str, note: str, heads: tuple[str, ...], widths: tuple[int, ...]) -> int:
    """Title, note and heading rows, repeated on every printed page; returns the first data row."""
    ws.row(1, [title], _TITLE, height=24)
    ws.merge("A1", f"{col_letter(len(heads))}1")
    ws.row(2, [note], _NOTE, height=15.0 * max(2, -(-len(note) * 2 // max(sum(widths) - 2, 1))))
    ws.merge("A2", f"{col_letter(len(heads))}2")
    ws.row(3, list(heads), _HEAD, height=30)
    ws.freeze = "A4"
    ws.print_rows = "1:3"
    ws.fit_width = True
    ws.widths = dict(enumerate(widths, 1))
    return 4


def _figures_row(c: CityProgress, has_roster: bool, total: bool) -> tuple[list[object], list[Style]]:
    values = ["—" if v is None else v for v in figures_row(c, has_roster)]
    number, rate_, text = (_TOTAL_NUMBER, _TOTAL_RATE, _TOTAL) if total else (_NUMBER, _RATE, _CELL)
    styles = [
        rate_ if isinstance(v, float) else number if isinstance(v, int) and col else text
        for col, v in enumerate(values)
    ]
    return values, styles


def _height(messages: list[str]) -> float:
    """A row tall enough for these messages, wrapped in the problems column (no program fits a
    wrapped row's height on its own when the file is printed); a CJK character is two widths."""
    lines = sum(max(1, math.ceil(len(m) * 2 / (_PROBLEM_WIDTH * 1.15))) for m in messages)
    return 16.0 * max(1, lines)  # 10.5-point CJK text takes up to 16 points a line (Noto CJK in LibreOffice)


def _address(f: FirmStanding) -> str:
    if f.address:
        return f.address
    return f"（无效：{f.written_address}）" if f.written_address else "（无）"


def _firm_list(ws: Sheet, first: int, firms: list[FirmStanding], problems: bool, outside: bool) -> None:
    if not firms:
        ws.row(first, ["（无）"], _CELL)
        return
    for i, f in enumerate(firms, 1):
        values: list[object] = [
            i,
            f.city,
            f.firm_name + ("（名录外）" if outside and not f.in_roster else ""),
            f.uscc,
            f.contact_name,
            f.contact_phone,
            _address(f),
        ]
        styles = [_CELL, _CELL, _WRAPPED, _CELL, _CELL, _CELL, _WRAPPED]
        height = None
        if problems:
            shown = [e.message for e in f.errors[:_MAX_PROBLEMS]]
            if len(f.errors) > _MAX_PROBLEMS:
                shown.append(f"……另有{len(f.errors) - _MAX_PROBLEMS}条，见该所回执")
            values.append("\n".join(f"{n}. {m}" for n, m in enumerate(shown, 1)))
            styles.append(_WRAPPED)
            height = _height(shown)
        ws.row(first + i - 1, values, styles, height=height)


def _lists(wb: Workbook, progress: Progress, note: str) -> None:
    label = progress.period.label
    sheets = (
        (MISSING, "未报送名单", False),
        (REJECTED, "退回待修改名单", True),
        (ACCEPTED, "已采用名单", False),
    )
    for state, name, problems in sheets:
        ws = wb.sheet(name)
        heads = (*LIST_COLUMNS, "待修改的问题") if problems else LIST_COLUMNS
        widths = (*_LIST_WIDTHS, _PROBLEM_WIDTH) if problems else _LIST_WIDTHS
        first = _heading(ws, f"{label}{name}", note, heads, widths)
        if state == MISSING and not progress.has_roster:
            ws.row(first, ["未提供律所名录，无法列出未报送的律所。"], _CELL)
            continue
        firms = [f for f in progress.firms if f.state == state]  # 名录外 firms too, marked, on the lists
        _firm_list(ws, first, firms, problems, progress.has_roster)
        ws.landscape = problems


def build_progress_workbook(progress: Progress, title: str, as_of: str) -> bytes:
    """报送进度.xlsx; `title` e.g. 2024年上半年律师事务所党建工作情况报表报送进度, `as_of` the time of the figures."""
    wb = Workbook()
    ws = wb.sheet("报送进度")
    note = f"统计时间：{as_of}。{headline(progress)}"
    if progress.has_roster:
        note += "应报为律所名录中的律所；报送率 = 已采用 ÷ 应报；名录外为不在名录中、但报送了报表的律所。"
    first = _heading(ws, title, note, COLUMNS, (16, 12, 12, 14, 12, 12, 12))
    rows = [*progress.cities, progress.total]
    for i, c in enumerate(rows):
        values, styles = _figures_row(c, progress.has_roster, c is progress.total)
        ws.row(first + i, values, styles)
    _lists(wb, progress, f"统计时间：{as_of}")
    return wb.bytes()


def build_missing_list(progress: Progress, city: str, title: str, as_of: str) -> bytes:
    """One city's firms still missing (未报送, then 退回待修改 with what they must fix), for its recipients."""
    wb = Workbook()
    ws = wb.sheet("未报送名单")
    firms = [f for f in progress.firms_in(MISSING) + progress.firms_in(REJECTED) if f.city == city]
    heads = (*LIST_COLUMNS, "状态", "待修改的问题")
    first = _heading(ws, title, f"统计时间：{as_of}", heads, (*_LIST_WIDTHS, 12, _PROBLEM_WIDTH))
    ws.landscape = True
    for i, f in enumerate(firms):
        problems = "\n".join(f"{n}. {e.message}" for n, e in enumerate(f.errors, 1))
        values = [i + 1, f.city, f.firm_name, f.uscc, f.contact_name, f.contact_phone, _address(f)]
        values += [f.state_label, problems]
        ws.row(
            first + i,
            values,
            [_CELL, _CELL, _WRAPPED, _CELL, _CELL, _CELL, _WRAPPED, _CELL, _WRAPPED],
            height=_height([e.message for e in f.errors]),
        )
    if not firms:
        ws.row(first, ["（无）"], _CELL)
    return wb.bytes()
