"""The hostile-input corpus, made from a good form by code (no binaries are kept in the repo).

    .venv/bin/python -m tests.hostile_corpus FOLDER     # writes the corpus into FOLDER/inbox

Each entry says what the file is, where it goes in the inbox, and the outcome the ledger must show
for it. `test_hostile.py` runs a real intake over it under a time and a memory limit.
"""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

OUTSIDE_MARKER = b"SECRET-OUTSIDE-THE-INBOX-7f3a"


@dataclass(frozen=True)
class Entry:
    what: str  # for the reliability table
    rel: str  # path in the inbox
    outcome: str  # the ledger outcome: processed, unreadable, duplicate, ignored
    message: str = ""  # a fragment the ledger message (or its F01 finding) must contain


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


def main() -> None:
    from rtr.form.schema import default_schema_text, parse_schema
    from tests.conftest import clean_values, form_bytes

    folder = Path(sys.argv[1])
    good = form_bytes(parse_schema(default_schema_text()), clean_values())
    for entry in build(folder / "inbox", good, folder / "outside"):
        print(f"{entry.outcome:11} {entry.what}: {entry.rel!r}")


if __name__ == "__main__":
    main()
