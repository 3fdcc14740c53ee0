"""汇总表.xlsx: 全省汇总, 分地市, 律所明细, 审核问题, 未报送名单. Pure: data in, bytes out.

Every sheet prints: A4, landscape where it is wide, fit to the page's width where that stays
legible, its header rows (and in 律所明细 the firm's name) repeated on every page; headers and long
texts wrap. The counts 三、存在问题 states are rows of 全省汇总 (审核情况) or filters of 审核问题.
"""

from __future__ import annotations

import math
from dataclasses import replace

from rtr.checking.catalogue import CATALOGUE
from rtr.checking.findings import SEVERITY_LABELS
from rtr.form.periods import parse_period
from rtr.form.schema import FormSchema
from rtr.reporting.metrics import COUNT_KEYS, RATES, RECEIVED_KEYS, UNKNOWN_CITY, labels, sent_back
from rtr.reporting.phrasing import against_label, points
from rtr.reporting.report_context import city_order, unreported_and_sent_back, warning_counts, warning_findings
from rtr.workbooks.receipts import STATUS_LABELS
from rtr.workbooks.xlsxwrite import Sheet, Style, Workbook, col_letter

_HEAD = Style(font="黑体", bold=True, color="FFFFFF", fill="1F4E79", h="center", v="center", wrap=True)
_TITLE = Style(font="黑体", size=14, bold=True)
_NOTE = Style(size=10, v="top", wrap=True)
_SECTION = Style(font="黑体", bold=True, fill="D9E1F2")
_TOTAL = Style(bold=True)
_TEXT = Style(v="top", wrap=True)
_TOP = Style(v="top")
AMOUNT_DELTA = "+#,##0.00;-#,##0.00;0.00"
CITY_COLUMNS = (
    "returns_received",
    "firms",
    "returns_rejected",
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
    "small_medium_firms",
    "small_medium_coverage_rate",
    "legal_aid",
    "pro_bono",
    "expected_firms",
    "reported_firms",
    "report_rate",
)
# 分地市's column heads, broken where a reader would break them (a narrow column cut 党的组织覆盖率
# as 党的组织覆盖/率); the roster's three only when there is a roster
CITY_HEADS = {
    "returns_received": "收到报表\n（份）",
    "firms": "采用报表\n（份）",
    "returns_rejected": "退回待修改\n（家）",
    "lawyers": "执业律师\n（人）",
    "members": "党员律师\n（人）",
    "member_share": "党员律师\n占比",
    "org_own": "单独建立\n党组织",
    "org_joint": "联合党支部\n覆盖",
    "org_none": "未建立\n党组织",
    "own_org_rate": "单独\n组建率",
    "org_coverage_rate": "党的组织\n覆盖率",
    "work_coverage_rate": "党的工作\n覆盖率",
    "should_build_rate": "应建\n尽建率",
    "yijiantiao_rate": "“一肩挑”\n比例",
    "charter_rate": "党建入章程\n比例",
    "small_medium_firms": "中小律所\n（家）",
    "small_medium_coverage_rate": "中小律所\n组织覆盖率",
    "legal_aid": "法律援助\n（件）",
    "pro_bono": "公益法律\n服务（次）",
    "expected_firms": "应报律所\n（家）",
    "reported_firms": "已采用\n（名录内）",
    "report_rate": "报送率",
}
ROSTER_COLUMNS = ("expected_firms", "reported_firms", "report_rate")
PERCENT_KEYS = frozenset({*RATES, "report_rate"})
AMOUNTS = frozenset({"revenue", "funds"})
PP = '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"'
DELTA = "+#,##0.##;-#,##0.##;0"
RELATIVE = "+0.0%;-0.0%;0.0%"


