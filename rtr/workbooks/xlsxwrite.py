"""A small streaming .xlsx writer for the workbooks the pipeline produces (receipts, 汇总表).

openpyxl keeps an object per cell (≈0.5 KB) and takes ≈25 ms for even a one-page workbook; at
40,000 receipts and a 40,000-row 律所明细 that is minutes and gigabytes. This writer renders each
row to XML as it is added and supports only what those workbooks use: styles, merged cells,
column widths, row heights, frozen panes, an autofilter and A4 page setup (orientation, fit to
width, rows and columns repeated on every printed page).

Text is always written as text (an inline string), so nothing from a return can become a formula;
characters XML cannot hold are dropped.
"""

from __future__ import annotations

import functools
import io
import math
import re
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape, quoteattr

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EPOCH = datetime(1899, 12, 30)
_LETTERS: list[str] = []


def col_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    while len(_LETTERS) < col:
        n, letters = len(_LETTERS) + 1, ""
        while n:
            n, rem = divmod(n - 1, 26)
            letters = chr(65 + rem) + letters
        _LETTERS.append(letters)
    return _LETTERS[col - 1]


def clean_text(text: str) -> str:
    return _ILLEGAL.sub("", text)


# Excel's limits: a cell holds at most 32,767 characters (UTF-16 units; a longer one is cut when
# Excel opens the file, with a repair prompt) and a row is at most 409 points tall
MAX_CELL_CHARS = 32_767
MAX_ROW_HEIGHT = 409.0
TRUNCATED = "…（已截断）"


def fit_cell(text: str) -> str:
    """The text cut to what one Excel cell holds, ending with TRUNCATED when it was cut."""
    if len(text) <= MAX_CELL_CHARS // 2 or len(text.encode("utf-16-le")) // 2 <= MAX_CELL_CHARS:
        return text
    room = MAX_CELL_CHARS - len(TRUNCATED)
    cut = text.encode("utf-16-le")[: 2 * room]
    return cut.decode("utf-16-le", "ignore") + TRUNCATED  # "ignore": a surrogate pair split in two goes


@dataclass(frozen=True)
class Style:
    font: str = "宋体"
    size: float = 11
    bold: bool = False
    color: str | None = None  # RRGGBB
    fill: str | None = None  # RRGGBB, solid
    border: bool = False  # thin grey on all sides
    h: str | None = None  # left | center | right
    v: str | None = None  # top | center | bottom
    wrap: bool = False
    fmt: str | None = None  # number format


DEFAULT = Style()


