"""The hostile-input corpus, made from a good form by code (no binaries are kept in the repo).

    .venv/bin/python -m tests.hostile_corpus FOLDER     # writes the corpus into FOLDER/inbox

Each entry says what the file is, where it goes in the inbox, and the outcome the ledger must show
for it. `test_hostile.py` runs a real intake over it under a time and a memory limit.
"""

from __future__ import annotations

import io
import os
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

OUTSIDE_MARKER = b"SECRET-OUTSIDE-THE-INBOX-7f3a"


@dataclass(frozen=True)
class Entry:
    what: str  # for the reliability table
    rel: str  # path in the inbox
    outcome: str  # the ledger outcome: processed, unreadable, duplicate, ignored
    message: str = ""  # a fragment the ledger message (or its F01 finding) must contain
    passed: bool | None = None  # for a processed file: whether its return passes its checks
    finding: str = ""  # for a processed file: a fragment one of its findings must contain


def rewrite(data: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info)))
    return out.getvalue()


def _in_sheet(change: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda name, body: change(body) if name == "xl/worksheets/sheet1.xml" else body


def zip_bomb(good: bytes) -> bytes:
    """A 400 MB sheet that deflates to about 1 MB."""
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info))
        with dst.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            block = b"<row><c><v>1</v></c></row>" * 40000
            for _ in range(400 * 2**20 // len(block)):
                member.write(block)
            member.write(b"</sheetData></worksheet>")
    return out.getvalue()


def entity_bomb(good: bytes) -> bytes:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>'
    )

    def inject(name: str, body: bytes) -> bytes:
        if name in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"):
            return bomb + (body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body)
        return body

    return rewrite(good, inject)


def _million_rows() -> bytes:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 1_000_001))
    return _workbook(
        {
            "Sheet1": b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="A1:A1000000"/><sheetData>' + rows + b"</sheetData></worksheet>"
        }
    )


def _many_sheets(n: int) -> bytes:
    body = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    )
    return _workbook({f"S{i}": body for i in range(n)})


