"""Finding returns in a workbook's sheets: the form layout and the roster layout (docs/form.md)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rtr.form.schema import HEADER, INDICATOR, Field, FormSchema
from rtr.form.textnorm import cell_text, match_key
from rtr.reading.values import is_blank
from rtr.reading.workbook import Sheet, cell_ref

FORM = "form"
ROSTER = "roster"
_BRACKETED = re.compile(r"[（(\[【][^（()）\]】]*[)）\]】]$")
_TOTAL_ROWS = frozenset({"合计", "小计", "总计", "汇总"})
_UNIT_TOKENS = frozenset({"人", "件", "次", "人次", "个", "家", "场", "万元", "—", "-", "/"})


@dataclass(frozen=True, slots=True)
class RawCell:
    cell: str | None
    raw: object
    remark: str | None = None
    uncached_formula: bool = False


@dataclass(frozen=True, slots=True)
class RawReturn:
    """One return as found: each field's cell and raw content, before any reading of values."""

    file: str
    sheet: str
    layout: str
    row: int | None  # the roster row (1-based), None for the form layout
    cells: dict[str, RawCell] = field(default_factory=dict)


def _keys(text: str) -> tuple[str, ...]:
    key = match_key(text)
    stripped = _BRACKETED.sub("", key)
    return (key, stripped) if stripped and stripped != key else (key,)


def _lookup(text: str, table: dict[str, object]) -> object | None:
    for key in _keys(text):
        if key in table:
            return table[key]
    return None


_MEMO_MAX = 200_000  # texts remembered per schema; firm names and free text make the tail unbounded


def _memo(schema: FormSchema, kind: str, text: str, compute):
    key = (kind, text)
    try:
        return schema.memo[key]
    except KeyError:
        if len(schema.memo) >= _MEMO_MAX:
            schema.memo.clear()
        value = schema.memo[key] = compute(text)
        return value


def _any_field(text: str, schema: FormSchema) -> Field | None:
    f = _lookup(text, schema.by_label)
    if f is None:
        f = schema.by_code.get(unicodedata.normalize("NFKC", text).strip().upper())
    return f


def _field_by_label(text: str, schema: FormSchema, part: str | None) -> Field | None:
    f = _memo(schema, "label", text, lambda t: _any_field(t, schema))
    if f is not None and (part is None or f.part == part):
        return f
    return None


def _code_of(raw: object, schema: FormSchema) -> Field | None:
    if isinstance(raw, str):  # a code cell of every indicator row of every return: memoised
        hit = schema.memo.get(("code", raw), False)
        if hit is not False:
            return hit
        return _memo(schema, "code", raw, lambda t: _field_of_code(cell_text(t), schema))
    return _field_of_code(cell_text(raw), schema)


def _field_of_code(text: str, schema: FormSchema) -> Field | None:
    text = unicodedata.normalize("NFKC", text).strip().upper()
    return schema.by_code.get(text) if text else None


def _texts(rows: list[list[object]]):
    for r, row in enumerate(rows):
        for c, raw in enumerate(row):
            if isinstance(raw, str) and raw.strip():
                yield r, c, raw


def _heading(text: str, schema: FormSchema) -> tuple[str | None, Field | None]:
    """What a cell's text names: a column of the indicator table, a field, both or neither."""
    return _memo(schema, "heading", text, lambda t: (_lookup(t, schema.table_column_by_label), _any_field(t, schema)))


_ROSTER_HEADER_ROWS = 50


def _find_headers(rows: list[list[object]], schema: FormSchema):
    """In one pass: the indicator table's heading row and columns (name, code, unit, value, remark),
    else a roster heading row within the first rows and its field columns."""
    roster = None
    memo = schema.memo
    for r, row in enumerate(rows):
        columns: dict[str, int] = {}
        found: dict[int, Field] = {}
        look_for_roster = roster is None and r < _ROSTER_HEADER_ROWS
        for c, raw in enumerate(row):
            if raw is None or raw == "":  # most cells: checked inline, it is the hot loop
                continue
            if isinstance(raw, str):
                hit = memo.get(("heading", raw))  # _memo inlined: every text cell of every sheet comes here
                column, f = hit if hit is not None else _heading(raw, schema)
                if column is None and f is None:
                    continue
                if column is not None and column not in columns:
                    columns[column] = c
            elif look_for_roster:
                f = _field_by_label(cell_text(raw), schema, None)
            else:
                continue
            if look_for_roster and f is not None and f not in found.values():
                found[c] = f
        if "value" in columns and ("code" in columns or "name" in columns):
            return (r, columns), None
        if look_for_roster and len(found) >= 3 and {f.key for f in found.values()} & {"uscc", "firm_name"}:
            roster = (r, found)
    return None, roster


