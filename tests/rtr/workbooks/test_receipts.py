import io
import re

from openpyxl import load_workbook as ox_load

from rtr.checking.findings import Finding
from rtr.workbooks.receipts import ReceiptData, ReceiptReturn, build_receipt


def test_text_from_a_return_never_becomes_a_formula():
    f = Finding(
        "E02", "error", '=HYPERLINK("http://x","点我")', sheet="表", cell="D5", value="=1+1", label="执业律师数"
    )
    data = ReceiptData(
        "a.xlsx",
        "2026-01-01",
        "0" * 64,
        "processed",
        None,
        [ReceiptReturn("=cmd|' /C calc'!A0", "+31", "2024H1", "表", None, "rejected", [f])],
    )
    wb = ox_load(io.BytesIO(build_receipt(data, "报表")))
    cells = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert cells and all(c.data_type == "s" for c in cells)
    texts = {c.value for c in cells}
    assert "=1+1" in texts and "=cmd|' /C calc'!A0" in texts


def test_receipt_lists_every_return_and_finding():
    findings = [
        Finding(
            "W07", "warning", "三会一课不足", sheet="表", cell="D38", value="5", label="主题党日活动", remark="线上开展"
        )
    ]
    data = ReceiptData(
        "x.xlsx",
        "2026-01-01",
        "ab" * 32,
        "processed",
        None,
        [
            ReceiptReturn("甲所", "31", "2024H1", "表", None, "accepted", findings),
            ReceiptReturn("乙所", "32", None, "表", 7, "rejected", []),
        ],
    )
    ws = ox_load(io.BytesIO(build_receipt(data, "报表"))).active
    text = "\n".join(" ".join(str(c.value) for c in row if c.value is not None) for row in ws.iter_rows())
    assert "甲所" in text and "已采用" in text and "乙所" in text and "退回修改" in text and "（无法识别）" in text
    assert "D38" in text and "线上开展" in text and "2024年上半年" in text


def test_receipt_returns_carry_the_forms_contact_address():
    import json

    from rtr.workbooks.receipts import receipt_from_rows

    file_row = {"path": "a.xlsx", "seen_at": "2024-07-03T02:00:00+00:00", "sha256": "0" * 64}
    file_row |= {"outcome": "processed", "message": None}

    def row(i: int, values: dict, **columns) -> dict:
        base = {"id": i, "firm_name": "甲", "uscc": "31", "period": "2024H1", "sheet": "表", "row": i}
        return base | {"status": "accepted", "values_json": json.dumps(values, ensure_ascii=i % 2 == 0)} | columns

    rows = [
        row(1, {"lawyers": 3, "contact_email": "wang＠x.cn"}),
        row(2, {"contact_email": None, "plans": '写了 "contact_email": "no@x.cn"'}),  # not H10's
        row(3, {"contact_email": 'a"b@x.cn'}),
        row(4, {}, contact_email="col@x.cn"),  # a column of the store, when it has one
    ]
    data = receipt_from_rows(file_row, rows, [], {})
    assert [r.contact_email for r in data.returns] == ["wang＠x.cn", None, 'a"b@x.cn', "col@x.cn"]


def receipt_text(data: ReceiptData, settings=None) -> tuple[str, object]:
    from rtr.workbooks.receipts import DEFAULT_SETTINGS

    ws = ox_load(io.BytesIO(build_receipt(data, "报表", settings or DEFAULT_SETTINGS))).active
    text = "\n".join(" ".join(str(c.value) for c in row if c.value is not None) for row in ws.iter_rows())
    return text, ws


def one_return(status: str, findings=(), *, row=None, received="2024-07-05T04:20:04+00:00", period="2024H1"):
    return ReceiptData(
        "广州市/甲所.xlsx",
        received,
        "ab" * 32,
        "processed",
        None,
        [ReceiptReturn("甲所", "31", period, "表", row, status, list(findings))],
    )


