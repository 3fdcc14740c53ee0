"""Turning a file's bytes into sheets of cell values, safely.

Before python-calamine sees a file, what it would allocate is checked against limits: the zip's
sizes and ratios, each sheet's claimed and actual extent within Excel's grid, and their sum (the
scans are in sheetxml.py, binary.py and odsxml.py). An oversized, bombed or malformed file would
otherwise exhaust memory, or abort the process (calamine allocates a sheet's whole range and aborts
when it cannot), in a way no `except` can catch. Problems come back as messages (rule F01), never
raised. Read: .xlsx/.xlsm, .xls, .xlsb, .ods and WPS's .et.
"""

from __future__ import annotations

import html
import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import python_calamine as calamine

from rtr.reading import sheetxml
from rtr.reading.binary import Malformed, NotBiff, xls_extents, xls_stream, xlsb_extent
from rtr.reading.odsxml import ods_extents
from rtr.reading.sheetxml import PLAIN_BOUND, Extent, OutOfGrid

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_KINDS = frozenset({".xlsx", ".xlsm"})
OLE_KINDS = frozenset({".xls"})
XLSB, ODS, ET = ".xlsb", ".ods", ".et"  # Excel binary, OpenDocument, WPS's own (an OLE file like .xls)
SPREADSHEET_SUFFIXES = ZIP_KINDS | OLE_KINDS | {XLSB, ODS, ET}
RESAVE = "请用 Excel 或 WPS 打开，另存为 .xlsx 后重新发送"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * 2**20
    max_uncompressed_bytes: int = 100 * 2**20
    max_compression_ratio: float = 100.0
    max_cells: int = 2_000_000  # per sheet: rows × columns from A1 to its last cell
    max_total_cells: int = 4_000_000  # the same, added up over all sheets
    max_sheets: int = 200


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[object]]  # anchored at A1
    uncached: frozenset[str] = frozenset()  # cells holding a formula with no computed value


@dataclass(frozen=True)
class Loaded:
    sheets: list[Sheet] | None
    problem: str | None = None


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_ref(row: int, col: int) -> str:
    return f"{column_letters(col)}{row + 1}"


def _fail(message: str) -> Loaded:
    return Loaded(None, message)


def _worksheet_names(book: bytes, rels: bytes) -> dict[str, str]:
    """Worksheet part path → sheet name, from workbook.xml and its relationships."""
    targets = sheetxml.relationships(rels)
    names = {}
    for name, rid in sheetxml.sheet_entries(book):
        target = targets.get(rid, b"").decode("utf-8", "replace")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        names[path] = html.unescape(name.decode("utf-8", "replace"))
    return names


