"""Firm-facing mail (receipts, reminders, the cities' lists) and the headers of every message."""

from __future__ import annotations

import email
import io
import smtplib
from datetime import date, datetime
from email import policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook as ox_load

from rtr.checking.findings import Finding
from rtr.config import Deadline
from rtr.deadlines import reminder_due
from rtr.form.periods import Period
from rtr.mail import (
    RECEIPT,
    RECEIPT_UPDATE,
    REMINDER_NOTHING_RECEIVED,
    REMINDER_SENT_BACK,
    TEMPLATE_FILES,
    Document,
    FirmMailContext,
    Parcel,
    build_message,
    city_list_mails,
    compose,
    plan_receipt_mails,
    receipt_document,
    receipt_key,
    reminder_mail,
    sender_domain,
)
from rtr.reminders import plan_city_lists, plan_reminders
from rtr.reporting.progress import build_progress
from rtr.workbooks.receipts import ReceiptData, ReceiptReturn, build_receipt
from tests.flows.test_delivery import Server
from tests.rtr.reporting.test_progress import CITIES, RETURNS, ROSTER

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 7, 5, 9, 30, tzinfo=SHANGHAI)
P = Period(2024, 1)
E06 = Finding(
    "E06", "error", "「表」D16单元格：党员律师数（35）大于执业律师数（30），请核实后修改", sheet="表", cell="D16"
)
W07 = Finding("W07", "warning", "「表」D39单元格：主题党日活动5次，少于6次", sheet="表", cell="D39", remark="线上开展")
SENDER = "省律师行业党委 <dangwei@lawyers.gd.cn>"


def texts() -> dict[str, tuple[str, str]]:
    return {
        k: ((TEMPLATES / s).read_text("utf-8"), (TEMPLATES / b).read_text("utf-8"))
        for k, (s, b) in TEMPLATE_FILES.items()
    }


def context(today: date = date(2024, 7, 5)) -> FirmMailContext:
    return FirmMailContext(texts(), Deadline(), today, "党委办公室 张三 020-12345678")


def rr(name, uscc, status, findings=(), email_=None, period="2024H1", row=None) -> ReceiptReturn:
    return ReceiptReturn(name, uscc, period, "表", row, status, list(findings), email_)


def receipt(file: str, *returns: ReceiptReturn) -> tuple[ReceiptData, Document]:
    data = ReceiptData(file, "2024-07-03T02:00:00+00:00", "ab" * 32, "processed", None, list(returns))
    return data, receipt_document(file, build_receipt(data, "律师事务所党建工作情况半年报表"))


# every message ---------------------------------------------------------------------------------


def test_every_message_has_a_local_date_and_a_message_id_on_the_senders_domain():
    parcel = Parcel("全省", "to@x.cn", (Document("报告.docx", "k", b"doc"),))
    msg = build_message(SENDER, parcel, "主题", "正文", now=NOW)
    assert msg["Date"] == "Fri, 05 Jul 2024 09:30:00 +0800"
    assert parsedate_to_datetime(msg["Date"]) == NOW
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@lawyers.gd.cn>")
    assert build_message(SENDER, parcel, "主题", "正文", now=NOW)["Message-ID"] != msg["Message-ID"]
    bare = build_message("dw@Lawyers.GD.cn", parcel, "s", "b")  # no time given: now, in the machine's zone
    assert parsedate_to_datetime(bare["Date"]).tzinfo is not None and bare["Message-ID"].endswith("@lawyers.gd.cn>")
    with pytest.raises(ValueError, match="aware"):
        compose(SENDER, "to@x.cn", "s", "b", (), datetime(2024, 7, 5, 9, 30))


def test_sender_domain():
    assert sender_domain("省律师行业党委 <dangwei@Lawyers.GD.cn>") == "lawyers.gd.cn"
    assert sender_domain("dw@x.cn") == "x.cn"
    assert sender_domain("robot") is None  # make_msgid then uses the machine's name


# receipts ----------------------------------------------------------------------------------------


def test_a_return_with_an_address_gets_its_receipt_with_what_to_do():
    data, doc = receipt("广州市/甲所.xlsx", rr("甲律师事务所", "A", "rejected", [E06], "jia＠Jia.cn"))
    plan = plan_receipt_mails([(data, doc)], {}, [], context())
    [mail] = plan.to_send
    assert mail.kind == RECEIPT and mail.recipient == "jia@jia.cn" and mail.period == "2024H1"
    assert mail.subject == "【回执】甲律师事务所 2024年上半年党建工作情况报表：退回修改"
    assert "于2024年7月10日前重新报送" in mail.body and E06.message in mail.body
    assert "2024年7月3日 10:00" in mail.body and "党委办公室 张三" in mail.body
    assert mail.attachments == (doc,) and doc.name == "甲所_回执.xlsx"
    assert mail.document.startswith("回执/广州市/甲所_回执.xlsx#")
    msg = mail.message(SENDER, NOW)
    [part] = list(msg.iter_attachments())
    assert part.get_filename() == "甲所_回执.xlsx" and part.get_content() == doc.data


