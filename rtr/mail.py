"""Which documents go to whom, and the messages that carry them. Pure: no SMTP, no files.

The period's documents go to the configured recipients (plan_parcels); receipts, reminders and
the cities' lists of firms still missing go to the firms and cities (the rest of this module).
Every message has a Date and a Message-ID (compose). Texts are Jinja templates under templates/.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import Environment, StrictUndefined, Template

from rtr.config import Email
from rtr.deadlines import DeadlineSettings, date_label, due_date
from rtr.filenames import receipt_name
from rtr.form.periods import parse_period
from rtr.reading.emails import firm_address
from rtr.reminders import NOTHING_RECEIVED, CityList, Reminder
from rtr.reporting.phrasing import pct
from rtr.reporting.progress import FirmStanding, Progress
from rtr.workbooks.progress_workbook import build_missing_list
from rtr.workbooks.receipts import ReceiptData, ReceiptReturn

PROVINCE = "全省"
_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@dataclass(frozen=True)
class Document:
    name: str  # the file name the recipient sees, e.g. 广州市.docx
    key: str  # its path under the period's output folder: the ledger's document id
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Parcel:
    """One message's worth: the documents of one scope, for one recipient."""

    scope: str  # 全省 or a city
    recipient: str
    documents: tuple[Document, ...]


def plan_parcels(email: Email, province_docs: list[Document], city_docs: dict[str, list[Document]]) -> list[Parcel]:
    parcels = [Parcel(PROVINCE, r, tuple(province_docs)) for r in email.province_recipients]
    for city, recipients in email.city_recipients.items():
        docs = city_docs.get(city)
        if docs:
            parcels += [Parcel(city, r, tuple(docs)) for r in recipients]
    return parcels


def mime_type(name: str) -> tuple[str, str]:
    suffix = name[name.rfind(".") :].lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    main, _, sub = guessed.partition("/")
    return main, sub


_ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, trim_blocks=True)


@lru_cache(maxsize=64)
def _template(text: str) -> Template:
    """Compiled once per text: compiling took ≈12 ms a receipt mail, thousands after an intake."""
    return _ENV.from_string(text)


def render_texts(subject_template: str, body_template: str, variables: dict) -> tuple[str, str]:
    subject = " ".join(_template(subject_template).render(variables).split())
    return subject, _template(body_template).render(variables)


def text_variables(period_label: str, scope: str, metrics: dict, documents: tuple[Document, ...]) -> dict:
    return {
        "period_label": period_label,
        "scope": scope,
        "documents": [d.name for d in documents],
        "firms": metrics.get("firms", 0),
        "org_coverage_rate": pct(metrics.get("org_coverage_rate")),
        "work_coverage_rate": pct(metrics.get("work_coverage_rate")),
    }


# every message ---------------------------------------------------------------------------------


def sender_domain(sender: str) -> str | None:
    """The domain of the sender's address (`党委办公室 <dw@lawyers.gd.cn>` → lawyers.gd.cn), if it has one."""
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2] if "@" in address else ""
    return domain.strip().lower() or None


def compose(
    sender: str, recipient: str, subject: str, body: str, attachments: tuple[Document, ...], now: datetime | None
) -> EmailMessage:
    """A message with a Date in the local time zone (`now`, aware: pass the configured zone's time) and
    a Message-ID on the sender's domain: mail without either is scored as spam or refused by many
    servers. Attachment names in Chinese are encoded per RFC 2231 by the email package."""
    if now is None:
        now = datetime.now().astimezone()
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("the Date of a message needs an aware datetime (the configured time zone's)")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=sender_domain(sender))
    msg.set_content(body)
    for doc in attachments:
        main, sub = mime_type(doc.name)
        msg.add_attachment(doc.data, maintype=main, subtype=sub, filename=doc.name)
    return msg


def build_message(sender: str, parcel: Parcel, subject: str, body: str, now: datetime | None = None) -> EmailMessage:
    return compose(sender, parcel.recipient, subject, body, parcel.documents, now)


# firm-facing mail: receipts, reminders, and the cities' lists of firms still missing ------------

