"""The receipt (回执) for one input file: each return in it, its status, every finding. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from rtr.checking.findings import SEVERITY_LABELS, Finding
from rtr.checking.records import stored_text
from rtr.form.periods import parse_period
from rtr.workbooks.xlsxwrite import Style, Workbook

STATUS_LABELS = {"accepted": "已采用", "rejected": "退回修改", "superseded": "已被替代（不计入）"}
OUTCOME_LABELS = {"processed": "已读取", "unreadable": "无法读取", "duplicate": "重复发送", "ignored": "已忽略"}
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


WIDTHS = (6, 26, 22, 12, 16, 8, 12, 14, 60, 24)


def _height(values: tuple, widths: tuple[int, ...]) -> float:
    """Row height for wrapped text (no spreadsheet program fits it on its own when the file is printed)."""
    lines = max(1, *(math.ceil(len(str(v)) * 2 / max(w - 1, 1)) for v, w in zip(values, widths, strict=False)))
    return 15.0 * lines


def conclusion(data: ReceiptData) -> str:
    if data.outcome == "unreadable":
        return "文件无法读取，未计入统计。请按下方说明处理后重新发送。"
    if data.outcome == "duplicate":
        return data.message or "与已收到的文件内容完全相同，未重复计入。"
    n = {s: sum(r.status == s for r in data.returns) for s in STATUS_LABELS}
    text = f"共读取报表{len(data.returns)}份：已采用{n['accepted']}份，退回修改{n['rejected']}份"
    if n["superseded"]:
        text += f"，已被替代{n['superseded']}份"
    text += "。"
    if n["rejected"]:
        text += "退回的报表须按问题清单修改后重新报送；"
    if any(f.severity == "warning" for r in data.returns for f in r.findings):
        text += "核实性问题请核对，如属实请在报表“备注”列说明。"
    return text


_BODY = Style(font="宋体", size=10.5)
_LABEL = replace(_BODY, bold=True)
_INFO = replace(_BODY, v="top", wrap=True)
_SECTION = Style(font="黑体", size=12)
_CELL = replace(_BODY, v="top", border=True)
_HEAD = replace(_CELL, bold=True, fill="D9E1F2")
_WRAPPED = replace(_CELL, wrap=True)
_STATUS = {status: replace(_CELL, fill=color) for status, color in _STATUS_FILL.items()}


_TITLE = Style(font="黑体", size=16, bold=True, h="center")
# registered in this order in every receipt, so every receipt has the same styles part
_ALL_STYLES = (_BODY, _LABEL, _INFO, _SECTION, _CELL, _HEAD, _WRAPPED, *_STATUS.values(), _TITLE)


def build_receipt(data: ReceiptData, title: str) -> bytes:
    wb = Workbook(_ALL_STYLES)
    ws = wb.sheet("回执")
    ws.row(1, [f"{title}回执"], _TITLE)
    ws.merge("A1", "I1")
    info = (
        ("文件", data.file),
        ("收到时间", data.received_at),
        ("文件校验码", data.sha256[:16]),
        ("处理结果", OUTCOME_LABELS.get(data.outcome, data.outcome)),
        ("结论", conclusion(data)),
    )
    row = 3
    for label, value in info:
        ws.row(row, [label, value], [_LABEL, _INFO], height=_height((value,), (sum(WIDTHS[1:9]),)))
        ws.merge(f"B{row}", f"I{row}")
        row += 1
    row += 1

    if data.returns:
        ws.row(row, ["一、报表审核结果"], _SECTION)
        row += 1
        heads = (
            "序号",
            "律所名称",
            "统一社会信用代码",
            "报告期",
            "工作表",
            "行号",
            "审核结果",
            "强制性问题",
            "核实性问题",
        )
        ws.row(row, heads, _HEAD)
        for i, r in enumerate(data.returns, 1):
            row += 1
            period = parse_period(r.period) if r.period else None
            values = (
                i,
                r.firm_name or "（未填写）",
                r.uscc or "",
                period.label if period else "（无法识别）",
                r.sheet,
                r.row or "",
                STATUS_LABELS.get(r.status, r.status),
                sum(f.severity == "error" for f in r.findings),
                sum(f.severity == "warning" for f in r.findings),
            )
            styles = [_CELL] * len(values)
            styles[6] = _STATUS.get(r.status, _CELL)
            ws.row(row, values, styles)
        row += 2

    problems = [(None, f) for f in data.file_findings] + [(r, f) for r in data.returns for f in r.findings]
    ws.row(row, ["二、问题清单" if data.returns else "问题说明"], _SECTION)
    row += 1
    # columns line up with the table above, so one set of widths suits both
    heads = ("序号", "律所名称", "项目", "单元格", "工作表", "规则", "类别", "填报值", "问题说明及修改要求", "律所备注")
    ws.row(row, heads, _HEAD)
    if not problems:
        row += 1
        ws.row(row, ["未发现问题。"], _BODY)
        ws.merge(f"A{row}", f"J{row}")
    wrapped = [_WRAPPED if col in (2, 3, 8, 9, 10) else _CELL for col in range(1, 11)]
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
            f.value or "",
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
