"""Linear-time scans of untrusted SpreadsheetML: a worksheet's extent (what a reader would
allocate) and its formula cells without a cached value; the sheet names of workbook.xml.

Every pattern matches within one tag, and none of its repetitions can run past a `<` (XML allows
none inside a tag) or past a bound, so a scan costs time linear in the input whatever it holds:
no nested or overlapping quantifiers, no lazy scan towards a distant closing tag (the old patterns
took 40 s on `'<sheet ' * 8000` and 10 s on 4,000 self-closing cells). Element names may carry a
namespace prefix: calamine ignores prefixes, so the checks do too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_ROW = 1_048_576  # Excel's grid: rows 1–1,048,576, columns A–XFD
MAX_COL = 16_384

_PREFIX = rb"(?:[A-Za-z_][\w.-]{0,31}:)?"
# one attribute: a name (bounded), `=`, a quoted value that cannot hold `<`
_ATTR = re.compile(rb"([\w.:-]{1,64})\s*=\s*(?:\"([^\"<]*)\"|'([^'<]*)')")
_REF = re.compile(rb"([A-Za-z]{1,3})([0-9]{1,7})")
_ROW_NUMBER = re.compile(rb"[0-9]{1,7}")


def attributes(tag: bytes) -> list[tuple[bytes, bytes]]:
    """A tag's attributes in order (a repeated name appears twice: calamine takes the last)."""
    return [(name, dq or sq) for name, dq, sq in _ATTR.findall(tag)]


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def parse_ref(ref: bytes) -> tuple[int, int] | None:
    """(row, column), both 1-based, of a cell reference inside Excel's grid; None otherwise."""
    m = _REF.fullmatch(ref)
    if m is None:
        return None
    row, col = int(m[2]), column_number(m[1])
    return (row, col) if 1 <= row <= MAX_ROW and 1 <= col <= MAX_COL else None


class OutOfGrid(ValueError):
    """A reference outside Excel's grid (beyond column XFD or row 1,048,576) or not a reference."""

    def __init__(self, ref: bytes) -> None:
        super().__init__(ref)
        self.ref = ref.decode("utf-8", "replace")[:40]


@dataclass(frozen=True, slots=True)
class Extent:
    rows: int  # the last row a reader would hold (1-based), 0 for none
    cols: int
    cells: int  # cell elements seen (an over-estimate of the cells a reader keeps)

    @property
    def area(self) -> int:
        return self.rows * self.cols


_DIMENSION = re.compile(rb"<" + _PREFIX + rb"dimension\s([^<>]*)>")


def dimension(body: bytes) -> Extent:
    """The extent a sheet's `<dimension ref>` claims (a reader reserves it); raises OutOfGrid."""
    m = _DIMENSION.search(body, 0, 65536)
    if m is None:
        return Extent(0, 0, 0)
    ref = next((v for k, v in attributes(m[1]) if k == b"ref"), b"").strip()
    if not ref:
        return Extent(0, 0, 0)
    parts = ref.split(b":")
    if len(parts) > 2:
        raise OutOfGrid(ref)
    corners = [parse_ref(p) for p in parts]
    if any(c is None for c in corners):
        raise OutOfGrid(ref)
    last = corners[-1]
    assert last is not None
    return Extent(last[0], last[1], 0)


# What stops a sheet from being proven small by a few C-speed searches: a cell tag whose first
# attribute is not r="…" (its position is implied by the cells before it), a prefixed cell, row or
# formula tag, an r attribute (anywhere, also a repeated one: calamine takes the last) beyond column
# Z or row 9999. Separate searches with literal starts (one pattern for all is 3× slower, and
# bytes.find loops slower still).
_ODD_CELL = re.compile(rb'<c(?! r=")[\s/>]')
_FAR_REF = re.compile(rb"r\s*=\s*[\"']\s*(?:[A-Za-z]{2}|[A-Za-z]?[0-9]{5})")
_PREFIXED = re.compile(rb":(?:c|row|f)[\s/>]")  # a one-character literal start: sre finds it by memchr
_PLAIN_F = re.compile(rb"<f[\s/>]")  # inside sheetData only cell formulas are spelled <f…
PLAIN_BOUND = Extent(9999, 26, 0)  # the most a plain sheet can span: columns A–Z, rows 1–9999


def _sheet_data(body: bytes) -> tuple[int, int]:
    """Where the cells are: the one <sheetData> element (its extension lists, after it, hold
    `<xm:f>` formulas of data validations, which are no cells); the whole body when it is prefixed,
    repeated or damaged."""
    start, end = body.find(b"<sheetData"), body.rfind(b"</sheetData>")
    if start < 0 or end < start or body.find(b"sheetData", end + 12) >= 0:  # (only the tail is searched)
        return 0, len(body)
    return start, end


