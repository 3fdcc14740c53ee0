"""Mail to firms: each receipt after the intake that wrote it, reminders before the deadline, and after
it each city's list of firms still missing. What goes to whom is decided in the core (rtr/mail.py,
rtr/reminders.py); here the store is read, the mails sent and every attempt recorded in the
delivery ledger, so each mail goes once and a failed one is sent by a later run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flows.setup import Setup, local_now
from flows.smtp import Mailer, password_of
from flows.status import period_progress
from rtr.config import ConfigError
from rtr.deadlines import date_label, due_today
from rtr.filenames import receipt_name
from rtr.form.periods import Period
from rtr.mail import (
    TEMPLATE_FILES,
    Document,
    FirmMailContext,
    Outgoing,
    city_list_mails,
    plan_receipt_mails,
    receipt_document,
    reminder_mail,
)
from rtr.reminders import plan_city_lists, plan_reminders
from rtr.store import Store, deliveries, ledger
from rtr.store.receipts import receipt_rows
from rtr.workbooks.receipts import ReceiptSettings, build_receipt, receipt_from_rows

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@dataclass
class Mailing:
    """What one run of firm mail did, for the run's line and the CLI."""

    what: str  # 回执邮件 | 提醒邮件
    sent: int = 0
    failed: int = 0
    unchanged: int = 0  # already sent before
    no_address: list[str] = field(default_factory=list)  # firms that should have had mail but have no address
    first_error: str | None = None
    note: str | None = None  # e.g. no reminder is due today

    def line(self) -> str:
        parts = [f"{self.what}：已发送 {self.sent} 封"]
        if self.failed:
            parts.append(f"发送失败 {self.failed} 封（{self.first_error}）")
        if self.no_address:
            parts.append(
                f"没有联系邮箱 {len(self.no_address)} 家（{'、'.join(self.no_address[:3])}{'等' if len(self.no_address) > 3 else ''}）"
            )
        if self.note:
            parts.append(self.note)
        return " | ".join(parts)


def mail_context(setup: Setup) -> FirmMailContext:
    texts = {
        kind: ((TEMPLATES / s).read_text(encoding="utf-8"), (TEMPLATES / b).read_text(encoding="utf-8"))
        for kind, (s, b) in TEMPLATE_FILES.items()
    }
    cfg = setup.config
    return FirmMailContext(texts, cfg.deadline, setup.today, cfg.report.office_contact, cfg.schedule.timezone)


def _send(
    setup: Setup, store: Store, mailer: Mailer, mails: list[Outgoing], mailing: Mailing, announce: Callable | None
) -> list[bool]:
    sender = setup.config.email.sender or setup.config.email.user
    results = []
    for o in mails:
        if announce:
            announce(f"发送给 {o.recipient}：{o.subject}")
        sent = mailer.send(o.message(sender, local_now(setup.config)), o.recipient)
        with store.transaction() as conn:
            deliveries.record_delivery(
                conn,
                period=o.period,
                document=o.document,
                sha256=o.version,
                recipient=o.recipient,
                status="sent" if sent.ok else "failed",
                attempts=sent.attempts,
                error=sent.error,
            )
        if sent.ok:
            mailing.sent += 1
        else:
            mailing.failed += 1
            mailing.first_error = mailing.first_error or sent.error
        results.append(sent.ok)
    return results


def _mailer(setup: Setup, announce: Callable | None, sleep: Callable[[float], None]) -> Mailer:
    email = setup.config.email
    return Mailer(email, password_of(email), sleep, announce)


def send_receipts(
    setup: Setup, store: Store, *, announce: Callable | None = None, sleep: Callable[[float], None] = time.sleep
) -> Mailing:
    """Every receipt still to be mailed (`mail_due`: written since, or a mail of it failed), to each
    of its firms' addresses once per version of what it says of them."""
    mailing = Mailing("回执邮件")
    with store.transaction() as conn:
        ids = ledger.mails_due(conn)
        if not ids:
            return mailing
        rows = receipt_rows(conn, ids)
        sent = deliveries.sent_pairs(conn, "回执/")
    cfg = setup.config
    ctx = mail_context(setup)
    mailer = _mailer(setup, announce, sleep)
    roster_emails = {f.uscc: f.contact_email for f in setup.roster or [] if f.contact_email}
    settings = ReceiptSettings(cfg.schedule.timezone, cfg.report.office_contact, cfg.deadline.h1, cfg.deadline.h2)
    done = []
    for file_row, return_rows, finding_rows, replacements in rows:
        data = receipt_from_rows(file_row, return_rows, finding_rows, replacements)
        path = cfg.receipts / receipt_name(file_row["path"])
        workbook = path.read_bytes() if path.is_file() else build_receipt(data, setup.schema.title, settings)
        plan = plan_receipt_mails([(data, receipt_document(file_row["path"], workbook))], roster_emails, sent, ctx)
        mailing.unchanged += plan.unchanged
        mailing.no_address += [r.firm_name or r.uscc or file for file, r in plan.no_address]
        if all(_send(setup, store, mailer, plan.to_send, mailing, announce)):
            done.append(file_row["id"])
    with store.transaction() as conn:
        ledger.mark_mailed(conn, done)
    return mailing


def blank_form(setup: Setup) -> Document:
    """The blank form, as a reminder to a firm that sent nothing carries it."""
    from rtr.workbooks.formgen import build_form, workbook_bytes  # openpyxl: only when a reminder goes

    wb, _ = build_form(setup.schema, setup.config.cities, thresholds=setup.config.thresholds)
    return Document(f"{setup.schema.title}.xlsx", "空白报表", workbook_bytes(wb))


def send_reminders(
    setup: Setup,
    store: Store,
    period: Period,
    *,
    announce: Callable | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Mailing:
    """The reminders due today for `period` (each firm once per reminder day), and after the deadline
    each city's list of firms still missing (once per recipient)."""
    cfg = setup.config
    mailing = Mailing("提醒邮件")
    due = due_today(period, setup.today, cfg.deadline)
    progress = period_progress(setup, store, period)
    with store.transaction() as conn:
        sent = deliveries.sent_pairs(conn, "提醒/") | deliveries.sent_pairs(conn, "未报送名单/")
    ctx = mail_context(setup)
    mails: list[Outgoing] = []
    if due.reminder is not None:
        plan = plan_reminders(progress, due.reminder, sent)
        mailing.unchanged += plan.already_sent
        mailing.no_address += [r.firm.firm_name or r.firm.uscc for r in plan.no_address]
        if plan.to_send:
            form = blank_form(setup)
            mails += [reminder_mail(r, ctx, form) for r in plan.to_send]
    if due.city_lists:
        as_of = date_label(setup.today)
        for listed, recipients in plan_city_lists(progress, cfg.email.city_recipients, sent):
            mails += city_list_mails(listed, recipients, progress, ctx, as_of)
    if due.reminder is None and not due.city_lists:
        upcoming = f"下一次提醒：{date_label(due.next_reminder.on)}" if due.next_reminder else "本期没有提醒日"
        mailing.note = f"今天没有到期的提醒（截止日期 {date_label(due.deadline)}；{upcoming}）"
    _send(setup, store, _mailer(setup, announce, sleep), mails, mailing, announce)
    return mailing


def require_firm_mail(setup: Setup, what: str) -> None:
    email = setup.config.email
    on = email.receipts_to_firms if what == "receipts" else email.reminders
    key = "receipts_to_firms" if what == "receipts" else "reminders"
    if not (email.enabled and on):
        raise ConfigError(f"未启用：请在 config.toml [email] 中设置 enabled = true 和 {key} = true，以及服务器和发件人")