def _uncached(sheet: Sheet, ref: str) -> bool:
    return ref in sheet.uncached


def _form_return(file: str, sheet: Sheet, schema: FormSchema, header_row: int, columns: dict[str, int]) -> RawReturn:
    rows = sheet.rows
    cells: dict[str, RawCell] = {}
    # Header block: a label cell, its value in the next non-empty cell to the right.
    for r, c, raw in _texts(rows[:header_row]):
        _header_cell(sheet, schema, r, c, raw, cells)
    width = max(columns.values())
    for r in range(header_row, len(rows)):
        # a header block may also sit beside the table, to the right of its columns
        row = rows[r]
        for c in range(width + 1, len(row)):
            raw = row[c]
            if isinstance(raw, str) and raw.strip():
                _header_cell(sheet, schema, r, c, raw, cells)
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        if len(row) <= width:
            row = row + [""] * (width + 1 - len(row))
        f = _code_of(row[columns["code"]], schema) if "code" in columns else None
        if (f is None or f.part != INDICATOR) and "name" in columns:
            name = row[columns["name"]]
            f = _field_by_label(name, schema, INDICATOR) if isinstance(name, str) and name.strip() else None
        if f is None or f.part != INDICATOR or f.key in cells:
            continue
        ref = cell_ref(r, columns["value"])
        remark = cell_text(row[columns["remark"]]) if "remark" in columns else ""
        cells[f.key] = RawCell(ref, row[columns["value"]], remark or None, _uncached(sheet, ref))
    return RawReturn(file, sheet.name, FORM, None, cells)


def _header_cell(sheet: Sheet, schema: FormSchema, r: int, c: int, raw: str, cells: dict[str, RawCell]) -> None:
    f = _field_by_label(raw, schema, HEADER)
    row = sheet.rows[r]
    if f is None:
        # `填报单位：某某律师事务所` in a single cell
        m = re.match(r"^\s*([^:：]{2,20})[:：]\s*(.+)$", raw)
        if m:
            f = _field_by_label(m[1], schema, HEADER)
            if f is not None and f.key not in cells:
                cells[f.key] = RawCell(cell_ref(r, c), m[2].strip())
        return
    if f.key in cells and not is_blank(cells[f.key].raw):
        return
    for c2 in range(c + 1, len(row)):
        value = row[c2]
        ref = cell_ref(r, c2)
        if is_blank(value) and not _uncached(sheet, ref):
            continue
        if isinstance(value, str) and _field_by_label(value, schema, HEADER) is not None:
            break  # the next label: this one's value is blank
        cells[f.key] = RawCell(ref, value, None, _uncached(sheet, ref))
        return
    cells.setdefault(f.key, RawCell(cell_ref(r, c + 1), None))


def _skip_roster_row(values: list[object], by_col: dict[int, Field]) -> bool:
    filled = [cell_text(values[c]) for c in by_col if c < len(values) and not is_blank(values[c])]
    if not filled:
        return True
    names = [cell_text(values[c]) for c, f in by_col.items() if f.key == "firm_name" and c < len(values)]
    if names and match_key(names[0]) in _TOTAL_ROWS:
        return True
    return all(match_key(v) in _UNIT_TOKENS for v in filled)


def _roster_returns(file: str, sheet: Sheet, header_row: int, by_col: dict[int, Field]) -> list[RawReturn]:
    found = []
    for r in range(header_row + 1, len(sheet.rows)):
        values = sheet.rows[r]
        if _skip_roster_row(values, by_col):
            continue
        cells = {}
        for c, f in by_col.items():
            ref = cell_ref(r, c)
            raw = values[c] if c < len(values) else None
            cells[f.key] = RawCell(ref, raw, None, _uncached(sheet, ref))
        found.append(RawReturn(file, sheet.name, ROSTER, r + 1, cells))
    return found


def find_returns(file: str, sheets: list[Sheet], schema: FormSchema) -> list[RawReturn]:
    """Every return in the visible sheets; [] when no sheet holds one."""
    found: list[RawReturn] = []
    for sheet in sheets:
        table, roster = _find_headers(sheet.rows, schema)
        if table is not None:
            header_row, columns = table
            found.append(_form_return(file, sheet, schema, header_row, columns))
        elif roster is not None:
            found.extend(_roster_returns(file, sheet, *roster))
    return found