def _table(
    ws: Sheet,
    heads: list[str],
    rows: list[list[object]],
    formats: dict[int, str] | None = None,
    widths: list[int] | None = None,
    *,
    first_row: int = 1,
    row_styles: dict[int, Style] | None = None,
    totals: int = 0,
    wrap: frozenset[int] = frozenset(),
    head_height: float = 32,
) -> None:
    """A header row and data rows from `first_row`; `formats` (by 1-based column) apply to numbers,
    `wrap` columns wrap their text (the row is made tall enough: no spreadsheet program fits a
    row to wrapped text by itself when it prints); the last `totals` rows (合计) stay out of the
    autofilter."""
    for col, head in enumerate(heads, 1):
        longest = max(
            [min(len(str(head)), 8) * 2] + [len(str(r[col - 1])) * (2 if _wide(r[col - 1]) else 1) for r in rows[:500]]
        )
        ws.widths[col] = widths[col - 1] if widths else min(max(8, longest + 2), 30 if col in wrap else 60)
    ws.row(first_row, heads, _HEAD, height=head_height)
    styles_by_format = {fmt: Style(fmt=fmt, v="top") for fmt in (formats or {}).values()}
    for r, row in enumerate(rows, first_row + 1):
        base = (row_styles or {}).get(r - first_row - 1)
        styles = [
            (replace(base, fmt=formats[col]) if base else styles_by_format[formats[col]])
            if formats and col in formats and isinstance(value, int | float) and not isinstance(value, bool)
            else (_TEXT if col in wrap else _TOP)
            if base is None and wrap
            else base
            for col, value in enumerate(row, 1)
        ]
        lines = max((_lines(row[col - 1], ws.widths[col]) for col in wrap if col <= len(row)), default=1)
        ws.row(r, row, styles, height=15.0 * lines if lines > 1 else None)
    ws.freeze = f"A{first_row + 1}"
    last = max(first_row, first_row + len(rows) - totals)
    ws.autofilter = f"A{first_row}:{col_letter(max(1, len(heads)))}{last}"
    ws.print_rows = f"1:{first_row}"


def _lines(value: object, width: float) -> int:
    """How many lines a wrapped cell takes: a Chinese character is two column units, others one."""
    if value is None:
        return 1
    units = sum(2.2 if ord(ch) > 0x2E80 else 1.1 for ch in str(value))  # a little wider than the unit, as printed
    return max(1, math.ceil(units / max(width - 2, 1)))


def _wide(value: object) -> bool:
    return isinstance(value, str) and any(ord(ch) > 0x2E80 for ch in value)


def _metric_format(key: str) -> str:
    return "0.0%" if key in PERCENT_KEYS else "#,##0.00" if key in ("revenue", "funds") else "#,##0"


def _basis_note(changes: dict, against: dict[str, str]) -> str:
    parts = []
    for kind in ("hoh", "yoy"):
        c = changes.get(kind)
        if c is None:
            parts.append(f"无{against[kind]}数据")
        elif c.get("basis") == "like_for_like":
            parts.append(f"较{against[kind]}：同口径，两期均采用报表的律所{c['like_for_like']['base_firms']:,}家")
        else:
            parts.append(
                f"较{against[kind]}：不作比较（{against[kind]}采用报表{c['firms_then']:,}份，两期都采用报表的律所{c.get('like_for_like', {}).get('base_firms', 0):,}家，不足本期一半）"
            )
    return (
        "数量指标的变化："
        + "；".join(parts)
        + "。比例指标的变化为两期全部采用报表的比例之差，单位为个百分点。“审核情况”为已采用报表中有该项核实性问题的报表份数，明细见“审核问题”。"
    )