def test_receipt_texts_for_each_status():
    ctx = context()
    warned = plan_receipt_mails([receipt("乙.xlsx", rr("乙所", "B", "accepted", [W07], "b@x.cn"))], {}, [], ctx).to_send
    assert warned[0].subject.endswith("：已采用")
    assert "“备注”栏" in warned[0].body and "线上开展" in warned[0].body and "2024年7月10日前" in warned[0].body
    clean = plan_receipt_mails([receipt("丙.xlsx", rr("丙所", "C", "accepted", [], "c@x.cn"))], {}, [], ctx).to_send
    assert "无需其他处理" in clean[0].body and "备注" not in clean[0].body
    replaced = plan_receipt_mails([receipt("丁.xlsx", rr("丁所", "D", "superseded", [], "d@x.cn"))], {}, [], ctx)
    assert replaced.to_send[0].subject == "【回执】丁所 2024年上半年党建工作情况报表：已被替代"
    assert "无需处理" in replaced.to_send[0].body
    late = plan_receipt_mails(
        [receipt("甲.xlsx", rr("甲所", "A", "rejected", [E06], "a@x.cn"))], {}, [], context(date(2024, 7, 20))
    )
    assert "报送截止日期2024年7月10日已过" in late.to_send[0].body


def test_a_roster_file_goes_to_each_firms_address_once():
    data, doc = receipt(
        "广州市/汇总表.xlsx",
        rr("甲所", "A", "accepted", [], "a@x.cn", row=4),
        rr("乙所", "B", "rejected", [E06], None, row=5),  # the roster's address
        rr("丙所", "C", "accepted", [], "shared@x.cn", row=6),
        rr("丁所", "D", "accepted", [], "SHARED@x.cn", row=7),  # the same address as 丙所's
        rr("戊所", "E", "accepted", [], "电话联系", row=8),  # no address at all
    )
    plan = plan_receipt_mails([(data, doc)], {"B": "b@roster.cn", "E": ""}, [], context())
    assert [m.recipient for m in plan.to_send] == ["a@x.cn", "b@roster.cn", "shared@x.cn"]
    assert plan.to_send[0].subject == "【回执】甲所 2024年上半年党建工作情况报表：已采用"
    assert plan.to_send[1].subject == "【回执】乙所 2024年上半年党建工作情况报表：退回修改"
    assert plan.to_send[2].subject == "【回执】汇总表 2024年上半年党建工作情况报表：已采用2份"
    assert "丙所、丁所：" in plan.to_send[2].body
    assert all(m.attachments == (doc,) for m in plan.to_send)
    assert [(f, r.firm_name) for f, r in plan.no_address] == [("广州市/汇总表.xlsx", "戊所")]


def test_exactly_once_per_receipt_version_and_an_update_when_it_changes():
    first = receipt(
        "广州市/汇总表.xlsx",
        rr("甲所", "A", "accepted", [], "a@x.cn", row=4),
        rr("乙所", "B", "accepted", [], "b@x.cn", row=5),
    )
    ctx = context()
    sent = [(m.document, m.recipient) for m in plan_receipt_mails([first], {}, [], ctx).to_send]
    again = plan_receipt_mails([first], {}, sent, ctx)
    assert again.to_send == [] and again.unchanged == 2
    # the receipt's workbook changing (a new layout) is no new version: nobody is mailed
    data, doc = first
    relaid = Document(doc.name, doc.key, doc.data + b" ")
    assert plan_receipt_mails([(data, relaid)], {}, sent, ctx).to_send == []
    # 乙所's return superseded by a later file: only 乙所 hears of it, as an update
    later = receipt(
        "广州市/汇总表.xlsx",
        rr("甲所", "A", "accepted", [], "a@x.cn", row=4),
        rr("乙所", "B", "superseded", [Finding("S01", "superseded", "本报表已被替代")], "b@x.cn", row=5),
    )
    update = plan_receipt_mails([later], {}, sent, ctx).to_send
    assert [(m.recipient, m.kind) for m in update] == [("b@x.cn", RECEIPT_UPDATE)]
    assert update[0].subject == "【回执更新】乙所 2024年上半年党建工作情况报表：已被替代"
    assert "此前的回执作废" in update[0].body
    sent.append((update[0].document, "b@x.cn"))
    assert plan_receipt_mails([later], {}, sent, ctx).to_send == []
    # a first receipt is never an update, whatever else was sent to that address
    other = receipt("别的.xlsx", rr("乙所", "B", "accepted", [], "b@x.cn"))
    assert [m.kind for m in plan_receipt_mails([other], {}, sent, ctx).to_send] == [RECEIPT]
    assert receipt_key("广州市/汇总表.xlsx") == "回执/广州市/汇总表_回执.xlsx"


