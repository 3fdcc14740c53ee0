"""汇总表.xlsx: 全省汇总, 分地市, 律所明细, 审核问题, 未报送名单. Pure: data in, bytes out."""

from __future__ import annotations

from dataclasses import replace

from rtr.checking.findings import SEVERITY_LABELS
from rtr.form.schema import FormSchema
from rtr.reporting.metrics import COUNT_KEYS, LABELS, RATES
from rtr.workbooks.receipts import STATUS_LABELS
from rtr.workbooks.xlsxwrite import Sheet, Style, Workbook, col_letter

_HEAD = Style(font="黑体", bold=True, color="FFFFFF", fill="1F4E79", h="center", v="center", wrap=True)
_TITLE = Style(font="黑体", size=14, bold=True)
_TOTAL = Style(bold=True)
CITY_COLUMNS = (
    "firms",
    "lawyers",
    "members",
    "member_share",
    "org_own",
    "org_joint",
    "org_none",
    "own_org_rate",
    "org_coverage_rate",
    "work_coverage_rate",
    "should_build_rate",
    "yijiantiao_rate",
    "charter_rate",
    "legal_aid",
    "pro_bono",
    "expected_firms",
    "reported_firms",
    "report_rate",
)
PERCENT_KEYS = frozenset({*RATES, "report_rate"})


def _table(
    ws: Sheet,
    heads: list[str],
    rows: list[list[object]],
    formats: dict[int, str] | None = None,
    widths: list[int] | None = None,
    *,
    first_row: int = 1,
    row_styles: dict[int, Style] | None = None,
) -> None:
    """A header row and data rows from `first_row`; `formats` (by 1-based column) apply to numbers."""
    ws.row(first_row, heads, _HEAD, height=30)
    styles_by_format = {fmt: Style(fmt=fmt) for fmt in (formats or {}).values()}
    for r, row in enumerate(rows, first_row + 1):
        base = (row_styles or {}).get(r - first_row - 1)
        if formats:
            styles = [
                (replace(base, fmt=formats[col]) if base else styles_by_format[formats[col]])
                if col in formats and isinstance(value, int | float) and not isinstance(value, bool)
                else base
                for col, value in enumerate(row, 1)
            ]
            ws.row(r, row, styles)
        else:
            ws.row(r, row, base)
    ws.freeze = f"A{first_row + 1}"
    ws.autofilter = f"A{first_row}:{col_letter(max(1, len(heads)))}{max(first_row, first_row + len(rows))}"
    for col, head in enumerate(heads, 1):
        longest = max(
            [len(str(head)) * 2] + [len(str(r[col - 1])) * (2 if _wide(r[col - 1]) else 1) for r in rows[:500]]
        )
        ws.widths[col] = widths[col - 1] if widths else min(max(8, longest + 2), 60)


def _wide(value: object) -> bool:
    return isinstance(value, str) and any(ord(ch) > 0x2E80 for ch in value)


def _metric_format(key: str) -> str:
    return "0.0%" if key in PERCENT_KEYS else "#,##0.00" if key in ("revenue", "funds") else "#,##0"


def build_summary_workbook(
    summary: dict, cities: tuple[str, ...], firms: list[dict], schema: FormSchema, title: str
) -> bytes:
    wb = Workbook()
    ws = wb.sheet("全省汇总")
    m = summary["metrics"]
    keys = [*COUNT_KEYS, *RATES, "expected_firms", "reported_firms", "report_rate"]
    hoh, yoy = summary["changes"]["hoh"], summary["changes"]["yoy"]
    ws.row(1, [title], _TITLE)
    ws.row(2, ["指标", "本期", "较上半年（环比）", "较上年同期（同比）", "字段"], _HEAD, height=30)
    for r, key in enumerate(keys, 3):
        change = Style(fmt="+0.0;-0.0;0.0" if key in RATES else "+#,##0.##;-#,##0.##;0")
        ws.row(
            r,
            [LABELS[key], m.get(key), _change(hoh, key), _change(yoy, key), key],
            [None, Style(fmt=_metric_format(key)), change, change, None],
        )
    ws.freeze = "A3"
    ws.widths = dict(enumerate([30, 14, 18, 18, 28], 1))

    ws = wb.sheet("分地市")
    rows = [[city, *[summary["by_city"][city].get(k) for k in CITY_COLUMNS]] for city in cities]
    total = ["合计", *[m.get(k) for k in CITY_COLUMNS]]
    formats = {i + 2: _metric_format(k) for i, k in enumerate(CITY_COLUMNS)}
    _table(ws, ["地市", *[LABELS[k] for k in CITY_COLUMNS]], [*rows, total], formats, row_styles={len(rows): _TOTAL})

    ws = wb.sheet("律所明细")
    fields = [f for f in schema.fields if f.key not in ("highlights", "problems", "plans")]
    heads = [f.label for f in fields]
    detail = [[_plain(firm.get(f.key)) for f in fields] for firm in firms]
    formats = {i + 1: "#,##0.00" for i, f in enumerate(fields) if f.kind == "amount"}
    _table(ws, heads, detail, formats)

    ws = wb.sheet("审核问题")
    issues = [
        [
            s["city"] or "",
            s["firm_name"] or "",
            s["uscc"] or "",
            s["file"],
            STATUS_LABELS.get(s["status"], s["status"]),
            f["rule"],
            SEVERITY_LABELS.get(f["severity"], f["severity"]),
            f["cell"] or "",
            f["value"] or "",
            f["message"],
        ]
        for s in summary["submissions"]
        for f in s["findings"]
    ]
    issues += [
        ["", "", "", u["file"], "无法读取", u["rule"], SEVERITY_LABELS["file"], "", "", u["message"]]
        for u in summary["unreadable"]
    ]
    _table(
        ws,
        ["地市", "律所名称", "统一社会信用代码", "文件", "审核结果", "规则", "类别", "单元格", "填报值", "问题说明"],
        issues,
        widths=[10, 28, 22, 36, 12, 8, 12, 8, 16, 80],
    )

    ws = wb.sheet("未报送名单")
    missing = summary["missing"]
    if missing is None:
        _table(ws, ["说明"], [["未配置律所名录（paths.roster），无法列出未报送的律所。"]], widths=[60])
    else:
        _table(ws, ["地市", "律所名称", "统一社会信用代码"], [[f["city"], f["firm_name"], f["uscc"]] for f in missing])
    return wb.bytes()


def _change(change: dict | None, key: str) -> float | None:
    if change is None or key not in change:
        return None
    entry = change[key]
    return entry.get("delta_pp") if "delta_pp" in entry else entry.get("delta")


def _plain(value: object) -> object:
    if value is True:
        return "是"
    if value is False:
        return "否"
    return value
