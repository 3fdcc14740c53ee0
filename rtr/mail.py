"""Which documents go to whom, and the messages that carry them. Pure: no SMTP, no files."""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from email.message import EmailMessage

from jinja2 import Environment, StrictUndefined

from rtr.config import Email
from rtr.reporting.phrasing import pct

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


def render_texts(subject_template: str, body_template: str, variables: dict) -> tuple[str, str]:
    env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, trim_blocks=True)
    subject = " ".join(env.from_string(subject_template).render(variables).split())
    return subject, env.from_string(body_template).render(variables)


def text_variables(period_label: str, scope: str, metrics: dict, documents: tuple[Document, ...]) -> dict:
    return {
        "period_label": period_label,
        "scope": scope,
        "documents": [d.name for d in documents],
        "firms": metrics.get("firms", 0),
        "org_coverage_rate": pct(metrics.get("org_coverage_rate")),
        "work_coverage_rate": pct(metrics.get("work_coverage_rate")),
    }


def build_message(sender: str, parcel: Parcel, subject: str, body: str) -> EmailMessage:
    """Attachment names in Chinese are encoded per RFC 2231 by the email package."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = parcel.recipient
    msg["Subject"] = subject
    msg.set_content(body)
    for doc in parcel.documents:
        main, sub = mime_type(doc.name)
        msg.add_attachment(doc.data, maintype=main, subtype=sub, filename=doc.name)
    return msg
