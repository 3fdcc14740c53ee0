"""Turning a file's bytes into sheets of cell values, safely.

Before python-calamine sees a file, its zip is checked against limits: an oversized, bombed or
malformed file would otherwise exhaust memory (calamine allocates the sheet's whole claimed
range) in a way no `except` can catch. Problems come back as messages (rule F01), never raised.
"""

from __future__ import annotations

import html
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

import python_calamine as calamine

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_KINDS = frozenset({".xlsx", ".xlsm"})
OLE_KINDS = frozenset({".xls"})
SPREADSHEET_SUFFIXES = ZIP_KINDS | OLE_KINDS

_DIMENSION = re.compile(rb'<dimension[^>]*\bref\s*=\s*["\x27]\s*([A-Za-z]{1,3})?(\d+)?(?::([A-Za-z]{1,3})(\d+))?')
_CELL_COL = re.compile(rb'<c\b[^>]*?\sr\s*=\s*["\']\s*([A-Za-z]{1,3})\d')
_CELL_ROW = re.compile(rb'<c\b[^>]*?\sr\s*=\s*["\']\s*[A-Za-z]{1,3}(\d+)')
_ROW_NUM = re.compile(rb'<row\b[^>]*?\sr\s*=\s*["\']\s*(\d+)')
_FAR_REF = re.compile(rb'r\s*=\s*["\']\s*(?:[A-Za-z]{2}|[A-Za-z]?\d{5})')
_FORMULA_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3}\d+)"[^>]*>((?:(?!</c>).)*?<f[\s/>](?:(?!</c>).)*?)</c>', re.S)
_F_TAG = re.compile(rb"<f[\s/>]")
_HAS_VALUE = re.compile(rb"<v>[^<]+</v>")
_SHEET_ENTRY = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ENTRY_ALT = re.compile(r'<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_ALT = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * 2**20
    max_uncompressed_bytes: int = 100 * 2**20
    max_compression_ratio: float = 100.0
    max_cells: int = 2_000_000
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
    book_text, rels_text = book.decode("utf-8", "replace"), rels.decode("utf-8", "replace")
    targets = dict(_REL.findall(rels_text)) | {rid: t for t, rid in _REL_ALT.findall(rels_text)}
    entries = _SHEET_ENTRY.findall(book_text) or [(n, r) for r, n in _SHEET_ENTRY_ALT.findall(book_text)]
    names = {}
    for name, rid in entries:
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        names[path] = html.unescape(name)
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


def _inspect_zip(data: bytes, limits: Limits) -> tuple[str | None, dict[str, frozenset[str]]]:
    """Checks an xlsx package; returns (problem, uncached formula cells by sheet name)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except _ZIP_ERRORS:
        return "文件已损坏或不完整（不是有效的 xlsx 压缩包），请重新保存或重新发送", {}
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return "这是一个 Word 文档而不是 Excel 工作簿，请用本表模板填报后发送 .xlsx 文件", {}
        return "文件不是 Excel 工作簿，请用本表模板填报后发送 .xlsx 文件", {}
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        return f"文件解压后过大（{total // 2**20} MB），超出安全限制，请只保留本表后重新保存", {}
    for info in infos:
        if info.file_size > 2**20 and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
            return "文件压缩比异常（疑似压缩炸弹），超出安全限制，拒绝读取", {}
    uncached: dict[str, frozenset[str]] = {}
    limit = limits.max_uncompressed_bytes
    try:
        by_name = {i.filename: i for i in infos}
        bodies = {
            n: _member(data, zf, by_name[n], limit)
            for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")
            if n in by_name
        }
        worksheet_names = _worksheet_names(*bodies.values()) if len(bodies) == 2 else {}
        if len(worksheet_names) > limits.max_sheets:
            return f"工作表数量过多（{len(worksheet_names)}个），超出安全限制", {}
        for info in infos:
            is_sheet = info.filename in worksheet_names or info.filename.startswith("xl/worksheets/")
            if not is_sheet and info.filename not in _READ_PARTS:
                continue
            body = bodies.get(info.filename) or _member(data, zf, info, limit)
            if len(body) > limit:
                return "文件解压后过大，超出安全限制，拒绝读取", {}
            if body.find(b"<!DOCTYPE", 0, 4096) >= 0 or body.find(b"<!ENTITY", 0, 65536) >= 0:  # no slice copies
                return "文件含有不允许的 XML 实体声明（疑似 XML 炸弹），拒绝读取", {}
            if is_sheet:
                problem = _check_area(body, limits)
                if problem:
                    sheet = worksheet_names.get(info.filename, info.filename)
                    return f"工作表「{sheet}」{problem}，请删除多余的行列后重新保存", {}
                if _F_TAG.search(body):  # a formula element, not the <formula1> of a data validation
                    cells = frozenset(
                        ref.decode() for ref, inner in _FORMULA_CELL.findall(body) if not _HAS_VALUE.search(inner)
                    )
                    if cells:
                        uncached[worksheet_names.get(info.filename, info.filename)] = cells
    except _ZIP_ERRORS:
        return "文件已损坏或不完整（压缩数据无法解开），请重新保存或重新发送", {}
    return None, uncached


_SMALL_AREA = 26 * 9999  # columns A–Z, rows below 10000: the most a sheet with no "far" reference can span


def _has_far_ref(body: bytes) -> bool:
    """Whether any cell or row reference may lie beyond column Z or row 9999 (a cheap over-estimate)."""
    start, end = body.find(b"<sheetData"), body.rfind(b"</sheetData>")  # cells and rows live only here
    if start < 0:
        start, end = 0, len(body)
    return any(body[m.start() - 1 : m.start()].isspace() for m in _FAR_REF.finditer(body, start, max(end, start)))


def _check_area(body: bytes, limits: Limits) -> str | None:
    """The area a reader would allocate: the larger of the claimed dimension and the cells present."""
    max_row = max_col = 0
    m = _DIMENSION.search(body, 0, 8192)
    if m:
        last_col, last_row = (m[3], m[4]) if m[3] else (m[1], m[2])
        if last_col and last_row:
            max_row, max_col = int(last_row), column_index(last_col.decode().upper()) + 1
    if max_row * max_col <= limits.max_cells and limits.max_cells >= _SMALL_AREA and not _has_far_ref(body):
        return None  # the common case, proven small without listing every cell
    # distinct rows and columns are few, so the maximum is taken over sets, not over every cell
    cell_rows = _CELL_ROW.findall(body)
    rows = set(cell_rows) | set(_ROW_NUM.findall(body))
    cols = set(_CELL_COL.findall(body))
    if rows:
        max_row = max(max_row, *(int(r) for r in rows))
    if cols:
        max_col = max(max_col, *(column_index(c.decode().upper()) + 1 for c in cols))
    if len(cell_rows) > limits.max_cells or max_row * max_col > limits.max_cells:
        return f"的范围过大（{max_row}行×{max_col}列）"
    return None


def too_large(size: int, limits: Limits) -> str:
    return f"文件过大（{size // 2**20} MB），超出 {limits.max_file_bytes // 2**20} MB 的限制"


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
        if suffix not in OLE_KINDS:
            return _fail(f"文件内容是旧版 .xls 格式，与扩展名 {suffix} 不符，请另存为 .xlsx 后发送")
    elif data.startswith(ZIP_MAGIC):
        if suffix not in ZIP_KINDS:
            return _fail(f"文件内容是 .xlsx 格式，与扩展名 {suffix} 不符，请更正扩展名后发送")
        problem, uncached = _inspect_zip(data, limits)
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
        return _fail(f"文件无法读取（{type(exc).__name__}），可能已损坏，请用 Excel 或 WPS 打开另存后重新发送")
    return Loaded(sheets)
