"""The receipt (回执) for one input file: each return in it, its status, every finding. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rtr.checking.findings import SEVERITY_LABELS, Finding
from rtr.checking.records import stored_text
from rtr.form.periods import parse_period
from rtr.workbooks.xlsxwrite import Style, Workbook

STATUS_LABELS = {"accepted": "已采用", "rejected": "退回修改", "superseded": "已被替代（不计入）"}
OUTCOME_LABELS = {
    "processed": "已收到，审核结果见下表",
    "unreadable": "文件无法读取",
    "duplicate": "重复发送（与已收到的文件内容相同）",
    "ignored": "未处理",
}
_STATUS_FILL = {"accepted": "E2EFDA", "rejected": "FCE4D6", "superseded": "EDEDED"}


@dataclass(frozen=True)
class ReceiptReturn:
    firm_name: str | None
    uscc: str | None
    period: str | None
    sheet: str
    row: int | None
    status: str
    findings: list[Finding] = field(default_factory=list)
    contact_email: str | None = None  # H10 as written: where the firm's receipt mail goes (see mail.py)


@dataclass(frozen=True)
class ReceiptData:
    file: str
    received_at: str
    sha256: str
    outcome: str
    message: str | None
    returns: list[ReceiptReturn]
    file_findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class ReceiptSettings:
    """What a receipt tells the firm besides its own returns: local time, whom to contact, and by
    when to send a corrected return (`[schedule] timezone`, `[report] office_contact`, `[deadline]`)."""

    timezone: str = "Asia/Shanghai"
    contact: str = ""
    deadline_h1: str = "07-10"
    deadline_h2: str = "01-10"


DEFAULT_SETTINGS = ReceiptSettings()
# the problem list's columns; the return table above uses the same widths (one set suits both)
WIDTHS = (12, 24, 21, 14, 14, 12, 12, 12, 48, 22)


def _chars(value: object) -> float:
    """Width in column units as printed: a Chinese character a little over two, a digit or letter one."""
    return sum(2.2 if ord(ch) > 0x2E80 else 1.1 for ch in str(value))


def _height(values: tuple, widths: tuple[int, ...]) -> float:
    """Row height for wrapped text (no spreadsheet program fits it on its own when the file is printed)."""
    lines = max(1, *(math.ceil(_chars(v) / max(w - 2, 1)) for v, w in zip(values, widths, strict=False)))
    return 15.0 * lines


def _shortened(text: str, limit: int = 100) -> str:
    """The value as read, cut for its cell: the firm has the whole text in its own file."""
    return text if len(text) <= limit else f"{text[:limit]}……（共{len(text):,}字）"


def local_time(stamp: str, timezone: str) -> str:
    """`2024-07-05T04:20:04+00:00` → `2024年7月5日 12:20` where the office is; a naive time is UTC."""
    try:
        moment = datetime.fromisoformat(stamp)
        here = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo(timezone))
    except (ValueError, ZoneInfoNotFoundError):
        return stamp
    return f"{here.year}年{here.month}月{here.day}日 {here:%H:%M}"


def deadline_of(period_id: str | None, settings: ReceiptSettings) -> date | None:
    """The day a half-year's returns are due: H1's in its year, H2's in the next."""
    period = parse_period(period_id) if period_id else None
    if period is None:
        return None
    year, text = (period.year, settings.deadline_h1) if period.half == 1 else (period.year + 1, settings.deadline_h2)
    try:
        month, day = (int(x) for x in text.split("-"))
        return date(year, month, day)
    except ValueError:
        return None


def resubmit(data: ReceiptData, settings: ReceiptSettings) -> str:
    """By when a rejected return goes back: `请于2024年7月10日前…`; once that day has passed, `请尽快…`."""
    if data.outcome == "unreadable":
        return "请按下方说明处理后尽快重新发送。"
    days = [d for r in data.returns if r.status == "rejected" and (d := deadline_of(r.period, settings))]
    if not any(r.status == "rejected" for r in data.returns):
        return ""
    if not days:
        return "请修改后尽快重新报送。"
    due = min(days)
    try:
        moment = datetime.fromisoformat(data.received_at)
        received = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo(settings.timezone))
    except (ValueError, ZoneInfoNotFoundError):
        received = None
    when = f"{due.year}年{due.month}月{due.day}日"
    if received is not None and received.date() > due:
        return f"本期报送截止日期（{when}）已过，请修改后尽快重新报送。"
    return f"请于{when}前修改后重新报送。"