RECEIPT = "receipt"
RECEIPT_UPDATE = "receipt_update"
REMINDER_NOTHING_RECEIVED = "reminder_missing"
REMINDER_SENT_BACK = "reminder_rejected"
CITY_LIST = "city_list"
# kind of text → (subject template, body template) under templates/
TEMPLATE_FILES = {
    "receipt": ("receipt_subject.txt.j2", "receipt_body.txt.j2"),
    "reminder": ("reminder_subject.txt.j2", "reminder_body.txt.j2"),
    "city_list": ("city_list_subject.txt.j2", "city_list_body.txt.j2"),
}
SUBJECT_STATUS = {"accepted": "已采用", "rejected": "退回修改", "superseded": "已被替代"}
MAX_LISTED = 20  # problems or firms written out in a body; the attachment has them all


@dataclass(frozen=True)
class FirmMailContext:
    """What every firm-facing text needs. `templates`: kind → (subject, body) template texts, the
    files of TEMPLATE_FILES; `deadline`: config.deadline; `today`: the local date of the run."""

    templates: dict[str, tuple[str, str]]
    deadline: DeadlineSettings
    today: date
    office_contact: str = ""  # config.report.office_contact
    timezone: str = "Asia/Shanghai"  # config.schedule.timezone: the times a firm reads


@dataclass(frozen=True)
class Outgoing:
    """One message, and its identity in the delivery ledger: (period, document, recipient) is sent
    at most once (the `deliveries` table's unique key); `version` goes in its sha256 column."""

    kind: str
    period: str  # a period id, or "" (a receipt whose returns name none, or several)
    document: str
    recipient: str
    version: str
    subject: str
    body: str
    attachments: tuple[Document, ...] = ()

    def message(self, sender: str, now: datetime | None) -> EmailMessage:
        return compose(sender, self.recipient, self.subject, self.body, self.attachments, now)


def _texts(ctx: FirmMailContext, kind: str, variables: dict) -> tuple[str, str]:
    subject_t, body_t = ctx.templates[kind]
    return render_texts(subject_t, body_t, {"office_contact": ctx.office_contact, **variables})


def _local_time(iso: str, timezone: str) -> str:
    """The ledger's UTC time stamp as a firm reads it: 2024年7月3日 10:00 in the configured zone."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{date_label(local.date())} {local:%H:%M}"


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=str).encode()).hexdigest()


def _deadline(period_id: str | None, ctx: FirmMailContext) -> tuple[str, bool]:
    """The period's deadline as text (2024年7月10日), and whether it has passed."""
    period = parse_period(period_id) if period_id else None
    if period is None:
        return "", False
    due = due_date(period, ctx.deadline)
    return date_label(due), ctx.today > due


# receipts ----------------------------------------------------------------------------------------


def receipt_document(file: str, data: bytes) -> Document:
    """A file's receipt as an attachment: under its own Chinese name (某所_回执.xlsx)."""
    rel = receipt_name(file)
    return Document(rel.rsplit("/", 1)[-1], f"回执/{rel}", data)


@dataclass(frozen=True)
class ReceiptRecipient:
    address: str
    returns: tuple[ReceiptReturn, ...]  # the returns of the file whose firm has this address

    def version(self, data: ReceiptData) -> str:
        """What this recipient's receipt says: the file, its findings and these returns' statuses and
        findings. The workbook's bytes are not it: a new layout of the receipt must not mail every firm
        again, and another firm's row changing in a roster file is not news to this one."""
        return _digest(
            data.file,
            data.sha256,
            data.outcome,
            [(f.rule, f.cell, f.message) for f in data.file_findings],
            [
                (
                    r.uscc,
                    r.period,
                    r.sheet,
                    r.row,
                    r.status,
                    [(f.rule, f.severity, f.cell, f.message) for f in r.findings],
                )
                for r in self.returns
            ],
        )