def _big_cell(megabytes: int) -> bytes:
    """One inline-string cell of `megabytes` MB of varied text (so it does not compress like a bomb)."""
    text = (("律师事务所党建工作" * 7 + "0123456789") * (megabytes * 2**20 // 200 + 1)).encode()[: megabytes * 2**20]
    body = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + text + b"</t></is></c></row></sheetData></worksheet>"
    )
    return _workbook({"Sheet1": body})


def _workbook(sheets: dict[str, bytes]) -> bytes:
    """A minimal .xlsx with these worksheet bodies."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    names = list(sheets)
    content = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(len(names))
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    book = (
        f'<?xml version="1.0"?><workbook {ns} {rns}><sheets>'
        + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names))
        + "</sheets></workbook>"
    )
    book_rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(len(names))
        )
        + "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", book_rels)
        for i, name in enumerate(names):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", sheets[name])
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _encrypted(good: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("secret", out)
    return out.getvalue()


def _corrupt(good: bytes) -> bytes:
    """The same length, with the deflated data of the middle scrambled."""
    middle = len(good) // 2
    return good[:middle] + bytes(b ^ 0x5A for b in good[middle : middle + 400]) + good[middle + 400 :]


def build(inbox: Path, good: bytes, outside: Path) -> list[Entry]:
    """Writes the corpus into `inbox` (and a secret file into `outside`, which two symlinks point at)."""
    claim_all = _in_sheet(lambda b: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', b))
    far_cell = _in_sheet(
        lambda b: b.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    )
    files: list[tuple[Entry, bytes]] = [
        (Entry("a good return (control; first in inbox order)", "东莞市/正常报表.xlsx", "processed"), good),
        (Entry("truncated zip", "广州市/截断.xlsx", "unreadable", "损坏"), good[: len(good) // 2]),
        (Entry("corrupt zip (scrambled deflate data)", "广州市/损坏.xlsx", "unreadable", ""), _corrupt(good)),
        (Entry("zero bytes", "广州市/空文件.xlsx", "unreadable", "0 字节"), b""),
        (
            Entry("text named .xlsx", "广州市/文本.xlsx", "unreadable", "不是 Excel"),
            "律所名称,党员数\n某所,3\n".encode(),
        ),
        (Entry(".docx named .xlsx", "广州市/文档.xlsx", "unreadable", "Word"), _docx()),
        (Entry("encrypted workbook", "广州市/加密.xlsx", "unreadable", "密码"), _encrypted(good)),
        (
            Entry("dimension bomb (A1:XFD1048576)", "广州市/范围炸弹.xlsx", "unreadable", "范围过大"),
            rewrite(good, claim_all),
        ),
        (Entry("one cell at XFD1048576", "广州市/远端单元格.xlsx", "unreadable", "范围过大"), rewrite(good, far_cell)),
        (Entry("zip bomb (400 MB sheet in ~1 MB)", "广州市/压缩炸弹.xlsx", "unreadable", ""), zip_bomb(good)),
        (Entry("XML entity bomb", "广州市/实体炸弹.xlsx", "unreadable", "XML"), entity_bomb(good)),
        (Entry("a million-row sheet", "广州市/百万行.xlsx", "unreadable", "没有找到"), _million_rows()),
        (Entry("10,000 sheets", "广州市/一万个工作表.xlsx", "unreadable", "工作表数量"), _many_sheets(10_000)),
        (Entry("a 50 MB cell", "广州市/超大单元格.xlsx", "unreadable", ""), _big_cell(50)),
        (
            Entry("name starting ..\\..\\ (a hidden name)", "广州市/..\\..\\..\\escape.xlsx", "ignored", "隐藏文件"),
            good,
        ),
        (
            Entry(
                "name with ..\\ and ../-like parts inside",
                "广州市/报表..\\..\\..%2F..%2Fescape.xlsx",
                "duplicate",
                "内容完全相同",
            ),
            good,
        ),
        (Entry("name that looks absolute", "广州市/C:\\Windows\\abs.xlsx", "duplicate", "内容完全相同"), good),
        (
            Entry(
                "control characters in the name", "广州市/控制\x01\x1b[31m字符\x7f.xlsx", "duplicate", "内容完全相同"
            ),
            good,
        ),
        (Entry("reserved characters in the name", '广州市/保留<>:"|?*字符.xlsx', "duplicate", "内容完全相同"), good),
        (Entry("a lock file (~$)", "广州市/~$正常报表.xlsx", "ignored", "锁定"), b"lock"),
    ]
    for entry, data in files:
        path = inbox / entry.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    outside.mkdir(parents=True, exist_ok=True)
    secret = outside / "secret.xlsx"
    secret.write_bytes(OUTSIDE_MARKER)
    links = [
        (Entry("symlink to a file outside the inbox", "广州市/链接.xlsx", "ignored", "符号链接"), secret),
        (Entry("symlink to a folder outside the inbox", "外部目录", "ignored", "符号链接"), outside),
    ]
    for entry, target in links:
        os.symlink(target, inbox / entry.rel)
    return [e for e, _ in files] + [e for e, _ in links]


# ---- issue 21: what the reader would allocate, linear scans, formulas, digits, formats, names ----

OUT_OF_GRID = "超出 Excel 的范围"
RESAVE = "另存为 .xlsx"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _rec(kind: int, payload: bytes = b"") -> bytes:
    return _varint(kind) + _varint(len(payload)) + payload


def _wide(text: str) -> bytes:
    data = text.encode("utf-16-le")
    return struct.pack("<I", len(data) // 2) + data


def xlsb_bytes(grid, sheet="Sheet1", dim=None, rows_at=None) -> bytes:
    """A minimal .xlsb (BIFF12) holding `grid` (numbers and text) on one sheet."""
    nrows = len(grid)
    ncols = max((len(r) for r in grid), default=1)
    r1, c1 = dim or (max(nrows - 1, 0), max(ncols - 1, 0))
    body = [_rec(0x81), _rec(0x94, struct.pack("<IIII", 0, r1, 0, c1)), _rec(0x91)]
    for r, row in enumerate(grid):
        rw = rows_at(r) if rows_at else r
        body.append(_rec(0x00, struct.pack("<IIH", rw, 0, 0x12C) + b"\0\0\0" + struct.pack("<I", 0)))
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, bool):
                v = "是" if v else "否"
            if isinstance(v, int | float):
                body.append(_rec(0x05, struct.pack("<IId", c, 0, float(v))))
            else:
                body.append(_rec(0x06, struct.pack("<II", c, 0) + _wide(str(v))))
    body += [_rec(0x92), _rec(0x82)]
    book = (
        _rec(0x83)
        + _rec(0x8F)
        + _rec(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))
        + _rec(0x90)
        + _rec(0x84)
    )
    ct = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
        '<Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>'
    )
    brels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.bin"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.bin", book)
        z.writestr("xl/_rels/workbook.bin.rels", brels)
        z.writestr("xl/worksheets/sheet1.bin", b"".join(body))
    return out.getvalue()


def ods_bytes(grid, sheet="Sheet1", extra_rows: str = "") -> bytes:
    """A minimal .ods holding `grid` on one table; `extra_rows` is raw XML appended to the table."""
    rows = []
    for row in grid:
        cells = []
        for v in row:
            if v is None or v == "":
                cells.append("<table:table-cell/>")
            elif isinstance(v, bool):
                cells.append(
                    f'<table:table-cell office:value-type="string"><text:p>{"是" if v else "否"}</text:p></table:table-cell>'
                )
            elif isinstance(v, int | float):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{v!r}"><text:p>{v}</text:p></table:table-cell>'
                )
            else:
                cells.append(
                    f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
                )
        rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet><table:table table:name={quoteattr(sheet)}>"
        + "".join(rows)
        + extra_rows
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return out.getvalue()


def _sheet1(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    return rewrite(data, _in_sheet(change))


def _part(data: bytes, part: str, body: bytes) -> bytes:
    return rewrite(data, lambda name, old: body if name == part else old)


def _replace_cell(ref: str, new: bytes) -> Callable[[bytes], bytes]:
    """Swaps the cell `ref` of a sheet's XML (as openpyxl writes it) for `new`."""

    def change(body: bytes) -> bytes:
        start = body.index(b'<c r="%s"' % ref.encode())
        tag_end = body.index(b">", start)
        end = tag_end + 1 if body[tag_end - 1 : tag_end] == b"/" else body.index(b"</c>", start) + 4
        return body[:start] + new + body[end:]

    return change


def _append_rows(xml: bytes) -> Callable[[bytes], bytes]:
    return lambda body: body.replace(b"</sheetData>", xml + b"</sheetData>")


def _sparse_sheets(n: int) -> bytes:
    """`n` sheets each holding only A1 and A1048576: each within the per-sheet limit, together far over."""
    body = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'
        b"</sheetData></worksheet>"
    )
    return _workbook({f"S{i}": body for i in range(n)})