class _Styles:
    def __init__(self) -> None:
        self.xfs: dict[Style, int] = {}
        self.fonts: dict[tuple, int] = {}
        self.fills: dict[str | None, int] = {None: 0, "gray125": 1}
        self.formats: dict[str, int] = {}
        self._xf_parts: list[tuple[int, int, int, int, Style]] = []
        # by id, for the same Style objects passed cell after cell (hashing one hashes its ten
        # fields); the entry holds the object, so its id cannot be reused while it is there
        self._by_id: dict[int, tuple[Style, int]] = {}
        self._xml: str | None = None
        self.index(DEFAULT)

    def copy(self) -> _Styles:
        twin = _Styles.__new__(_Styles)
        twin.xfs, twin.fonts, twin.fills = dict(self.xfs), dict(self.fonts), dict(self.fills)
        twin.formats, twin._xf_parts, twin._by_id = dict(self.formats), list(self._xf_parts), dict(self._by_id)
        twin._xml = self._xml
        return twin

    def index(self, style: Style | None) -> int:
        if style is None:
            return 0
        hit = self._by_id.get(id(style))
        if hit is not None and hit[0] is style:
            return hit[1]
        found = self.xfs.get(style)
        if found is None:
            found = self._add(style)
        if len(self._by_id) >= 1024:  # styles made afresh for each cell would otherwise pile up here
            self._by_id.clear()
        self._by_id[id(style)] = (style, found)
        return found

    def _add(self, style: Style) -> int:
        self._xml = None
        font = self.fonts.setdefault((style.font, style.size, style.bold, style.color), len(self.fonts))
        fill = self.fills.setdefault(style.fill, len(self.fills))
        fmt = 0 if style.fmt is None else self.formats.setdefault(style.fmt, 164 + len(self.formats))
        self._xf_parts.append((font, fill, 1 if style.border else 0, fmt, style))
        self.xfs[style] = len(self._xf_parts) - 1
        return self.xfs[style]

    def xml(self) -> str:
        if self._xml is None:
            self._xml = self._render()
        return self._xml

    def _render(self) -> str:
        fmts = "".join(f'<numFmt numFmtId="{i}" formatCode={quoteattr(code)}/>' for code, i in self.formats.items())
        fonts = "".join(
            "<font>"
            + ("<b/>" if bold else "")
            + f'<sz val="{size:g}"/>'
            + (f'<color rgb="FF{color}"/>' if color else "")
            + f'<name val={quoteattr(name)}/><charset val="134"/></font>'
            for (name, size, bold, color) in self.fonts
        )
        fills = "".join(
            '<fill><patternFill patternType="none"/></fill>'
            if key is None
            else '<fill><patternFill patternType="gray125"/></fill>'
            if key == "gray125"
            else f'<fill><patternFill patternType="solid"><fgColor rgb="FF{key}"/><bgColor indexed="64"/></patternFill></fill>'
            for key in self.fills
        )
        thin = '<{0} style="thin"><color rgb="FFA6A6A6"/></{0}>'
        borders = "<border><left/><right/><top/><bottom/><diagonal/></border>" + (
            "<border>"
            + "".join(thin.format(side) for side in ("left", "right", "top", "bottom"))
            + "<diagonal/></border>"
        )
        xfs = []
        for font, fill, border, fmt, style in self._xf_parts:
            attrs = f'<xf numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
            for flag, name in ((fmt, "NumberFormat"), (font, "Font"), (fill, "Fill"), (border, "Border")):
                if flag:
                    attrs += f' apply{name}="1"'
            if style.h or style.v or style.wrap:
                align = (f' horizontal="{style.h}"' if style.h else "") + (f' vertical="{style.v}"' if style.v else "")
                align += ' wrapText="1"' if style.wrap else ""
                xfs.append(f'{attrs} applyAlignment="1"><alignment{align}/></xf>')
            else:
                xfs.append(attrs + "/>")
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<numFmts count="{len(self.formats)}">{fmts}</numFmts>'
            f'<fonts count="{len(self.fonts)}">{fonts}</fonts><fills count="{len(self.fills)}">{fills}</fills>'
            f'<borders count="2">{borders}</borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        )