def build_summary_workbook(
    summary: dict,
    cities: tuple[str, ...],
    firms: list[dict],
    schema: FormSchema,
    title: str,
    own_org_min_full_members: int = 3,
) -> bytes:
    wb = Workbook()
    words = labels(own_org_min_full_members)
    period = parse_period(summary["period"])
    previous = period.previous() if period else None
    against = {k: against_label(k, previous.label if previous else "") for k in ("hoh", "yoy")}
    m = summary["metrics"]
    changes = summary["changes"]

    ws = wb.sheet("全省汇总")
    ws.row(1, [title], _TITLE)
    ws.merge("A1", "F1")
    ws.row(2, [_basis_note(changes, against)], _NOTE, height=58)
    ws.merge("A2", "F2")
    heads = [
        "指标",
        "本期",
        f"较{against['hoh']}",
        f"较{against['hoh']}\n增减率",
        f"较{against['yoy']}",
        f"较{against['yoy']}\n增减率",
    ]
    ws.row(3, heads, _HEAD, height=32)
    row = 4

    def section(text: str) -> None:
        nonlocal row
        ws.row(row, [text, "", "", "", "", ""], _SECTION)
        row += 1

    def line(label: str, value: object, fmt: str, key: str | None = None) -> None:
        nonlocal row
        cells: list[object] = [label, value]
        styles: list[Style | None] = [None, Style(fmt=fmt)]
        for kind in ("hoh", "yoy"):
            delta, relative = _change(changes.get(kind), key)
            cells += [delta, relative]
            styles += [
                Style(fmt=PP if key in RATES else AMOUNT_DELTA if key in AMOUNTS else DELTA),
                Style(fmt=RELATIVE),
            ]
        ws.row(row, cells, styles)
        row += 1

    section("一、报送情况")
    for key in (*RECEIVED_KEYS, "expected_firms", "reported_firms", "report_rate"):
        if m.get(key) is not None:
            line(words[key], m[key], _metric_format(key))
    section("二、主要指标")
    for key in (*COUNT_KEYS, *RATES):
        if key == "firms":
            continue  # the 采用报表 row above
        line(words[key], m.get(key), _metric_format(key), key)
    section("三、审核情况（已采用的报表）")
    counts = warning_counts(summary["submissions"])
    returns_warned, warnings = warning_findings(summary["submissions"])
    for rule in sorted(counts):
        line(f"{CATALOGUE.titled([rule], own_org_min_full_members)}（份）", counts[rule], "#,##0")
    line("有核实性问题的报表（份）", returns_warned, "#,##0")
    line("核实性问题（项）", warnings, "#,##0")
    ws.freeze = "A4"
    ws.widths = dict(enumerate([40, 14, 16, 14, 16, 14], 1))
    ws.print_rows = "3:3"
    ws.fit_width = True

    ws = wb.sheet("分地市")
    names = [*cities, *([UNKNOWN_CITY] if UNKNOWN_CITY in summary["by_city"] else [])]  # rows add up to 合计
    keys = [k for k in CITY_COLUMNS if m.get("expected_firms") is not None or k not in ROSTER_COLUMNS]
    rows = [[city, *[summary["by_city"][city].get(k) for k in keys]] for city in names]
    total = ["合计", *[m.get(k) for k in keys]]
    formats = {i + 2: _metric_format(k) for i, k in enumerate(keys)}
    heads = [CITY_HEADS[k] for k in keys]
    ws.row(1, [f"{title}（分地市）"], _TITLE)
    ws.merge("A1", f"{col_letter(len(keys) + 1)}1")
    _table(
        ws,
        ["地市", *heads],
        [*rows, total],
        formats,
        widths=[12, *[max(len(line) for line in h.split("\n")) * 2 + 2 for h in heads]],
        first_row=2,
        row_styles={len(rows): _TOTAL},
        totals=1,
        head_height=36,  # two lines
    )
    ws.landscape = ws.fit_width = True
    ws.print_cols = "A:A"

    ws = wb.sheet("律所明细")
    fields = [f for f in schema.fields if f.key not in ("highlights", "problems", "plans")]
    heads = [f.label for f in fields]
    detail = [[_shown(f.key, firm.get(f.key)) for f in fields] for firm in firms]
    formats = {i + 1: "#,##0.00" for i, f in enumerate(fields) if f.kind == "amount"}
    # one line a firm (columns as wide as their text, up to 60): wrapped names made rows two lines
    # tall and a 2,000-firm sample 670 printed pages
    _table(ws, heads, detail, formats)
    name_col = next((i + 1 for i, f in enumerate(fields) if f.key == "firm_name"), 1)
    ws.freeze = f"{col_letter(name_col + 1)}2"  # the firm's name stays in sight when scrolling right
    ws.landscape = True  # about fifty columns: pages across, each with the header row and the name
    ws.print_scale = 70
    ws.print_cols = f"{col_letter(name_col)}:{col_letter(name_col)}"

    ws = wb.sheet("审核问题")
    # by city in the configured order, then firm: as 未报送名单 and the reports' lists
    ranked = sorted(summary["submissions"], key=city_order(list(cities)))
    issues = [
        [
            s["city"] or UNKNOWN_CITY,
            s["firm_name"] or "（未填写）",
            s["uscc"] or "",
            s["file"],
            STATUS_LABELS.get(s["status"], s["status"]),
            f["rule"],
            SEVERITY_LABELS.get(f["severity"], f["severity"]),
            f["cell"] or "",
            shortened(f["value"] or ""),
            f["message"],
        ]
        for s in ranked
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
        widths=[9, 22, 21, 28, 10, 6, 11, 7, 12, 60],
        wrap=frozenset({2, 4, 9, 10}),
    )
    ws.landscape = ws.fit_width = True

    ws = wb.sheet("未报送名单")
    unreported, back = unreported_and_sent_back(
        summary["missing"], sent_back(summary["submissions"]), list(cities), own_org_min_full_members
    )
    listed = [[f["city"], f["firm_name"], f["uscc"], "未报送", ""] for f in unreported]
    listed += [[f["city"], f["firm_name"], f["uscc"], "已退回待修改", f["rules"]] for f in back]
    order = {c: i for i, c in enumerate(cities)}
    listed.sort(key=lambda r: (order.get(r[0], len(order)), r[0], r[3] != "未报送", r[1]))
    note = (
        f"名录内应报{m['expected_firms']:,}家，未报送{len(unreported):,}家；已退回待修改{len(back):,}家（退回原因的详细说明见各律所回执）。"
        if summary["missing"] is not None
        else f"未提供律所名录，无法列出未报送的律所；以下为已退回待修改的律所{len(back):,}家（退回原因的详细说明见各律所回执）。"
    )
    ws.row(1, [note], _NOTE, height=32)
    ws.merge("A1", "E1")
    _table(
        ws,
        ["地市", "律所名称", "统一社会信用代码", "情况", "退回原因（审核规则）"],
        listed,
        widths=[10, 30, 21, 13, 46],
        first_row=2,
        wrap=frozenset({2, 5}),
    )
    ws.fit_width = True
    return wb.bytes()


def shortened(text: str, limit: int = 60) -> str:
    """A value as read, cut for a table cell (W11's are thousands of characters long)."""
    return text if len(text) <= limit else f"{text[:limit]}……（共{len(text):,}字）"


def _change(change: dict | None, key: str | None) -> tuple[float | None, float | None]:
    """(change, relative change) as the documents state them: counts like for like or not at all."""
    if change is None or key is None or key not in change:
        return None, None
    if key in RATES:
        return points(change[key]), None
    if change.get("basis") != "like_for_like":
        return None, None  # too few firms in both periods: their difference is not the sector's
    entry = change["like_for_like"][key]
    return entry.get("delta"), entry.get("relative")


def _shown(key: str, value: object) -> object:
    """A firm's value in 律所明细: the period as 2024年上半年, yes/no as 是/否."""
    if key == "period" and isinstance(value, str) and (p := parse_period(value)) is not None:
        return p.label
    return _plain(value)


def _plain(value: object) -> object:
    if value is True:
        return "是"
    if value is False:
        return "否"
    return value