def receipt_recipients(
    data: ReceiptData, roster_emails: Mapping[str, str]
) -> tuple[list[ReceiptRecipient], list[ReceiptReturn]]:
    """Each address the receipt goes to, once (a roster file's firms each get it; firms sharing an
    address get one mail), and the returns whose firm has no address. A return's address is its H10,
    else the roster's 联系邮箱 of its uscc (`roster_emails`: uscc → address)."""
    by_address: dict[str, list[ReceiptReturn]] = {}
    nowhere = []
    for r in data.returns:
        address = firm_address(r.contact_email, roster_emails.get(r.uscc or "", ""))
        if address:
            by_address.setdefault(address.casefold(), []).append(r)
        else:
            nowhere.append(r)
    recipients = [
        ReceiptRecipient(firm_address(rs[0].contact_email, roster_emails.get(rs[0].uscc or "", "")) or key, tuple(rs))
        for key, rs in by_address.items()
    ]
    return recipients, nowhere


def receipt_key(file: str) -> str:
    """The ledger's document for a file's receipt, without its version."""
    return receipt_document(file, b"").key[:480]


def receipt_mail_document(file: str, version: str) -> str:
    """The ledger's document for one version of a file's receipt: sent once per version and address."""
    return f"{receipt_key(file)}#{version[:16]}"


def _outcome(statuses: list[str]) -> str:
    if len(statuses) == 1:
        return SUBJECT_STATUS.get(statuses[0], statuses[0])
    counts = {s: statuses.count(s) for s in SUBJECT_STATUS if s in statuses}
    return "、".join(f"{SUBJECT_STATUS[s]}{n}份" for s, n in counts.items())


def receipt_mail(
    data: ReceiptData, recipient: ReceiptRecipient, receipt: Document, ctx: FirmMailContext, *, update: bool
) -> Outgoing:
    version = recipient.version(data)
    rs = recipient.returns
    names = list(dict.fromkeys(r.firm_name or "" for r in rs))
    periods = list(dict.fromkeys(r.period for r in rs if r.period))
    items = []
    for r in rs:
        due_label, passed = _deadline(r.period, ctx)
        period = parse_period(r.period) if r.period else None
        errors = [f.message for f in r.findings if f.severity == "error"]
        warnings = [
            f.message + (f"（贵所备注：{f.remark}）" if f.remark else "") for f in r.findings if f.severity == "warning"
        ]
        items.append(
            {
                "firm_name": r.firm_name or "（未填写律所名称）",
                "period_label": period.label if period else "（报告期无法识别）",
                "status": r.status,
                "status_label": SUBJECT_STATUS.get(r.status, r.status),
                "errors": errors[:MAX_LISTED],
                "more_errors": max(0, len(errors) - MAX_LISTED),
                "warnings": warnings[:MAX_LISTED],
                "more_warnings": max(0, len(warnings) - MAX_LISTED),
                "deadline_label": due_label,
                "deadline_passed": passed,
            }
        )
    subject, body = _texts(
        ctx,
        "receipt",
        {
            "update": update,
            "firm": names[0] if len(names) == 1 and names[0] else receipt.name.removesuffix("_回执.xlsx"),
            "greeting": "、".join(n for n in names if n) or "贵所",
            "period_label": parse_period(periods[0]).label if len(periods) == 1 else "",
            "outcome": _outcome([r.status for r in rs]),
            "file": data.file,
            "received_at": _local_time(data.received_at, ctx.timezone),
            "returns": items,
            "attachment": receipt.name,
        },
    )
    return Outgoing(
        kind=RECEIPT_UPDATE if update else RECEIPT,
        period=periods[0] if len(periods) == 1 else "",
        document=receipt_mail_document(data.file, version),
        recipient=recipient.address,
        version=version,
        subject=subject,
        body=body,
        attachments=(receipt,),
    )


@dataclass(frozen=True)
class ReceiptMailPlan:
    to_send: list[Outgoing]
    unchanged: int  # receipt versions already sent to their address
    no_address: list[tuple[str, ReceiptReturn]]  # (file, return) whose firm has no address