@dataclass
class Sheet:
    """Rows are added in order; cells are rendered to XML at once and kept as UTF-8 (a str with one
    Chinese character holds every character in two bytes: at 40,000 firms the 律所明细 sheet's rows
    were ≈400 MB as str, joined and encoded once more before compressing)."""

    name: str
    styles: _Styles
    widths: dict[int, float] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    freeze: str | None = None  # the top-left cell that stays scrollable, e.g. "A2"
    autofilter: str | None = None
    landscape: bool = False
    fit_width: bool = False
    print_scale: int | None = None  # percent, for a sheet too wide to fit a page's width legibly
    print_rows: str | None = None  # rows repeated at the top of every printed page, e.g. "1:3"
    print_cols: str | None = None  # columns repeated at the left of every printed page, e.g. "A:A"
    _rows: list[bytes] = field(default_factory=list)
    _last_row: int = 0
    _max_col: int = 0

    def row(self, r: int, values, styles=None, *, height: float | None = None, start: int = 1) -> None:
        """Row `r` (1-based, increasing): `values` from column `start`; `styles` one Style or one per value."""
        if r <= self._last_row:
            raise ValueError(f"rows must be added in order: {r} after {self._last_row}")
        self._last_row = r
        per_cell = isinstance(styles, list | tuple)
        index = self.styles.index
        common = 0 if per_cell else index(styles)
        cells = []
        for offset, value in enumerate(values):
            s = index(styles[offset]) if per_cell else common
            xml = _cell(f"{col_letter(start + offset)}{r}", value, s)
            if xml:
                cells.append(xml)
        self._max_col = max(self._max_col, start + len(values) - 1)
        ht = f' ht="{min(height, MAX_ROW_HEIGHT):g}" customHeight="1"' if height else ""
        self._rows.append(f'<row r="{r}"{ht}>{"".join(cells)}</row>'.encode())

    def merge(self, first: str, last: str) -> None:
        self.merges.append(f"{first}:{last}")

    def print_titles(self) -> str | None:
        """The _xlnm.Print_Titles reference of the repeated rows and columns, if any."""
        sheet = _quoted(self.name)
        parts = []
        if self.print_cols:
            first, _, last = self.print_cols.partition(":")
            parts.append(f"{sheet}!${first}:${last or first}")
        if self.print_rows:
            first, _, last = self.print_rows.partition(":")
            parts.append(f"{sheet}!${first}:${last or first}")
        return ",".join(parts) or None

    def xml(self) -> list[bytes]:
        """The sheet's part as chunks, compressed one after another (never joined)."""
        pr = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if self.fit_width else ""
        view = '<sheetView workbookViewId="0"'
        if self.freeze:
            col, row = _split_ref(self.freeze)
            split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
            pane = "bottomRight" if col > 1 and row > 1 else "topRight" if col > 1 else "bottomLeft"
            view += f'><pane{split} topLeftCell="{self.freeze}" activePane="{pane}" state="frozen"/></sheetView>'
        else:
            view += "/>"
        cols = "".join(
            f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>' for c, w in sorted(self.widths.items())
        )
        last = f"{col_letter(max(self._max_col, 1))}{max(self._last_row, 1)}"
        parts = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
            pr,
            f'<dimension ref="A1:{last}"/>',
            f"<sheetViews>{view}</sheetViews>",
            '<sheetFormatPr defaultRowHeight="15"/>',
            f"<cols>{cols}</cols>" if cols else "",
            "<sheetData>",
        ]
        tail = [
            "</sheetData>",
            f'<autoFilter ref="{self.autofilter}"/>' if self.autofilter else "",
            _merge_xml(self.merges),
            '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>',
            f'<pageSetup paperSize="9" orientation="{"landscape" if self.landscape else "portrait"}"'
            + (' fitToWidth="1" fitToHeight="0"' if self.fit_width else "")
            + (f' scale="{self.print_scale}"' if self.print_scale and not self.fit_width else "")
            + "/>",
            "</worksheet>",
        ]
        return ["".join(parts).encode(), *self._rows, "".join(tail).encode()]


def _merge_xml(merges: list[str]) -> str:
    if not merges:
        return ""
    return f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"


def _split_ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    if m is None:
        raise ValueError(ref)
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return col, int(m[2])


def _cell(ref: str, value: object, s: int) -> str:
    style = f' s="{s}"' if s else ""
    if value is None or value == "":
        return f'<c r="{ref}"{style}/>' if s else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)
        else:
            return f'<c r="{ref}"{style}><v>{value + 0!r}</v></c>'  # + 0: never a negative zero
    if isinstance(value, datetime | date):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        serial = (moment - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}"{style}><v>{serial:g}</v></c>'
    text = fit_cell(clean_text(str(value)))
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


_REGISTERED: dict[int, tuple[tuple[Style, ...], _Styles]] = {}  # id of a `styles` tuple → it, registered


class Workbook:
    def __init__(self, styles: tuple[Style, ...] = ()) -> None:
        """`styles`: registered up front, in order, so workbooks built alike share one styles part
        (registered and rendered once per process for the same tuple, e.g. every receipt's)."""
        hit = _REGISTERED.get(id(styles))
        if hit is None or hit[0] is not styles:
            registered = _Styles()
            for style in styles:
                registered.index(style)
            if len(_REGISTERED) >= 64:
                _REGISTERED.clear()
            hit = _REGISTERED[id(styles)] = (styles, registered)
        self.styles = hit[1].copy()
        self.sheets: list[Sheet] = []

    def sheet(self, name: str) -> Sheet:
        sheet = Sheet(clean_text(name)[:31] or f"Sheet{len(self.sheets) + 1}", self.styles)
        self.sheets.append(sheet)
        return sheet

    def bytes(self) -> bytes:
        return zip_parts(
            [
                *_package_parts(tuple((s.name, s.autofilter, s.print_titles()) for s in self.sheets)),
                ("xl/styles.xml", self.styles.xml()),
                *((f"xl/worksheets/sheet{i}.xml", s.xml()) for i, s in enumerate(self.sheets, 1)),
            ]
        )


