"""The scans of untrusted sheet XML: linear time on adversarial input, and what they find."""

from __future__ import annotations

import contextlib
import io
import time

import pytest
import python_calamine as calamine

from rtr.reading import sheetxml
from rtr.reading.odsxml import ods_extents
from rtr.reading.sheetxml import Extent, OutOfGrid
from rtr.reading.values import read_amount, read_count, read_date
from tests.hostile_corpus import _workbook

BOUND = 2.0  # seconds: each scan below takes milliseconds; a quadratic one took 10–40 s at these sizes
SELF_CLOSING = b"".join(b'<c r="A%d" s="4"/>' % i for i in range(1, 4001))  # S03's bordered empty area

ADVERSARIAL = {
    "unterminated <sheet": b"<sheet " * 8000,
    "unterminated <sheet name=": b'<sheet name="' * 8000,
    "unterminated <Relationship": b"<Relationship " * 8000,
    "unterminated <Relationship Id=": b'<Relationship Id="' * 8000,
    "unterminated <dimension": b"<dimension " * 8000,
    "unterminated <c": b"<c " * 50_000,
    "unterminated <c r=": b'<c r="' * 50_000,
    "bare <c>": b"<c>" * 20_000,
    "bare <row>": b"<row>" * 20_000,
    "r attributes without tags": b' r = "' * 50_000,
    "4,000 self-closing cells, then a formula": SELF_CLOSING + b'<c r="B1"><f>1</f></c>',
    "a formula, then 4,000 self-closing cells": b'<c r="B1"><f>1</f><v>1</v></c>' + SELF_CLOSING,
    "4,000 self-closing cells with a formula each after": SELF_CLOSING.replace(b"/>", b"/><f>1</f>"),
    "unterminated formula cells": b'<c r="A1"><f>SUM(' * 5000,
    "formula tags alone": b"<f>" * 20_000,
    "a formula after a long text": b'<c r="A1">' + b" " * 200_000 + b"<f>1</f>",
    "prefixed tags": b"<x:c " * 20_000 + b"<x:f>" * 20_000,
    "attribute names without values": b"a" * 100_000 + b"=" * 1000,
    "unterminated attribute values": b'a="' * 50_000,
    "unterminated table rows": b"<table:table><table:table-row " * 20_000,
    "unterminated table cells": b"<table:table><table:table-row>" + b"<table:table-cell " * 20_000,
}


def _timed(fn, data) -> float:
    start = time.perf_counter()
    with contextlib.suppress(OutOfGrid):
        fn(data)
    return time.perf_counter() - start


SCANS = {
    "sheet_entries": sheetxml.sheet_entries,
    "relationships": sheetxml.relationships,
    "dimension": sheetxml.dimension,
    "survey": sheetxml.survey,
    "extent": sheetxml.extent,
    "walk": lambda b: list(sheetxml.walk(b)),
    "uncached_formulas": sheetxml.uncached_formulas,
    "attributes": sheetxml.attributes,
    "ods_extents": ods_extents,
}


@pytest.mark.parametrize("scan", list(SCANS))
def test_every_scan_is_linear_on_adversarial_input(scan):
    fn = SCANS[scan]
    slowest = max((_timed(fn, data), name) for name, data in ADVERSARIAL.items())
    assert slowest[0] < BOUND, slowest


def test_value_patterns_are_linear_on_long_cells():
    for text in (" " * 200_000 + "x", "1" * 200_000 + "x", "1." * 100_000, "-" + " 1" * 100_000):
        start = time.perf_counter()
        read_count(text), read_amount(text), read_date(text)
        assert time.perf_counter() - start < BOUND, text[:10]


def _sheet(cells: bytes, dimension: bytes = b"") -> bytes:
    return (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dimension
        + b"<sheetData>"
        + cells
        + b"</sheetData></worksheet>"
    )


def _calamine_cells(body: bytes) -> dict[tuple[int, int], object]:
    book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(_workbook({"S": body})))
    rows = book.get_sheet_by_name("S").to_python(skip_empty_area=False)
    return {(r + 1, c + 1): v for r, row in enumerate(rows) for c, v in enumerate(row) if v != ""}


@pytest.mark.parametrize(
    "cells",
    [
        b"<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>",
        b'<row r="3"><c><v>1</v></c><c r="E3"><v>2</v></c><c><v>3</v></c></row><row><c><v>4</v></c></row>',
        b'<row r="2" spans="1:3"><c s="1" r="B2"><v>1</v></c><c t="n"><v>2</v></c></row>',
        b'<x:row r="4"><x:c r="C4"><x:v>7</x:v></x:c></x:row>',
    ],
)
def test_walk_positions_cells_as_calamine_does(cells):
    body = _sheet(cells)
    walked = {(c.row, c.col) for c in sheetxml.walk(body)}
    assert set(_calamine_cells(body)) <= walked
    assert sheetxml.extent(body) == Extent(max(r for r, _ in walked), max(c for _, c in walked), len(walked))


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (b'<row r="1"><c r="ABCDEFG1"><v>1</v></c></row>', "ABCDEFG1"),
        (b'<row r="1"><c r="XFE1"><v>1</v></c></row>', "XFE"),
        (b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>', "1048577"),
        (b'<row r="1"><c r="A1" r="ZZZ1"><v>1</v></c></row>', "ZZZ1"),
        (b'<row r="1"><c r="A1"  r = "ZZZ1"><v>1</v></c></row>', "ZZZ1"),
        (b"<row>" + b"<c><v>1</v></c>" * 16_385 + b"</row>", "16385"),
        (b'<row r="1"><c r="A0"><v>1</v></c></row>', "第0行"),
    ],
)
def test_references_outside_excels_grid(cells, message):
    body = _sheet(cells)
    with pytest.raises(OutOfGrid) as caught:
        sheetxml.extent(body)
    assert message in caught.value.ref