def _xls_far_cells(sheets: int) -> bytes:
    import xlwt

    book = xlwt.Workbook()
    for i in range(sheets):
        ws = book.add_sheet(f"S{i}")
        ws.write(0, 0, 1)
        ws.write(65535, 255, 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xls_dimensions_bomb(xls: bytes) -> bytes:
    """The first sheet's DIMENSIONS record claims rows up to 2³² (calamine aborts reserving them)."""
    data = bytearray(xls)
    at = data.find(b"\x00\x02\x0e\x00")  # DIMENSIONS, 14 bytes (BIFF8)
    assert at > 0
    data[at + 4 : at + 18] = struct.pack("<IIHHH", 0, 0xFFFFFFF0, 0, 0xFF, 0)
    return bytes(data)


def _ole_without_workbook(xls: bytes) -> bytes:
    """An OLE file whose stream is not called Workbook (what a reader of .xls cannot read)."""
    name = "Workbook".encode("utf-16-le")
    assert name in xls
    return xls.replace(name, "Wxrkbook".encode("utf-16-le"), 1)


def reading_cases(good: bytes) -> list[tuple[Entry, bytes]]:
    """The files of issue 21's reading part, each with the outcome it must get. `good` is the
    published form filled with clean values; the cells of lawyers, members and funds are taken from
    the form's layout."""
    from rtr.config import GUANGDONG
    from rtr.form.schema import default_schema
    from rtr.reading.workbook import Limits, load_workbook
    from rtr.workbooks.formgen import build_form
    from sample.synthetic import grid_xls

    cells = build_form(default_schema(), GUANGDONG)[1].cells
    lawyers, members, funds, district = (cells[k] for k in ("lawyers", "members", "funds", "district"))

    sheet = load_workbook(good, ".xlsx", Limits()).sheets[0]
    xls = grid_xls(sheet.rows, sheet.name)
    uncached = "公式但没有计算结果"
    digits = "阿拉伯数字"
    cells_4000 = b"".join(
        b'<row r="%d">' % r + b"".join(b'<c r="%s%d" s="1"/>' % (bytes([c]), r) for c in b"ABCDEFGHIJ") + b"</row>"
        for r in range(100, 500)
    )
    S = "读取/"
    cases: list[tuple[Entry, bytes]] = [
        # linear-time scans: each of these took the old patterns tens of seconds or more
        (
            Entry("workbook.xml of 8,000 unterminated <sheet tags", S + "工作表标签.xlsx", "unreadable"),
            _part(good, "xl/workbook.xml", b"<workbook><sheets>" + b"<sheet " * 8000),
        ),
        (
            Entry("rels of 8,000 unterminated <Relationship tags", S + "关系标签.xlsx", "unreadable"),
            _part(good, "xl/_rels/workbook.xml.rels", b"<Relationships>" + b"<Relationship " * 8000),
        ),
        (
            Entry(
                "4,000 bordered empty cells <c r=.. s=../> and a computed formula (an ordinary file)",
                S + "边框空单元格.xlsx",
                "processed",
                passed=True,
            ),
            _sheet1(good, _append_rows(cells_4000 + b'<row r="600"><c r="K600"><f>1+1</f><v>2</v></c></row>')),
        ),
        (
            Entry("5,000 unterminated <c><f> cells", S + "未闭合公式.xlsx", "unreadable"),
            _sheet1(good, _append_rows(b'<row r="900">' + b'<c r="A900"><f>SUM(' * 5000 + b"</row>")),
        ),
        (
            Entry("unterminated <dimension and 8,000 bare <c", S + "未闭合范围.xlsx", "unreadable"),
            _sheet1(good, lambda b: b.replace(b"<sheetData>", b"<dimension " + b"<c " * 8000 + b"<sheetData>")),
        ),
        # what the reader would allocate, checked before calamine sees the file
        (
            Entry("a cell in a 7-letter column (ABCDEFG1)", S + "七个字母的列.xlsx", "unreadable", OUT_OF_GRID),
            _sheet1(good, _append_rows(b'<row r="70"><c r="ABCDEFG70"><v>1</v></c></row>')),
        ),
        (
            Entry("a cell in column XFE (one past Excel's last)", S + "XFE列.xlsx", "unreadable", OUT_OF_GRID),
            _sheet1(good, _append_rows(b'<row r="70"><c r="XFE70"><v>1</v></c></row>')),
        ),
        (
            Entry("a cell in row 1,048,577", S + "超出行号.xlsx", "unreadable", OUT_OF_GRID),
            _sheet1(good, _append_rows(b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>')),
        ),
        (
            Entry(
                "a repeated r attribute (r=A70 r=ZZZZZZ70: the reader takes the last)",
                S + "重复属性.xlsx",
                "unreadable",
                OUT_OF_GRID,
            ),
            _sheet1(good, _append_rows(b'<row r="70"><c r="A70" r="ZZZZZZ70"><v>1</v></c></row>')),
        ),
        (
            Entry(
                "17,000 cells without r in one row (positions implied past XFD)",
                S + "隐含列号.xlsx",
                "unreadable",
                OUT_OF_GRID,
            ),
            _sheet1(good, _append_rows(b'<row r="70">' + b"<c><v>1</v></c>" * 17_000 + b"</row>")),
        ),
        (
            Entry("200 sheets, each only A1 and A1048576", S + "稀疏工作表.xlsx", "unreadable", "合计"),
            _sparse_sheets(200),
        ),
        (
            Entry(".xls whose DIMENSIONS record claims 2³² rows", S + "旧格式范围.xls", "unreadable", OUT_OF_GRID),
            _xls_dimensions_bomb(xls),
        ),
        (
            Entry(".xls sheets holding A1 and IV65536", S + "旧格式远端单元格.xls", "unreadable", "范围过大"),
            _xls_far_cells(3),
        ),
        (
            Entry(
                ".ods repeating a filled cell over 1,048,576 rows × 16,384 columns",
                S + "重复单元格.ods",
                "unreadable",
                "范围过大",
            ),
            ods_bytes(
                sheet.rows,
                sheet.name,
                '<table:table-row table:number-rows-repeated="1048000"><table:table-cell office:value-type="float" '
                'office:value="1" table:number-columns-repeated="16384"><text:p>1</text:p></table:table-cell>'
                "</table:table-row>",
            ),
        ),
        (
            Entry(".xlsb whose dimension claims 2³² rows", S + "二进制范围.xlsb", "unreadable", OUT_OF_GRID),
            xlsb_bytes(sheet.rows, sheet.name, dim=(0xFFFFFFF0, 4)),
        ),
        # formulas judged from the parsed cell
        (
            Entry(
                'a formula cached as empty text (<c t="str"><f>IF(…,"",…)</f><v></v></c>)',
                S + "公式空文本.xlsx",
                "processed",
                passed=True,
            ),
            _sheet1(
                good,
                _replace_cell(district, b'<c r="%s" s="4" t="str"><f>IF(1,"",1)</f><v></v></c>' % district.encode()),
            ),
        ),
        (
            Entry(
                "an uncached formula without an r attribute",
                S + "公式无r属性.xlsx",
                "processed",
                passed=False,
                finding=uncached,
            ),
            _sheet1(good, _replace_cell(members, b"<c><f>SUM(1,2)</f></c>")),
        ),
        (
            Entry(
                "an uncached formula written with whitespace and <v/>",
                S + "公式空白.xlsx",
                "processed",
                passed=False,
                finding=uncached,
            ),
            _sheet1(
                good, _replace_cell(members, b'<c\n  r = "%s"\t>\n <f>SUM(1,2)</f>\n <v/>\n</c>' % members.encode())
            ),
        ),
        (
            Entry(
                "an uncached formula with its attributes in another order",
                S + "公式属性顺序.xlsx",
                "processed",
                passed=False,
                finding=uncached,
            ),
            _sheet1(
                good, _replace_cell(members, b"<c s='11' t='n' r='%s'><f>SUM(1,2)</f><v></v></c>" % members.encode())
            ),
        ),
        # numbers
        (
            Entry(
                "Arabic-Indic digits (١٢) in a count",
                S + "阿拉伯文数字.xlsx",
                "processed",
                passed=False,
                finding=digits,
            ),
            _sheet1(good, _replace_cell(lawyers, f'<c r="{lawyers}" t="inlineStr"><is><t>١٢</t></is></c>'.encode())),
        ),
        (
            Entry(
                "Devanagari digits (३०) in a count", S + "天城文数字.xlsx", "processed", passed=False, finding=digits
            ),
            _sheet1(good, _replace_cell(lawyers, f'<c r="{lawyers}" t="inlineStr"><is><t>३०</t></is></c>'.encode())),
        ),
        (
            Entry("-0 in an amount", S + "负零.xlsx", "processed", passed=True),
            _sheet1(good, _replace_cell(funds, f'<c r="{funds}" t="inlineStr"><is><t>-0</t></is></c>'.encode())),
        ),
        # other spreadsheet formats: read with the same checks, or F01 asking for .xlsx
        (
            Entry("a good return saved as .xlsb", S + "二进制格式.xlsb", "processed", passed=True),
            xlsb_bytes(sheet.rows, sheet.name),
        ),
        (
            Entry("a good return saved as .ods", S + "开放文档格式.ods", "processed", passed=True),
            ods_bytes(sheet.rows, sheet.name),
        ),
        (Entry("a good return saved as WPS .et (BIFF inside)", S + "WPS表格.et", "processed", passed=True), xls),
        (
            Entry("a WPS .et no reader understands", S + "WPS无法读取.et", "unreadable", RESAVE),
            _ole_without_workbook(xls),
        ),
    ]
    # names: pairs that used to share one receipt, and names too long for a receipt name
    N = "名字/"
    long_a, long_b = "律" * 83 + ".xlsx", "律" * 82 + "师.xlsx"  # 254 bytes each: the longest a name may be
    for i, rel in enumerate(
        [
            N + "报表.xlsx",
            N + "报表.xls",
            N + "报表.XLSX",
            N + "报表_xls.xlsx",
            N + "报表.xls.xlsx",
            N + "a<b.xlsx",
            N + "a>b.xlsx",
            N + long_a,
            N + long_b,
        ]
    ):
        outcome = "unreadable" if rel.endswith(".xls") else "processed"
        what = (
            f"receipt names: {rel[len(N) :][:12]}{'…' if len(rel) > 20 else ''} ({len(rel[len(N) :].encode())} bytes)"
        )
        cases.append((Entry(what, rel, outcome), good + b"name %d" % i))  # distinct content: not a duplicate
    return cases


NO_PERMISSION = Entry("a file the pipeline may not read (EACCES)", "读取/无权限.xlsx", "unreadable", "没有读取权限")


def build_reading(inbox: Path, good: bytes, *, permission: bool = True) -> list[Entry]:
    """Writes `reading_cases` into `inbox` (and, with `permission`, a file of mode 000: unreadable
    to any process but root's, so a run as root must emulate the check)."""
    entries = []
    for entry, data in reading_cases(good):
        path = inbox / entry.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entries.append(entry)
    if permission:
        path = inbox / NO_PERMISSION.rel
        path.write_bytes(good + b"no permission")
        path.chmod(0)
        entries.append(NO_PERMISSION)
    return entries


def main() -> None:
    from rtr.form.schema import default_schema_text, parse_schema
    from tests.conftest import clean_values, form_bytes

    folder = Path(sys.argv[1])
    good = form_bytes(parse_schema(default_schema_text()), clean_values())
    for entry in build(folder / "inbox", good, folder / "outside") + build_reading(folder / "inbox", good):
        print(f"{entry.outcome:11} {entry.what}: {entry.rel!r}")


if __name__ == "__main__":
    main()