def test_receipt_speaks_plainly_in_local_time():
    from rtr.workbooks.receipts import ReceiptSettings

    error = Finding("E06", "error", "党员律师数大于执业律师数", sheet="表", cell="D14", value="35", label="党员律师数")
    text, _ = receipt_text(one_return("rejected", [error]))
    assert "收到时间 2024年7月5日 12:20" in text and "+00:00" not in text and "T04" not in text
    assert "已读取" not in text and "处理情况 已收到，审核结果见下表" in text
    assert "报表未通过强制性审核，已退回修改，不计入本期统计。" in text
    assert "请于2024年7月10日前修改后重新报送。" in text
    assert not re.search(r"；(\n|$)", text)  # no sentence left hanging on a semicolon
    assert "联系方式" not in text  # none configured
    late = one_return("rejected", [error], received="2024-07-12T02:00:00+00:00")
    assert "本期报送截止日期（2024年7月10日）已过" in receipt_text(late)[0]
    h2 = one_return("rejected", [error], period="2024H2", received="2025-01-02T02:00:00+00:00")
    settings = ReceiptSettings("Asia/Shanghai", "省律师行业党委办公室 020-83838383", "07-15", "01-15")
    text, _ = receipt_text(h2, settings)
    assert "请于2025年1月15日前修改后重新报送。" in text and "联系方式 省律师行业党委办公室 020-83838383" in text
    assert "收到时间 2025年1月2日 10:00" in receipt_text(h2, ReceiptSettings(timezone="Asia/Shanghai"))[0]
    many = ReceiptData("x.xlsx", "2024-07-05", "0" * 64, "processed", None, [one_return("accepted").returns[0]] * 3)
    assert "共收到报表3份，均已采用，计入本期统计。" in receipt_text(many)[0] and "0份" not in receipt_text(many)[0]
    accepted, _ = receipt_text(one_return("accepted"))
    assert "报表已采用，计入本期统计。" in accepted and "重新报送" not in accepted


def test_the_row_column_only_for_roster_files_and_labels_keep_their_own_cells():
    _, ws = receipt_text(one_return("accepted"))
    heads = [c.value for row in ws.iter_rows() for c in row if c.value == "行号"]
    assert heads == []
    _, roster = receipt_text(one_return("accepted", row=7))
    assert any(c.value == "行号" for row in roster.iter_rows() for c in row)
    merged = {str(r) for r in ws.merged_cells.ranges}
    labels = [
        row[0] for row in ws.iter_rows() if row[0].value in ("文件", "收到时间", "处理情况", "结论", "文件校验码")
    ]
    assert len(labels) == 5 and all(f"B{c.row}:J{c.row}" in merged for c in labels)
    width = ws.column_dimensions["A"].width
    assert all(len(c.value) * 2 + 1 <= width for c in labels)  # each label fits its column
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage


def test_several_returns_conclude_in_whole_sentences():
    from rtr.workbooks.receipts import conclusion

    warn = Finding("W07", "warning", "三会一课不足")
    data = ReceiptData(
        "x.xlsx",
        "2024-07-05",
        "0" * 64,
        "processed",
        None,
        [
            ReceiptReturn("甲", "1", "2024H1", "表", 2, "accepted", [warn]),
            ReceiptReturn("乙", "2", "2024H1", "表", 3, "rejected"),
        ],
    )
    text = conclusion(data)
    assert (
        text
        == "共收到报表2份：已采用1份，退回修改1份。退回的报表须按问题清单修改后重新报送。核实性问题请核对，如属实请在报表“备注”列说明。"
    )


def test_a_long_value_is_cut_in_its_cell():
    long = Finding("W11", "warning", "文字过长", sheet="表", cell="D60", value="坚持党建引领，" * 300, label="特色做法")
    text, ws = receipt_text(one_return("accepted", [long]))
    assert "……（共2,100字）" in text
    assert all(len(str(c.value)) < 200 for row in ws.iter_rows() for c in row if c.value)
