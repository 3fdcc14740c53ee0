"""The fast form filler reads back exactly like the form openpyxl fills, cell for cell."""

import io

import python_calamine as calamine

from rtr.checking.rules import check_return
from rtr.config import GUANGDONG
from rtr.workbooks.formfill import form_filler
from tests.conftest import clean_values, openpyxl_form_bytes, read_returns


def _cells(data: bytes) -> dict[str, list[list[object]]]:
    book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_fill_reads_back_like_openpyxl(schema, ctx):
    values = clean_values() | {"firm_name": "A&B <律师> 事务所", "highlights": '=HYPERLINK("x")', "problems": None}
    remarks = {"lawyers": "本期有律师转所", "funds": "单位：万元 & 其他"}
    fast = form_filler(schema, GUANGDONG).fill(values, remarks)
    slow = openpyxl_form_bytes(schema, values, remarks)
    assert _cells(fast) == _cells(slow)
    (a,), (b,) = (
        (check_return(raw, ctx) for raw in read_returns(schema, fast)),
        (check_return(raw, ctx) for raw in read_returns(schema, slow)),
    )
    assert a.values == b.values and a.values["firm_name"] == "A&B <律师> 事务所"
    assert [f.rule for f in a.findings] == [f.rule for f in b.findings]


def test_instructions_first_moves_the_sheet(schema, ctx):
    data = form_filler(schema, GUANGDONG, instructions_first=True).fill(clean_values(), {})
    names = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names
    assert names[0] == schema.instructions_sheet and schema.sheet_name in names
    (raw,) = read_returns(schema, data)
    assert check_return(raw, ctx).values["lawyers"] == clean_values()["lawyers"]