@dataclass(frozen=True, slots=True)
class Survey:
    plain: bool  # every cell carries a reference within A1:Z9999 as its first attribute
    formulas: bool  # it may hold formula cells


def survey(body: bytes) -> Survey:
    """What a few searches tell of a sheet (the case of every ordinary file: plain, no formulas)."""
    start, end = _sheet_data(body)
    prefixed = _PREFIXED.search(body, start, end) is not None
    plain = (
        not prefixed
        and _ODD_CELL.search(body, start, end) is None
        and not any(body[m.start() - 1 : m.start()].isspace() for m in _FAR_REF.finditer(body, start, end))
    )
    return Survey(plain, prefixed or _PLAIN_F.search(body, start, end) is not None)


_PLAIN_CELL = re.compile(rb'<c r="([A-Za-z]{1,3})([0-9]{1,7})"')
_PLAIN_ROW = re.compile(rb'<row r="([0-9]{1,7})"')
# the tags a sheet's cells are made of, for the general walk
_TAG = re.compile(rb"<(/?)" + _PREFIX + rb"(c|row|f|v|is)(?=[\s/>])([^<>]*)>")


def extent(body: bytes) -> Extent:
    """The rows and columns a reader would hold for this sheet's cells; raises OutOfGrid."""
    start, end = _sheet_data(body)
    if not _NOT_PLAIN_TAG.search(body, start, end):
        # every cell and row tag is written `<c r="A1"` / `<row r="1"` (as Excel, WPS, LibreOffice and
        # openpyxl write them): their references are read at C speed
        cells = _PLAIN_CELL.findall(body, start, end)
        rows = _PLAIN_ROW.findall(body, start, end)
        if (
            len(cells) == body.count(b"<c ", start, end)
            and len(rows) == body.count(b"<row ", start, end)
            # and no other r attribute, however spelled: a repeated one (calamine takes the last)
            and sum(1 for _ in _ANY_R.finditer(body, start, end)) == len(cells) + len(rows)
        ):
            numbers = {int(r) for r in {*rows, *(r for _, r in cells)}}
            letters = {c.upper() for c, _ in cells}
            max_row = max(numbers, default=0)
            max_col = max((column_number(c) for c in letters), default=0)
            if max_row > MAX_ROW or 0 in numbers:
                raise OutOfGrid(f"第{max_row if max_row > MAX_ROW else 0}行".encode())
            if max_col > MAX_COL:
                raise OutOfGrid(max(letters, key=column_number) + "列".encode())
            return Extent(max_row, max_col, len(cells))
    max_row = max_col = count = 0
    for cell in walk(body):
        count += 1
        max_row, max_col = max(max_row, cell.row), max(max_col, cell.col)
    return Extent(max_row, max_col, count)


_ANY_R = re.compile(rb"(?<![\w:.-])r\s*=")
_NOT_PLAIN_TAG = re.compile(rb":(?:c|row)[\s/>]|<(?:c|row)(?! r=\")[\s/>]")


@dataclass(slots=True)
class Cell:
    row: int
    col: int
    kind: bytes  # the t attribute ("" for a number)
    formula: bool = False
    value: bytes | None = None  # the <v> text; None when the cell has no <v>
    inline: bool = False  # holds an inline string (<is>)

    def uncached(self) -> bool:
        return is_uncached(self.formula, self.kind, self.value, self.inline)


def is_uncached(formula: bool, kind: bytes, value: bytes | None, inline: bool) -> bool:
    """A formula whose value no program computed: no <v> at all, or an empty one that is not the
    empty text Excel stores for `=IF(…,"",…)` (t="str"). openpyxl writes `<v></v>` for its formulas."""
    if not formula or inline:
        return False
    if value is None:
        return True
    return not value.strip() and kind != b"str"


def walk(body: bytes) -> Iterator[Cell]:
    """Every cell of a sheet, positioned as calamine positions it: by its r attribute, else one
    column after the previous cell of its row (rows: by r, else one after the previous row);
    raises OutOfGrid for a reference or an implied position outside Excel's grid."""
    tag_row = col = 0
    cell: Cell | None = None
    for m in _TAG.finditer(body):
        close, name, attrs = m[1], m[2], m[3]
        if close:
            if name == b"c" and cell is not None:
                yield cell
                cell = None
            continue
        if name == b"row":
            if cell is not None:  # a cell left open ends at the next row
                yield cell
                cell = None
            numbers = [v for k, v in attributes(attrs) if k == b"r"]
            for v in numbers:
                if not _ROW_NUMBER.fullmatch(v) or not 1 <= int(v) <= MAX_ROW:
                    raise OutOfGrid("第".encode() + v + "行".encode())
            tag_row = int(numbers[-1]) if numbers else tag_row + 1
            if tag_row > MAX_ROW:
                raise OutOfGrid(str(tag_row).encode())
            col = 0
        elif name == b"c":
            if cell is not None:
                yield cell
            found = attributes(attrs)
            position = None
            for k, v in found:
                if k == b"r" and (position := parse_ref(v)) is None:
                    raise OutOfGrid(v)
            if position is not None:
                row, col = position
            else:
                row, col = max(tag_row, 1), col + 1
                if col > MAX_COL:
                    raise OutOfGrid(f"第{row}行第{col}列".encode())
            kind = next((v for k, v in reversed(found) if k == b"t"), b"")
            cell = Cell(row, col, kind)
            if attrs.rstrip().endswith(b"/"):
                yield cell
                cell = None
        elif cell is not None:
            if name == b"f":
                cell.formula = True
            elif name == b"v":
                if attrs.rstrip().endswith(b"/"):
                    cell.value = b""
                else:
                    stop = body.find(b"<", m.end())
                    cell.value = body[m.end() : stop if stop >= 0 else len(body)]
            elif name == b"is":
                cell.inline = True
    if cell is not None:
        yield cell