@functools.lru_cache(maxsize=64)
def _package_parts(sheets: tuple[tuple[str, str | None, str | None], ...]) -> tuple[tuple[str, str], ...]:
    """The parts that depend only on the sheets' names, filters and print titles: the same text objects for
    workbooks built alike, so `_deflated` finds them without hashing them again."""
    n = len(sheets)
    ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    doc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        + "</Types>"
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{ns}">'
        f'<Relationship Id="rId1" Type="{doc}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_quoted(name))}!{_absolute(autofilter)}</definedName>"
        for i, (name, autofilter, _) in enumerate(sheets)
        if autofilter
    ) + "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{escape(titles)}</definedName>'
        for i, (_, _, titles) in enumerate(sheets)
        if titles
    )
    book = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{doc}">'
        '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
        + "".join(
            f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>' for i, (name, *_) in enumerate(sheets, 1)
        )
        + "</sheets>"
        + (f"<definedNames>{filters}</definedNames>" if filters else "")
        + "</workbook>"
    )
    book_rels = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{ns}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{doc}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        + f'<Relationship Id="rId{n + 1}" Type="{doc}/styles" Target="styles.xml"/></Relationships>'
    )
    return (
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", root_rels),
        ("xl/workbook.xml", book),
        ("xl/_rels/workbook.xml.rels", book_rels),
    )


_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_DOS_DATE = (1 << 5) | 1  # 1980-01-01: fixed, so the same content gives the same bytes
_DEFLATED = 8
_PART_CACHE: dict[tuple[str, str], tuple[int, bytes, int]] = {}
# the parts that repeat from workbook to workbook (every receipt's are the same); sheets never do
_REPEATING = frozenset(
    {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
)


def _deflated(name: str, text: str | list[bytes]) -> tuple[int, bytes, int]:
    """(crc, deflated bytes, size) of a part, given whole or in chunks; a repeating part is
    compressed once per process."""
    if not isinstance(text, str):
        return _deflated_chunks(text)
    key = (name, text)
    hit = _PART_CACHE.get(key) if name in _REPEATING else None
    if hit is not None:
        return hit
    data = text.encode()
    if len(data) < 2**18:  # a small window: setting up zlib's default one costs more than compressing a receipt
        packer = zlib.compressobj(1, zlib.DEFLATED, -12, 5)
        deflated = packer.compress(data) + packer.flush()
    else:
        deflated = zlib.compress(data, 1, wbits=-15)
    packed = (zlib.crc32(data), deflated, len(data))
    if name in _REPEATING:
        if len(_PART_CACHE) >= 256:
            _PART_CACHE.clear()
        _PART_CACHE[key] = packed
    return packed


def _deflated_chunks(chunks: list[bytes]) -> tuple[int, bytes, int]:
    size = sum(map(len, chunks))
    packer = zlib.compressobj(1, zlib.DEFLATED, -12, 5) if size < 2**18 else zlib.compressobj(1, zlib.DEFLATED, -15)
    crc, out = 0, []
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        out.append(packer.compress(chunk))
    out.append(packer.flush())
    return crc, b"".join(out), size


def zip_parts(parts: list[tuple[str, str | list[bytes]]]) -> bytes:
    """A zip of deflated parts with ASCII names, written directly: zipfile builds objects and a
    compressor per part, which cost more than compressing a receipt's few kilobytes."""
    out, central = io.BytesIO(), []
    for name, text in parts:
        crc, data, size = _deflated(name, text)
        raw = name.encode("ascii")
        offset = out.tell()
        out.write(_LOCAL.pack(0x04034B50, 20, 0, _DEFLATED, 0, _DOS_DATE, crc, len(data), size, len(raw), 0))
        out.write(raw)
        out.write(data)
        central.append(
            _CENTRAL.pack(
                0x02014B50, 20, 20, 0, _DEFLATED, 0, _DOS_DATE, crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset
            )
            + raw
        )
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(_END.pack(0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    return ":".join("$" + re.sub(r"(\d)", r"$\1", part, count=1) for part in ref.split(":"))