def test_a_claimed_dimension_outside_the_grid():
    with pytest.raises(OutOfGrid):
        sheetxml.dimension(_sheet(b"", b'<dimension ref="A1:ABCDEFG1"/>'))
    assert sheetxml.dimension(_sheet(b"", b'<dimension ref="A1:XFD1048576"/>')) == Extent(1_048_576, 16_384, 0)


def test_ordinary_sheets_are_proven_small_by_the_plain_survey():
    body = _sheet(b'<row r="1"><c r="A1" s="1" t="s"><v>0</v></c><c r="Z9999"><v>1</v></c></row>')
    assert sheetxml.survey(body) == sheetxml.Survey(plain=True, formulas=False)
    for odd in (b"<c><v>1</v></c>", b'<c r="AA1"><v>1</v></c>', b'<c r="A10000"/>', b'<x:c r="A1"/>'):
        assert not sheetxml.survey(_sheet(b'<row r="1">' + odd + b"</row>")).plain, odd


@pytest.mark.parametrize(
    ("cell", "uncached"),
    [
        (b'<c r="B2" t="str"><f>IF(1,"",1)</f><v></v></c>', False),  # Excel's =IF(…,"",…): an empty text
        (b'<c r="B2" t="str"><f>IF(1,"",1)</f><v/></c>', False),
        (b'<c r="B2"><f>1+1</f><v>2</v></c>', False),
        (b'<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>', False),
        (b'<c r="B2"><f>1+1</f></c>', True),  # no value at all
        (b'<c r="B2"><f>1+1</f><v></v></c>', True),  # openpyxl's way of writing an uncached formula
        (b'<c r="B2"><f>1+1</f><v/></c>', True),
        (b'<c t="n" s="3" r="B2"><f>1+1</f><v></v></c>', True),  # attributes in another order
        (b"<c r='B2'><f>1+1</f></c>", True),
        (b'<c\n  r = "B2"\t>\n <f>1+1</f>\n</c>', True),  # whitespace where XML allows it
        (b'<x:c r="B2"><x:f>1+1</x:f></x:c>', True),  # a namespace prefix
        (b'<c r="B2"><f t="shared" ref="B2:B3" si="0">1+1</f></c>', True),
        (b'<c r="A2"><v>1</v></c><c><f>1+1</f></c>', True),  # no r: one column after the previous cell
    ],
)
def test_uncached_formulas_are_judged_from_the_parsed_cell(cell, uncached):
    body = _sheet(b'<row r="2">' + cell + b"</row>")
    assert sheetxml.survey(body).formulas
    assert sheetxml.uncached_formulas(body) == (frozenset({"B2"}) if uncached else frozenset())


def test_a_formula_outside_a_cell_is_not_a_cell_formula():
    body = _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>') + b"<extLst><x14:formula1><xm:f>S!A1</xm:f>"
    assert sheetxml.uncached_formulas(body) == frozenset()


def test_sheet_entries_in_any_attribute_order():
    book = (
        b'<sheets><sheet r:id="rId2" name="a&amp;b" sheetId="1"/><x:sheet name="S" sheetId="2" ns:id="rId3"/></sheets>'
    )
    assert sheetxml.sheet_entries(book) == [(b"a&amp;b", b"rId2"), (b"S", b"rId3")]
    assert sheetxml.relationships(b'<Relationship Target="w/s.xml" Type="t" Id="rId2"/>') == {b"rId2": b"w/s.xml"}


def test_cells_outside_the_first_sheet_data_are_not_overlooked():
    far = b'<row r="1"><c r="ABCDEFG1"><v>1</v></c></row>'
    body = _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>') + b"<sheetData>" + far
    assert not sheetxml.survey(body).plain
    with pytest.raises(OutOfGrid):
        sheetxml.extent(body)


def test_extension_lists_after_the_sheet_data_leave_an_ordinary_sheet_plain():
    body = _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>').replace(
        b"</worksheet>",
        b"<extLst><x14:dataValidation><x14:formula1><xm:f>S!$A$1</xm:f></x14:formula1></extLst></worksheet>",
    )
    assert sheetxml.survey(body) == sheetxml.Survey(plain=True, formulas=False)
