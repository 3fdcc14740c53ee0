"""Finding returns in hand-edited forms and roster files."""

from datetime import date

from rtr.checking.rules import check_return
from rtr.reading.layouts import FORM, ROSTER
from tests.conftest import clean_values, grid_bytes, read_returns, valid_uscc

HEADER = [
    ["填报单位", "广东某某律师事务所"],
    ["统一社会信用代码", valid_uscc()],
    ["报告期", "2024H1"],
    ["所在地市", "广州市"],
]
TABLE = [
    ["指标名称", "代码", "计量单位", "本期数值", "备注"],
    ["执业律师数", "101", "人", 10, ""],
    ["党员律师数", "201", "人", 4, "含预备党员"],
    ["其中：正式党员", "202", "人", 4, None],
    ["党组织设置情况", "301", None, "单独党支部", None],
]


def only(schema, data, **kw):
    (raw,) = read_returns(schema, data, **kw)
    return raw


def test_form_found_by_code_and_label(schema):
    raw = only(schema, grid_bytes([["律师事务所党建工作情况半年报表"], [], *HEADER, [], *TABLE]))
    assert raw.layout == FORM and raw.row is None
    assert raw.cells["firm_name"].raw == "广东某某律师事务所" and raw.cells["firm_name"].cell == "B3"
    assert raw.cells["lawyers"].raw == 10 and raw.cells["lawyers"].cell == "D9"
    assert raw.cells["members"].remark == "含预备党员"
    assert raw.cells["org_type"].raw == "单独党支部"


def test_code_wins_over_label(schema):
    rows = [*HEADER, [], TABLE[0], ["党员律师数", "101", "人", 10, ""], ["执业律师数", "201", "人", 4, ""]]
    raw = only(schema, grid_bytes(rows))
    assert raw.cells["lawyers"].raw == 10 and raw.cells["members"].raw == 4


def test_label_when_code_missing_traditional_and_spaces(schema):
    rows = [
        *HEADER,
        [],
        ["指標名稱", "代碼", "計量單位", "本期數值", "備註"],
        ["執業律師數", None, "人", 10],
        [" 黨 員 律 師 數 ", "", "人", "4人"],
        ["党组织设置情况：", None, None, "獨立黨支部"],
    ]
    raw = only(schema, grid_bytes(rows))
    assert raw.cells["lawyers"].raw == 10 and raw.cells["members"].raw == "4人"
    assert raw.cells["org_type"].raw == "獨立黨支部"


def test_columns_in_another_order_and_extra_rows(schema):
    rows = [
        ["标题"],
        ["填报时间：2024年7月"],
        [],
        [],
        *HEADER,
        [],
        [],
        ["代码", "备注", "本期数值", "指标名称", "计量单位"],
        [],
        ["101", "新进2人", 10, "执业律师数", "人"],
        [None, None, None, "一、基本情况"],
        ["201", None, 4, "党员律师数", "人"],
    ]
    raw = only(schema, grid_bytes(rows))
    assert raw.cells["lawyers"].raw == 10 and raw.cells["lawyers"].cell == "C13"
    assert raw.cells["lawyers"].remark == "新进2人"
    assert raw.cells["members"].raw == 4


def test_header_block_on_the_right(schema):
    rows = [
        ["标题"],
        TABLE[0] + [None, "填报单位", "某所"],
        TABLE[1] + [None, "报告期", "2024年上半年"],
        TABLE[2] + [None, "所在地市", "廣州"],
    ]
    raw = only(schema, grid_bytes(rows))
    assert raw.cells["firm_name"].raw == "某所" and raw.cells["firm_name"].cell == "H2"
    assert raw.cells["period"].raw == "2024年上半年" and raw.cells["city"].raw == "廣州"
    assert raw.cells["lawyers"].raw == 10


def test_label_and_value_in_one_cell_and_blank_value(schema):
    rows = [["填报单位：某某律师事务所"], ["报告期", None, "所在地市", "广州市"], *TABLE]
    raw = only(schema, grid_bytes(rows))
    assert raw.cells["firm_name"].raw == "某某律师事务所"
    assert raw.cells["period"].raw is None  # the next cell to the right is another label
    assert raw.cells["city"].raw == "广州市"


def test_instructions_sheet_first_and_hidden_sheets_ignored(schema):
    hidden = [["指标名称", "代码", "本期数值"], ["执业律师数", "101", 999]]
    data = grid_bytes(
        [["请按说明填写"]], title="填报说明", extra={"数据": [*HEADER, *TABLE], "旧": hidden}, hidden={"旧"}
    )
    raw = only(schema, data)
    assert raw.sheet == "数据" and raw.cells["lawyers"].raw == 10


def test_merged_cells_of_the_published_form(schema):
    from tests.conftest import form_bytes

    raw = only(schema, form_bytes(schema, clean_values()))
    assert raw.cells["firm_name"].cell == "B3"  # B3:E3 is merged
    assert raw.cells["period"].cell == "E4"


def test_roster_layout_one_return_per_row(schema, ctx):
    heads = [
        "律所名称",
        "统一社会信用代码",
        "報告期",
        "所在地市",
        "101",
        "党员律师数",
        "其中：正式党员",
        "预备党员",
        "党组织设置情况",
        "填报日期",
    ]
    rows = [
        ["某区律所汇总"],
        [],
        heads,
        ["人", None, None, None, "人", "人"],
        ["甲律师事务所", valid_uscc("31440000MD0000001"), "2024H1", "广州", 5, 1, 1, 0, "联合党支部", date(2024, 7, 3)],
        ["乙律师事务所", valid_uscc("31440000MD0000002"), "2024H1", "广州", 3, 5, 5, 0, "单独党支部", "2024-07-04"],
        [],
        ["合计", None, None, None, 8, 6],
    ]
    found = read_returns(schema, grid_bytes(rows))
    assert [(r.layout, r.row) for r in found] == [(ROSTER, 5), (ROSTER, 6)]
    first, second = (check_return(r, ctx) for r in found)
    assert first.values["lawyers"] == 5 and first.values["city"] == "广州市"
    # a bad row does not sink the others
    assert {f.rule for f in second.findings} >= {"E06"} and not second.accepted
    assert {f.rule for f in first.findings} <= {"W04"} and first.accepted
    e06 = next(f for f in second.findings if f.rule == "E06")
    assert e06.cell == "F6"


def test_no_return_in_an_unrelated_workbook(schema):
    assert read_returns(schema, grid_bytes([["会议通知"], ["时间", "7月10日"]])) == []


def test_xls_written_by_xlwt(schema, ctx):
    from sample.synthetic import grid_xls

    grid = [*HEADER, [], *TABLE, ["填报日期", None, None, date(2024, 7, 6)]]
    (raw,) = read_returns(schema, grid_xls(grid, "表"), suffix=".xls", name="t.xls")
    checked = check_return(raw, ctx)
    assert checked.values["lawyers"] == 10 and checked.values["period"] == "2024H1"
