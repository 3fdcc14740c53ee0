import io

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