def conclusion(data: ReceiptData) -> str:
    if data.outcome == "unreadable":
        return "文件无法读取，未计入统计。"
    if data.outcome == "duplicate":
        return data.message or "与已收到的文件内容完全相同，未重复计入。"
    n = {s: sum(r.status == s for r in data.returns) for s in STATUS_LABELS}
    if len(data.returns) == 1:
        sentences = [
            {
                "accepted": "报表已采用，计入本期统计。",
                "rejected": "报表未通过强制性审核，已退回修改，不计入本期统计。",
                "superseded": "本报表已被同一律所后报的报表替代，不计入统计。",
            }.get(data.returns[0].status, "")
        ]
    elif n["accepted"] == len(data.returns):
        sentences = [f"共收到报表{len(data.returns)}份，均已采用，计入本期统计。"]
    else:
        words = {"accepted": "已采用", "rejected": "退回修改", "superseded": "已被替代"}
        parts = "，".join(f"{words[k]}{n[k]}份" for k in words if n[k])
        sentences = [f"共收到报表{len(data.returns)}份：{parts}。"]
        if n["rejected"]:
            sentences.append("退回的报表须按问题清单修改后重新报送。")
    if any(f.severity == "warning" for r in data.returns for f in r.findings):
        sentences.append("核实性问题请核对，如属实请在报表“备注”列说明。")
    return "".join(sentences)


_BODY = Style(font="宋体", size=10.5)
_LABEL = replace(_BODY, bold=True, v="top")
_INFO = replace(_BODY, v="top", wrap=True)
_SECTION = Style(font="黑体", size=12)
_CELL = replace(_BODY, v="top", border=True)
_HEAD = replace(_CELL, bold=True, fill="D9E1F2", wrap=True)
_WRAPPED = replace(_CELL, wrap=True)
_COUNT = replace(_CELL, h="center")
_STATUS = {status: replace(_CELL, fill=color, wrap=True) for status, color in _STATUS_FILL.items()}


_TITLE = Style(font="黑体", size=16, bold=True, h="center")
# registered in this order in every receipt, so every receipt has the same styles part
_ALL_STYLES = (_BODY, _LABEL, _INFO, _SECTION, _CELL, _HEAD, _WRAPPED, _COUNT, *_STATUS.values(), _TITLE)