def plan_receipt_mails(
    receipts: Iterable[tuple[ReceiptData, Document]],
    roster_emails: Mapping[str, str],
    sent: Iterable[tuple[str, str]],
    ctx: FirmMailContext,
) -> ReceiptMailPlan:
    """The receipt mails still to send for these receipts (their current data and workbook): a
    version not yet sent to an address is sent; to an address that had an earlier version of the same
    file's receipt it is an update. `sent`: the (document, recipient) pairs the ledger has as sent."""
    done = set()
    earlier = set()
    for document, recipient in sent:
        done.add((document, recipient.casefold()))
        key, hashed, _ = document.rpartition("#")
        if hashed and key.startswith("回执/"):
            earlier.add((key, recipient.casefold()))
    to_send, nowhere, unchanged = [], [], 0
    for data, receipt in receipts:
        recipients, lost = receipt_recipients(data, roster_emails)
        nowhere += [(data.file, r) for r in lost]
        for recipient in recipients:
            document = receipt_mail_document(data.file, recipient.version(data))
            if (document, recipient.address.casefold()) in done:
                unchanged += 1
                continue
            update = (receipt_key(data.file), recipient.address.casefold()) in earlier
            to_send.append(receipt_mail(data, recipient, receipt, ctx, update=update))
    return ReceiptMailPlan(to_send, unchanged, nowhere)


# reminders and the cities' lists -------------------------------------------------------------------


def reminder_mail(reminder: Reminder, ctx: FirmMailContext, blank_form: Document) -> Outgoing:
    """A reminder: nothing received (the blank form attached) or sent back (the problems to fix)."""
    firm, day = reminder.firm, reminder.day
    due = due_date(day.period, ctx.deadline)
    errors = [e.message for e in firm.errors]
    attachments = (blank_form,) if reminder.kind == NOTHING_RECEIVED else ()
    subject, body = _texts(
        ctx,
        "reminder",
        {
            "kind": reminder.kind,
            "firm": firm.firm_name or firm.uscc,
            "period_label": day.period.label,
            "deadline_label": date_label(due),
            "today_label": date_label(ctx.today),
            "file": firm.file or "",
            "errors": errors[:MAX_LISTED],
            "more_errors": max(0, len(errors) - MAX_LISTED),
            "attachment": blank_form.name if attachments else "",
        },
    )
    kind = REMINDER_NOTHING_RECEIVED if reminder.kind == NOTHING_RECEIVED else REMINDER_SENT_BACK
    return Outgoing(
        kind=kind,
        period=day.period.id,
        document=reminder.key,
        recipient=firm.address or "",
        version=_digest(subject, body, [a.sha256 for a in attachments]),
        subject=subject,
        body=body,
        attachments=attachments,
    )


def city_list_mails(
    listed: CityList, recipients: tuple[str, ...], progress: Progress, ctx: FirmMailContext, as_of: str
) -> list[Outgoing]:
    """A city's firms still missing after the deadline, to each of its recipients: the list in the
    body (the first MAX_LISTED of each kind) and in full as an attached workbook."""
    period = listed.period
    due = due_date(period, ctx.deadline)
    title = f"{period.label}{listed.city}律师事务所党建工作情况报表未报送名单"
    attachment = Document(
        f"{title}.xlsx", f"未报送名单/{listed.city}.xlsx", build_missing_list(progress, listed.city, title, as_of)
    )

    def line(f: FirmStanding) -> str:
        contact = "，".join(x for x in (f.contact_name, f.contact_phone, f.address or "") if x)
        return f"{f.firm_name}（{contact}）" if contact else f.firm_name

    subject, body = _texts(
        ctx,
        "city_list",
        {
            "city": listed.city,
            "period_label": period.label,
            "deadline_label": date_label(due),
            "today_label": date_label(ctx.today),
            "has_roster": progress.has_roster,
            "missing": [line(f) for f in listed.missing[:MAX_LISTED]],
            "more_missing": max(0, len(listed.missing) - MAX_LISTED),
            "n_missing": len(listed.missing),
            "rejected": [line(f) for f in listed.rejected[:MAX_LISTED]],
            "more_rejected": max(0, len(listed.rejected) - MAX_LISTED),
            "n_rejected": len(listed.rejected),
            "attachment": attachment.name,
        },
    )
    version = _digest([f.uscc for f in listed.missing], [f.uscc for f in listed.rejected])
    return [Outgoing(CITY_LIST, period.id, listed.key, r, version, subject, body, (attachment,)) for r in recipients]
