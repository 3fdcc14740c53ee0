"""The streaming writer's caches (registered styles, package parts) never leak between workbooks."""

from __future__ import annotations

import io

import openpyxl

from rtr.workbooks.xlsxwrite import Style, Workbook

BOLD = Style(bold=True)
RED = Style(fill="FF0000")
REGISTERED = (BOLD, RED)


def read_back(wb: Workbook) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(wb.bytes()))


def test_workbooks_built_alike_share_styles_but_not_additions():
    first = Workbook(REGISTERED)
    ws = first.sheet("甲")
    ws.row(1, ["粗", "红", "斜绿"], [BOLD, RED, Style(color="00FF00", size=20)])
    second = Workbook(REGISTERED)
    second.sheet("乙").row(1, ["粗", "红"], [BOLD, RED])

    a, b = read_back(first).active, read_back(second).active
    assert a["A1"].font.b and a["B1"].fill.fgColor.rgb == "FFFF0000"
    assert a["C1"].font.color.rgb == "FF00FF00" and a["C1"].font.sz == 20
    assert b["A1"].font.b and b["B1"].fill.fgColor.rgb == "FFFF0000"
    assert len(read_back(second)._cell_styles) < len(read_back(first)._cell_styles)  # the green one stayed in `first`


def test_sheet_names_and_filters_are_each_workbooks_own():
    seen = []
    for sheets in (["一", "二"], ["三"], ["一", "二"], ["A&B"], ["三"]):
        wb = Workbook(REGISTERED)
        for name in sheets:
            ws = wb.sheet(name)
            ws.row(1, ["x", "y"])
            ws.row(2, [1, 2])
            ws.autofilter = "A1:B2" if name == "三" and len(seen) == 1 else None
        book = read_back(wb)
        seen.append([(ws.title, ws.auto_filter.ref) for ws in book.worksheets])
    assert seen == [
        [("一", None), ("二", None)],
        [("三", "A1:B2")],
        [("一", None), ("二", None)],
        [("A&B", None)],
        [("三", None)],
    ]


def test_a_fresh_style_for_every_cell_still_formats_each_cell():
    wb = Workbook()
    ws = wb.sheet("数")
    for r in range(1, 1500):
        ws.row(r, [r + 0.5], Style(fmt="0.00" if r % 2 else "0.0"))  # a new, equal Style object each time
    sheet = read_back(wb).active
    assert sheet["A1"].number_format == "0.00" and sheet["A2"].number_format == "0.0"
    assert sheet["A1499"].number_format == "0.00" and sheet["A1498"].number_format == "0.0"


def test_print_titles_are_each_sheets_own_and_coexist_with_filters():
    wb = Workbook(REGISTERED)
    first = wb.sheet("进度")
    for r in range(1, 5):
        first.row(r, [f"r{r}", r])
    first.print_rows = "1:3"
    first.autofilter = "A3:B4"
    plain = wb.sheet("O'Brien 名单")
    plain.row(1, ["x"])
    plain.print_rows = "2"
    untitled = wb.sheet("无")
    untitled.row(1, ["x"])
    book = read_back(wb)
    assert book["进度"].print_title_rows == "$1:$3" and book["进度"].auto_filter.ref == "A3:B4"
    assert book["O'Brien 名单"].print_title_rows == "$2:$2"
    assert book["无"].print_title_rows is None


def _sheet_xml(values, height=None) -> str:
    import zipfile

    from rtr.workbooks.xlsxwrite import Workbook

    wb = Workbook()
    wb.sheet("S").row(1, values, height=height)
    return zipfile.ZipFile(io.BytesIO(wb.bytes())).read("xl/worksheets/sheet1.xml").decode()


def test_no_negative_zero_is_written():
    xml = _sheet_xml([-0.0, 0.0, -0, -1.5])
    assert "<v>-0" not in xml and "<v>0.0</v>" in xml and "<v>-1.5</v>" in xml


def test_cells_are_cut_to_what_excel_holds():
    from rtr.workbooks.xlsxwrite import MAX_CELL_CHARS, TRUNCATED, fit_cell

    for text in ("党" * 40_000, "a" * 32_768, "😀" * 20_000):
        cut = fit_cell(text)
        assert len(cut.encode("utf-16-le")) // 2 <= MAX_CELL_CHARS and cut.endswith(TRUNCATED)
    assert fit_cell("a" * MAX_CELL_CHARS) == "a" * MAX_CELL_CHARS
    assert TRUNCATED in _sheet_xml(["党" * 40_000])


def test_rows_are_at_most_409_points_tall():
    assert 'ht="409"' in _sheet_xml(["x"], height=2000) and 'ht="30"' in _sheet_xml(["x"], height=30)