def build_receipt(data: ReceiptData, title: str, settings: ReceiptSettings = DEFAULT_SETTINGS) -> bytes:
    wb = Workbook(_ALL_STYLES)
    ws = wb.sheet("回执")
    ws.row(1, [f"{title}回执"], _TITLE)
    ws.merge("A1", "J1")
    info = [
        ("文件", data.file),
        ("收到时间", local_time(data.received_at, settings.timezone)),
        ("处理情况", OUTCOME_LABELS.get(data.outcome, data.outcome)),
        ("结论", conclusion(data)),
        ("重新报送", resubmit(data, settings)),
        ("联系方式", settings.contact),
        ("文件校验码", data.sha256[:16]),
    ]
    row = 3
    value_width = (sum(WIDTHS[1:]),)
    for label, value in info:
        if not value:
            continue
        # the label has a column wide enough for it, so it never runs into its value when printed
        ws.row(row, [label, value], [_LABEL, _INFO], height=_height((value,), value_width))
        ws.merge(f"B{row}", f"J{row}")
        row += 1
    row += 1

    if data.returns:
        ws.row(row, ["一、报表审核结果"], _SECTION)
        row += 1
        with_rows = any(r.row for r in data.returns)  # 行号 only for a roster-layout file
        heads = ("序号", "律所名称", "统一社会信用代码", "计入报告期", "工作表", *(("行号",) if with_rows else ()))
        heads += ("审核结果", "强制性问题", "核实性问题")
        ws.row(row, heads, _HEAD)
        status_col = len(heads) - 3
        for i, r in enumerate(data.returns, 1):
            row += 1
            period = parse_period(r.period) if r.period else None
            values = (
                i,
                r.firm_name or "（未填写）",
                r.uscc or "",
                period.label if period else "（无法识别）",
                r.sheet,
                *((r.row or "",) if with_rows else ()),
                STATUS_LABELS.get(r.status, r.status),
                sum(f.severity == "error" for f in r.findings),
                sum(f.severity == "warning" for f in r.findings),
            )
            styles = [_WRAPPED if col in (1, 4) else _CELL for col in range(len(values))]
            styles[status_col] = _STATUS.get(r.status, _CELL)
            styles[status_col + 1] = styles[status_col + 2] = _COUNT
            ws.row(row, values, styles, height=_height(values, WIDTHS))
        row += 2

    problems = [(None, f) for f in data.file_findings] + [(r, f) for r in data.returns for f in r.findings]
    ws.row(row, ["二、问题清单" if data.returns else "问题说明"], _SECTION)
    row += 1
    heads = ("序号", "律所名称", "项目", "单元格", "工作表", "规则", "类别", "填报值", "问题说明及修改要求", "律所备注")
    ws.row(row, heads, _HEAD)
    if not problems:
        row += 1
        ws.row(row, ["未发现问题。"], _BODY)
        ws.merge(f"A{row}", f"J{row}")
    wrapped = [_WRAPPED if col in (2, 3, 5, 8, 9, 10) else _CELL for col in range(1, 11)]
    for i, (r, f) in enumerate(problems, 1):
        row += 1
        values = (
            i,
            (r.firm_name if r else "") or "",
            f.label or "",
            f.cell or "",
            f.sheet or "",
            f.rule,
            SEVERITY_LABELS.get(f.severity, f.severity),
            _shortened(f.value or ""),
            f.message,
            f.remark or "",
        )
        ws.row(row, values, wrapped, height=_height(values, WIDTHS))
    ws.widths = dict(enumerate(WIDTHS, 1))
    ws.landscape = ws.fit_width = True
    return wb.bytes()


def receipt_from_rows(
    file_row: dict, return_rows: list[dict], finding_rows: list[dict], replacements: dict[int, dict]
) -> ReceiptData:
    """Store rows → receipt data; a superseded return gets an S01 finding naming what replaced it."""

    def finding(row: dict) -> Finding:
        return Finding(
            **{
                k: row[k] for k in ("rule", "severity", "message", "sheet", "cell", "field", "label", "value", "remark")
            },
            file=file_row["path"],
        )

    by_return: dict[int, list[Finding]] = {}
    file_findings = []
    for row in finding_rows:
        if row["return_id"] is None:
            file_findings.append(finding(row))
        else:
            by_return.setdefault(row["return_id"], []).append(finding(row))
    items = []
    for r in return_rows:
        found = list(by_return.get(r["id"], []))
        if r["status"] == "superseded":
            other = replacements.get(r["id"])
            where_ = f"（文件：{other['path']}，工作表「{other['sheet']}」）" if other else ""
            found.insert(
                0,
                Finding(
                    rule="S01",
                    severity="superseded",
                    file=file_row["path"],
                    sheet=r["sheet"],
                    message=f"本报表已被同一律所同一报告期的另一份报表替代{where_}，不计入统计",
                ),
            )
        items.append(
            ReceiptReturn(
                r["firm_name"], r["uscc"], r["period"], r["sheet"], r["row"], r["status"], found, _contact_email(r)
            )
        )
    return ReceiptData(
        file=file_row["path"],
        received_at=file_row["seen_at"],
        sha256=file_row["sha256"],
        outcome=file_row["outcome"],
        message=file_row["message"],
        returns=items,
        file_findings=file_findings,
    )


def _contact_email(row: dict) -> str | None:
    """H10 of a stored return: a column of that name when the store has one, else from its values."""
    if "contact_email" in row:
        return row["contact_email"] or None
    return stored_text(row.get("values_json"), "contact_email")
