"""Bad files: each is F01 with a clear message, never a crash, a hang or a memory blow-up."""

import io
import re

import pytest

from rtr.reading.workbook import Limits, load_workbook
from tests.conftest import clean_values, form_bytes
from tests.hostile_corpus import entity_bomb, rewrite, zip_bomb


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