_F_TAG = re.compile(rb"<" + _PREFIX + rb"f[\s/>]")
# where a cell's content ends: its close tag, or the start of the next cell or row (for a cell left open)
_CELL_END = re.compile(rb"</" + _PREFIX + rb"(?:c|row|sheetData)\s*>|<" + _PREFIX + rb"(?:c|row)[\s/>]")
_V_TAG = re.compile(rb"<" + _PREFIX + rb"v(?=[\s/>])([^<>]*)>")
_IS_TAG = re.compile(rb"<" + _PREFIX + rb"is[\s/>]")
_START_TAG = re.compile(rb"<" + _PREFIX + rb"c(?=[\s/>])([^<>]*)>")


def uncached_formulas(body: bytes) -> frozenset[str]:
    """The references of formula cells with no cached value, judged from each cell's parsed tags
    (its attributes in any order and spelling, its <v>), not from one spelling of the XML.

    Each formula is looked at from its cell's start tag to that cell's end: the windows do not
    overlap, so the cost is linear. A formula cell without an r attribute (its position implied)
    sends the sheet through `walk`."""
    found: set[str] = set()
    last_end = 0
    for m in _F_TAG.finditer(body):
        if m.start() < last_end:
            continue  # a second <f> in a cell already judged
        tag_start = body.rfind(b"<", last_end, m.start())
        start = _START_TAG.match(body, tag_start) if tag_start >= 0 else None
        if start is None or start.end() > m.start() or body[start.end() : m.start()].strip():
            continue  # not the first child of a cell (e.g. an <xm:f> of an extension list)
        if start[1].rstrip().endswith(b"/"):
            continue
        found_attrs = attributes(start[1])
        refs = [v for k, v in found_attrs if k == b"r"]
        if not refs:
            return frozenset(_ref(c) for c in walk(body) if c.uncached())
        end_m = _CELL_END.search(body, m.end())
        end = end_m.start() if end_m else len(body)
        last_end = end
        kind = next((v for k, v in reversed(found_attrs) if k == b"t"), b"")
        v = _V_TAG.search(body, m.end(), end)
        value = None
        if v is not None:
            if v[1].rstrip().endswith(b"/"):
                value = b""
            else:
                stop = body.find(b"<", v.end(), end)
                value = body[v.end() : stop if stop >= 0 else end]
        inline = _IS_TAG.search(body, m.end(), end) is not None
        if is_uncached(True, kind, value, inline):
            position = parse_ref(refs[-1])
            if position is not None:
                found.add(_ref_of(*position))
    return frozenset(found)


def _ref_of(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def ref_text(row: int, col: int) -> str:
    """`A1` for (1, 1)."""
    return _ref_of(row, col)


def _ref(cell: Cell) -> str:
    return _ref_of(cell.row, cell.col)


_SHEET_TAG = re.compile(rb"<" + _PREFIX + rb"sheet\s([^<>]*)>")
_REL_TAG = re.compile(rb"<" + _PREFIX + rb"Relationship\s([^<>]*)>")


def sheet_entries(book: bytes) -> list[tuple[bytes, bytes]]:
    """(name, relationship id) of each <sheet> of workbook.xml, its attributes in any order."""
    out = []
    for m in _SHEET_TAG.finditer(book):
        found = attributes(m[1])
        name = next((v for k, v in reversed(found) if k == b"name"), None)
        rid = next((v for k, v in reversed(found) if k.endswith(b":id")), None)
        if name is not None and rid is not None:
            out.append((name, rid))
    return out


def relationships(rels: bytes) -> dict[bytes, bytes]:
    """Relationship id → target, from a .rels part."""
    out = {}
    for m in _REL_TAG.finditer(rels):
        found = dict(attributes(m[1]))
        if b"Id" in found and b"Target" in found:
            out[found[b"Id"]] = found[b"Target"]
    return out
