"""Bad files: each is F01 with a clear message, never a crash, a hang or a memory blow-up."""

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rtr.form.textnorm import cell_text
from rtr.reading.workbook import Limits, load_workbook
from tests.conftest import clean_values, form_bytes
from tests.hostile_corpus import _workbook, entity_bomb, reading_cases, rewrite, xlsb_bytes, zip_bomb

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def good(schema) -> bytes:
    return form_bytes(schema, clean_values())


def problem(data: bytes, suffix: str = ".xlsx", limits: Limits = Limits()) -> str:
    loaded = load_workbook(data, suffix, limits)
    assert loaded.sheets is None
    return loaded.problem


def test_good_file_reads(good):
    assert load_workbook(good, ".xlsx", Limits()).problem is None


def test_zero_bytes():
    assert "0 字节" in problem(b"")


def test_truncated_zip(good):
    assert "损坏" in problem(good[: len(good) // 2])


def test_text_named_xlsx():
    assert "不是 Excel" in problem("律所名称,党员数\n某所,3\n".encode())


def test_docx_named_xlsx():
    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    assert "Word" in problem(buf.getvalue())


def test_encrypted_workbook(good):
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("secret", out)
    assert "密码" in problem(out.getvalue())


def test_xls_content_named_xlsx_and_the_reverse(good):
    from sample.synthetic import grid_xls

    assert "扩展名" in problem(grid_xls([["a"]], "s"), ".xlsx")
    assert "扩展名" in problem(good, ".xls")


def test_dimension_bomb(good):
    def claim_everything(name, body):
        if name.startswith("xl/worksheets/"):
            return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', body)
        return body

    assert "范围过大" in problem(rewrite(good, claim_everything))


def test_far_away_cell(good):
    def far_cell(name, body):
        if name == "xl/worksheets/sheet1.xml":
            return body.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
        return body

    assert "范围过大" in problem(rewrite(good, far_cell))


def test_zip_bomb_400mb_sheet_in_a_small_file(good):
    """A sheet of 400 MB that compresses to well under 2 MB: refused from the zip's own numbers."""
    data = zip_bomb(good)
    assert len(data) < 2 * 2**20
    assert "过大" in problem(data) or "压缩比" in problem(data)


def test_compression_ratio_limit(good):
    def padded(name, body):
        if name == "xl/worksheets/sheet1.xml":
            return body.replace(b"</worksheet>", b"<!--" + b" " * (3 * 2**20) + b"--></worksheet>")
        return body

    assert "压缩比" in problem(rewrite(good, padded))


def test_xml_entity_bomb(good):
    assert "XML" in problem(entity_bomb(good))


def test_size_limit(good):
    assert "过大" in problem(good, limits=Limits(max_file_bytes=1000))


def test_too_many_sheets(good):
    assert "工作表数量" in problem(good, limits=Limits(max_sheets=1))


# ---- what the reader would allocate (issue 21): checked before calamine, which aborts the whole
# process instead of raising. Each is loaded in a child process, so a check that misses kills only it.

_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
from rtr.form.textnorm import cell_text
from rtr.reading.workbook import Limits, load_workbook
data = sys.stdin.buffer.read()
loaded = load_workbook(data, sys.argv[1], Limits())
print(loaded.problem or "READ")
"""


def problem_in_child(data: bytes, suffix: str) -> str:
    proc = subprocess.run([sys.executable, "-c", _CHILD, suffix], input=data, capture_output=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, (proc.returncode, proc.stderr.decode()[-600:])
    return proc.stdout.decode().strip()


def _case(rel_end: str, good: bytes) -> bytes:
    (data,) = [d for e, d in reading_cases(good) if e.rel.endswith(rel_end)]
    return data


@pytest.mark.parametrize(
    ("case", "suffix", "message"),
    [
        ("七个字母的列.xlsx", ".xlsx", "ABCDEFG70"),
        ("XFE列.xlsx", ".xlsx", "XFE"),
        ("超出行号.xlsx", ".xlsx", "第1048577行"),
        ("重复属性.xlsx", ".xlsx", "ZZZZZZ70"),
        ("隐含列号.xlsx", ".xlsx", "16385"),
        ("稀疏工作表.xlsx", ".xlsx", "合计"),
        ("旧格式范围.xls", ".xls", "DIMENSIONS"),
        ("旧格式远端单元格.xls", ".xls", "65536行×256列"),
        ("重复单元格.ods", ".ods", "范围过大"),
        ("二进制范围.xlsb", ".xlsb", "超出 Excel 的范围"),
    ],
)
def test_what_the_reader_would_allocate_is_checked_before_it_reads(good, case, suffix, message):
    assert message in problem_in_child(_case(case, good), suffix)


def test_the_total_over_all_sheets_is_limited(good):
    body = b'<worksheet><sheetData><row r="1000"><c r="A1000"><v>1</v></c></row></sheetData></worksheet>'
    book = _workbook({f"S{i}": body for i in range(3)})
    assert load_workbook(book, ".xlsx", Limits(max_cells=1000, max_total_cells=3000)).problem is None
    assert "合计" in problem(book, limits=Limits(max_cells=1000, max_total_cells=2999))
    assert "范围过大" in problem(book, limits=Limits(max_cells=999, max_total_cells=3000))


@pytest.mark.parametrize("case", ["二进制格式.xlsb", "开放文档格式.ods", "WPS表格.et"])
def test_xlsb_ods_and_et_are_read_like_xlsx(good, schema, case):
    data = _case(case, good)
    suffix = "." + case.rsplit(".", 1)[1]
    loaded = load_workbook(data, suffix, Limits())
    assert loaded.problem is None
    expected = load_workbook(good, ".xlsx", Limits()).sheets[0]

    def text(rows):  # the corpus writers write dates as text
        return [[cell_text(v) for v in row[:5]] for row in rows[:59]]

    assert text(loaded.sheets[0].rows) == text(expected.rows)


def test_an_et_no_reader_understands_asks_for_xlsx(good):
    assert "另存为 .xlsx" in problem(_case("WPS无法读取.et", good), ".et")


def test_content_and_extension_must_agree_for_the_new_formats(good):
    ods, xlsb = _case("开放文档格式.ods", good), _case("二进制格式.xlsb", good)
    assert "ods" in problem(ods, ".xlsx") and "xlsb" in problem(xlsb, ".ods") and ".xlsx" in problem(good, ".xlsb")


def test_an_xlsb_s_other_binary_parts_are_not_taken_for_sheets():
    data = xlsb_bytes([["a", 1]], "S")
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        z.writestr("xl/worksheets/_rels/sheet1.bin.rels", '<Relationships><Relationship Id="rId1" Target="x"/>')
        z.writestr("xl/worksheets/binaryIndex1.bin", b"\x00\x10" + b"\xff" * 16)
    assert load_workbook(out.getvalue(), ".xlsb", Limits()).sheets[0].rows == [["a", 1.0]]