def _member(data: bytes, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes (at most `limit` + 1 of them: zip headers can lie about sizes), inflated
    straight from the archive's bytes; zipfile's reader costs more in objects and seeks than a small
    part takes to inflate. Encrypted or unusually compressed members go through zipfile."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with zf.open(info) as member:
            return member.read(limit + 1)
    at = info.header_offset
    if data[at : at + 4] != ZIP_MAGIC:
        raise zipfile.BadZipFile(f"no local header for {info.filename}")
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_len + extra_len
    raw = data[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        body = raw[: limit + 1]
        complete = len(raw) == info.compress_size
    else:
        inflate = zlib.decompressobj(-15)
        body = inflate.decompress(raw, limit + 1)
        complete = inflate.eof
    if len(body) <= limit and (not complete or zlib.crc32(body) != info.CRC):
        raise zipfile.BadZipFile(f"damaged member {info.filename}")
    return body


# the parts calamine parses besides worksheets; the rest (themes, drawings, docProps) it never opens
_READ_PARTS = (
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
    "[Content_Types].xml",
    "xl/workbook.bin",
    "xl/_rels/workbook.bin.rels",
    "xl/sharedStrings.bin",
    "xl/styles.bin",
    "content.xml",
    "styles.xml",
    "meta.xml",
)


# what zipfile and zlib raise on a damaged or exotic archive (a fuzz test met each of these)
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    KeyError,
    struct.error,
)


def _package_kind(names: set[str]) -> str | None:
    """What a zip holds, by its parts: .xlsx (also .xlsm), .xlsb, .ods, a Word document, or None."""
    if "xl/workbook.xml" in names:
        return ".xlsx"
    if "xl/workbook.bin" in names:
        return XLSB
    if "content.xml" in names and "mimetype" in names:
        return ODS
    if "word/document.xml" in names:
        return ".docx"
    return None


def _too_big(sheet: str, e: Extent) -> str:
    return f"工作表「{sheet}」的范围过大（{e.rows}行×{e.cols}列），超出安全限制，请删除多余的行列后重新保存"


def _out_of_grid(sheet: str | None, exc: OutOfGrid) -> str:
    where = f"工作表「{sheet}」的" if sheet else "文件中的"
    return f"{where}单元格位置“{exc.ref}”超出 Excel 的范围（最多 XFD 列、1048576 行），文件可能已损坏，{RESAVE}"


class _Areas:
    """Each sheet's extent against the per-sheet limit, and their sum against the total."""

    def __init__(self, limits: Limits) -> None:
        self.limits, self.total = limits, 0

    def room_for(self, area: int) -> bool:
        return area <= self.limits.max_cells and self.total + area <= self.limits.max_total_cells

    def add(self, sheet: str, e: Extent) -> str | None:
        if e.area > self.limits.max_cells or e.cells > self.limits.max_cells:
            return _too_big(sheet, e)
        self.total += e.area
        if self.total > self.limits.max_total_cells:
            return (
                f"各工作表合计的范围过大（超过 {self.limits.max_total_cells} 个单元格），超出安全限制，"
                "请删除多余的工作表或行列后重新保存"
            )
        return None

    def add_all(self, extents: Iterable[tuple[str, Extent]]) -> str | None:
        for sheet, e in extents:
            problem = self.add(sheet, e)
            if problem:
                return problem
        return None


def _worksheet_extent(body: bytes, plain: bool, areas: _Areas) -> Extent:
    """A worksheet's extent: proven within A1:Z9999 by a few searches where it can be (ordinary
    files), else from its cells; the claimed dimension counts too. Raises OutOfGrid."""
    claimed = sheetxml.dimension(body)
    if plain and claimed.area <= areas.limits.max_cells and areas.room_for(PLAIN_BOUND.area):
        return Extent(max(PLAIN_BOUND.rows, claimed.rows), max(PLAIN_BOUND.cols, claimed.cols), 0)
    found = sheetxml.extent(body)
    return Extent(max(found.rows, claimed.rows), max(found.cols, claimed.cols), found.cells)


def _inspect_zip(data: bytes, suffix: str, limits: Limits) -> tuple[str | None, dict[str, frozenset[str]]]:
    """Checks a zip package (.xlsx, .xlsb, .ods); returns (problem, uncached formula cells by sheet name)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except _ZIP_ERRORS:
        return "文件已损坏或不完整（不是有效的 xlsx 压缩包），请重新保存或重新发送", {}
    kind = _package_kind({i.filename for i in infos})
    if kind == ".docx":
        return "这是一个 Word 文档而不是 Excel 工作簿，请用本表模板填报后发送 .xlsx 文件", {}
    if kind is None:
        return "文件不是 Excel 工作簿，请用本表模板填报后发送 .xlsx 文件", {}
    expected = {XLSB: XLSB, ODS: ODS, ET: ".xlsx"}.get(suffix, ".xlsx" if suffix in ZIP_KINDS else None)
    if kind != expected:
        return f"文件内容是 {_KIND_NAMES[kind]} 格式，与扩展名 {suffix} 不符，请更正扩展名后发送", {}
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        return f"文件解压后过大（{total // 2**20} MB），超出安全限制，请只保留本表后重新保存", {}
    for info in infos:
        if info.file_size > 2**20 and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
            return "文件压缩比异常（疑似压缩炸弹），超出安全限制，拒绝读取", {}
    uncached: dict[str, frozenset[str]] = {}
    limit = limits.max_uncompressed_bytes
    areas = _Areas(limits)
    try:
        by_name = {i.filename: i for i in infos}
        book, rels = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
        bodies = {n: _member(data, zf, by_name[n], limit) for n in (book, rels) if n in by_name and kind != ODS}
        worksheet_names = _worksheet_names(bodies[book], bodies[rels]) if len(bodies) == 2 else {}
        xlsb_sheets: set[str] = set()
        if kind == XLSB and "xl/_rels/workbook.bin.rels" in by_name:
            targets = sheetxml.relationships(_member(data, zf, by_name["xl/_rels/workbook.bin.rels"], limit))
            for target in targets.values():
                path = target.decode("utf-8", "replace")
                path = path.lstrip("/") if path.startswith("/") else "xl/" + path
                if path.startswith("xl/worksheets/"):
                    xlsb_sheets.add(path)
        if len(worksheet_names) > limits.max_sheets:
            return f"工作表数量过多（{len(worksheet_names)}个），超出安全限制", {}
        sheets_seen = 0
        for info in infos:
            if kind == XLSB:  # binary parts: only those the workbook names as worksheets are sheets
                is_sheet = info.filename in xlsb_sheets
            else:
                is_sheet = info.filename in worksheet_names or info.filename.startswith("xl/worksheets/")
            if not is_sheet and info.filename not in _READ_PARTS:
                continue
            body = bodies.get(info.filename) or _member(data, zf, info, limit)
            if len(body) > limit:
                return "文件解压后过大，超出安全限制，拒绝读取", {}
            if body.find(b"<!DOCTYPE", 0, 4096) >= 0 or body.find(b"<!ENTITY", 0, 65536) >= 0:  # no slice copies
                return "文件含有不允许的 XML 实体声明（疑似 XML 炸弹），拒绝读取", {}
            if kind == ODS:
                if info.filename == "content.xml":
                    tables = ods_extents(body)
                    if len(tables) > limits.max_sheets:
                        return f"工作表数量过多（{len(tables)}个），超出安全限制", {}
                    problem = areas.add_all((f"第{i}个工作表", e) for i, e in enumerate(tables, 1))
                    if problem:
                        return problem, {}
                continue
            if not is_sheet:
                continue
            sheets_seen += 1
            if sheets_seen > limits.max_sheets:
                return f"工作表数量过多（超过{limits.max_sheets}个），超出安全限制", {}
            sheet = worksheet_names.get(info.filename) or f"第{sheets_seen}个工作表"
            seen = None if kind == XLSB else sheetxml.survey(body)
            try:
                e = xlsb_extent(body) if seen is None else _worksheet_extent(body, seen.plain, areas)
            except OutOfGrid as exc:
                return _out_of_grid(sheet, exc), {}
            problem = areas.add(sheet, e)
            if problem:
                return problem, {}
            if seen is not None and seen.formulas:
                cells = sheetxml.uncached_formulas(body)
                if cells:
                    uncached[sheet] = cells
    except OutOfGrid as exc:
        return _out_of_grid(None, exc), {}
    except _ZIP_ERRORS:
        return "文件已损坏或不完整（压缩数据无法解开），请重新保存或重新发送", {}
    return None, uncached


def _inspect_ole(data: bytes, suffix: str, limits: Limits) -> str | None:
    """Checks a legacy binary workbook (.xls, or WPS's .et) before calamine parses all its sheets."""
    try:
        stream = xls_stream(data)
    except NotBiff:
        if suffix == ET:
            return f"无法读取这种 WPS 表格（.et）文件，{RESAVE}"
        return f"文件不是有效的 .xls 工作簿（可能已损坏，或是其他 Office 文档），{RESAVE}"
    if len(stream) > limits.max_uncompressed_bytes:
        return "文件过大，超出安全限制，拒绝读取"
    try:
        sheets = xls_extents(stream, limits.max_sheets)
    except OutOfGrid as exc:
        return _out_of_grid(None, exc)
    except Malformed:
        return f"文件结构异常（工作表过多或记录重叠），超出安全限制，{RESAVE}"
    except struct.error:
        return f"文件已损坏或不完整，{RESAVE}"
    return _Areas(limits).add_all((f"第{i}个工作表", e) for i, e in enumerate(sheets, 1))


def too_large(size: int, limits: Limits) -> str:
    return f"文件过大（{size // 2**20} MB），超出 {limits.max_file_bytes // 2**20} MB 的限制"


_KIND_NAMES = {".xlsx": ".xlsx", XLSB: ".xlsb", ODS: ".ods（OpenDocument）", ".docx": "Word 文档"}


def load_workbook(data: bytes, suffix: str, limits: Limits) -> Loaded:
    """The visible worksheets of a workbook file, or why it cannot be read (F01)."""
    suffix = suffix.lower()
    if not data:
        return _fail("文件为空（0 字节），请重新保存后发送")
    if len(data) > limits.max_file_bytes:
        return _fail(too_large(len(data), limits))
    uncached: dict[str, frozenset[str]] = {}
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            return _fail("文件设置了打开密码（已加密），请取消密码后重新保存并发送")
        if suffix not in OLE_KINDS | {ET}:
            return _fail(f"文件内容是旧版 .xls 格式，与扩展名 {suffix} 不符，请另存为 .xlsx 后发送")
        problem = _inspect_ole(data, suffix, limits)
        if problem:
            return _fail(problem)
    elif data.startswith(ZIP_MAGIC):
        problem, uncached = _inspect_zip(data, suffix, limits)
        if problem:
            return _fail(problem)
    else:
        return _fail("文件不是 Excel 工作簿（内容既不是 .xlsx 也不是 .xls），请用本表模板填报后发送")
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets: list[Sheet] = []
        for meta in book.sheets_metadata:
            if meta.visible != calamine.SheetVisibleEnum.Visible or meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            end = sheet.end
            if end is not None and (end[0] + 1) * (end[1] + 1) > limits.max_cells:
                return _fail(f"工作表「{meta.name}」的范围过大，超出安全限制")
            rows = sheet.to_python(skip_empty_area=False)
            sheets.append(Sheet(meta.name, rows, uncached.get(meta.name, frozenset())))
    except calamine.PasswordError:
        return _fail("文件设置了打开密码（已加密），请取消密码后重新保存并发送")
    except Exception as exc:
        again = RESAVE if suffix in (XLSB, ODS, ET) else "请用 Excel 或 WPS 打开另存后重新发送"
        return _fail(f"文件无法读取（{type(exc).__name__}），可能已损坏，{again}")
    return Loaded(sheets)
