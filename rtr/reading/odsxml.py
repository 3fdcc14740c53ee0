"""What a reader would allocate for an OpenDocument spreadsheet (`.ods`), from content.xml.

ODS compresses runs of rows and cells into `number-rows-repeated` / `number-columns-repeated`
attributes, which a reader expands: a short file can claim billions of cells. The walk below
adds the repeats up the way calamine does (trailing empty rows and cells cost nothing), one tag
at a time with the linear tag pattern of sheetxml.
"""

from __future__ import annotations

import re

from rtr.reading.sheetxml import MAX_COL, MAX_ROW, Extent, OutOfGrid, attributes

_TAG = re.compile(
    rb"<(/?)(?:[A-Za-z_][\w.-]{0,31}:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])([^<>]*)>"
)
_COUNT = re.compile(rb"[0-9]{1,10}")


def _repeat(attrs: bytes, name: bytes) -> int:
    for key, value in attributes(attrs):
        if key.rsplit(b":", 1)[-1] == name:
            if not _COUNT.fullmatch(value.strip()):
                raise OutOfGrid(value)
            return max(int(value), 1)
    return 1


def ods_extents(content: bytes) -> list[Extent]:
    """Each table's extent: the last row and column holding anything, repeats expanded."""
    sheets: list[Extent] = []
    depth = 0  # tables nest only in hostile files; the outer one is the sheet
    row = rows = cols = cells = 0
    row_repeat, col, row_last_col = 1, 0, 0
    for m in _TAG.finditer(content):
        close, name, attrs = m[1], m[2], m[3]
        closed_now = attrs.rstrip().endswith(b"/")
        if name == b"table":
            if close:
                depth -= 1
                if depth == 0:
                    sheets.append(Extent(rows, cols, cells))
            elif not closed_now:
                depth += 1
                if depth == 1:
                    row = rows = cols = cells = 0
            continue
        if depth < 1:
            continue
        if name == b"table-row":
            if close:
                if row_last_col:
                    rows, cols = max(rows, row + row_repeat), max(cols, row_last_col)
                row += row_repeat
                row_repeat = 1
            else:
                row_repeat, col, row_last_col = _repeat(attrs, b"number-rows-repeated"), 0, 0
                if closed_now:
                    row += row_repeat
                    row_repeat = 1
            if row > MAX_ROW:
                raise OutOfGrid(f"第{row}行".encode())
        elif not close:  # a cell, covered or not
            repeat = _repeat(attrs, b"number-columns-repeated")
            # filled: typed, or with content (an empty pair of tags holds nothing, like a self-closed one)
            filled = any(k.endswith(b"value-type") for k, _ in attributes(attrs)) or (
                not closed_now and content[m.end() : m.end() + 64].lstrip()[:2] != b"</"
            )
            col += repeat
            if col > MAX_COL:
                raise OutOfGrid(f"第{col}列".encode())
            if filled:
                row_last_col = col
                cells += repeat * row_repeat
    return sheets