def test_an_unreadable_file_names_nobody_to_write_to():
    data = ReceiptData("坏.xlsx", "2024-07-03", "0" * 64, "unreadable", "无法读取", [])
    plan = plan_receipt_mails([(data, receipt_document("坏.xlsx", b"x"))], {}, [], context())
    assert plan.to_send == [] and plan.no_address == [] and plan.unchanged == 0


# reminders and the cities' lists -------------------------------------------------------------------

BLANK = Document("律师事务所党建工作情况半年报表.xlsx", "空白报表", b"blank form")


def test_reminder_mails_carry_the_form_or_the_problems():
    progress = build_progress(P, CITIES, ROSTER, RETURNS)
    day = reminder_due(P, date(2024, 7, 5), Deadline())
    mails = {r.firm.uscc: reminder_mail(r, context(), BLANK) for r in plan_reminders(progress, day, []).to_send}
    nothing, sent_back = mails["C"], mails["B"]
    assert nothing.kind == REMINDER_NOTHING_RECEIVED and nothing.attachments == (BLANK,)
    assert nothing.recipient == "c@roster.cn" and nothing.document == "提醒/2024H1-7/C" and nothing.period == "2024H1"
    assert nothing.subject == "【报送提醒】丙所 2024年上半年党建工作情况报表请于2024年7月10日前报送"
    assert "截至2024年7月5日" in nothing.body and BLANK.name in nothing.body
    assert sent_back.kind == REMINDER_SENT_BACK and sent_back.attachments == ()
    assert "退回" in sent_back.subject and "党员律师数大于执业律师数" in sent_back.body
    [part] = list(nothing.message(SENDER, NOW).iter_attachments())
    assert part.get_filename() == BLANK.name


def test_a_citys_list_goes_to_each_recipient_with_the_full_list_attached():
    progress = build_progress(P, CITIES, ROSTER, RETURNS)
    ctx = context(date(2024, 7, 11))
    [(listed, recipients)] = plan_city_lists(progress, {"深圳市": ("a@sz.cn", "b@sz.cn")}, [])
    mails = city_list_mails(listed, recipients, progress, ctx, "2024年7月11日 09:00")
    assert [m.recipient for m in mails] == ["a@sz.cn", "b@sz.cn"] and {m.document for m in mails} == {
        "未报送名单/深圳市"
    }
    mail = mails[0]
    assert mail.subject == "【未报送名单】2024年上半年深圳市律师事务所党建工作情况报表（截止日期2024年7月10日）"
    assert "尚有2家律所未报送" in mail.body and "丙所（名录丙，c@roster.cn）" in mail.body and "丁所" in mail.body
    [attachment] = mail.attachments
    rows = list(ox_load(io.BytesIO(attachment.data)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[3:]] == ["丙所", "丁所"]


def test_firm_mail_arrives_over_smtp_with_its_headers_and_attachment():
    server = Server()
    server.up()
    try:
        data, doc = receipt("广州市/甲所.xlsx", rr("甲律师事务所", "A", "rejected", [E06], "jia@jia.cn"))
        [mail] = plan_receipt_mails([(data, doc)], {}, [], context()).to_send
        with smtplib.SMTP("127.0.0.1", server.port) as client:
            client.send_message(mail.message(SENDER, NOW))
    finally:
        server.down()
    [(rcpts, got)] = server.inbox.messages
    got = email.message_from_bytes(got.as_bytes(), policy=policy.default)
    assert rcpts == ["jia@jia.cn"] and got["Subject"] == mail.subject
    assert parsedate_to_datetime(got["Date"]) == NOW and got["Message-ID"].endswith("@lawyers.gd.cn>")
    [part] = list(got.iter_attachments())
    assert part.get_filename() == "甲所_回执.xlsx" and part.get_content() == doc.data
