"""E-mail delivery of a period's documents: SMTP, retries for temporary failures, and the ledger.

Works from the files already under outputs/P/: a failed delivery never re-renders or loses them,
and a later `send` delivers what has not been delivered.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flows.setup import Setup
from rtr.config import ConfigError, Email
from rtr.filenames import safe_component
from rtr.form.periods import Period
from rtr.mail import PROVINCE, Document, Parcel, build_message, plan_parcels, render_texts, text_variables
from rtr.reporting.report_context import report_path, report_title
from rtr.store import Store, deliveries

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@dataclass(frozen=True)
class Outcome:
    scope: str
    recipient: str
    documents: tuple[str, ...]
    status: str  # sent | skipped (already delivered) | failed
    attempts: int = 0
    error: str | None = None


def password_of(email: Email) -> str | None:
    """The SMTP password, from the environment variable named in config; never from the file."""
    if not email.user:
        return None
    value = os.environ.get(email.password_env)
    if value is None:
        raise ConfigError(f"未设置环境变量 {email.password_env}（SMTP 用户 {email.user} 的密码）：请设置后再发送")
    return value


def period_documents(setup: Setup, period: Period, folder: Path) -> tuple[list[Document], dict[str, list[Document]]]:
    def doc(rel: str, name: str) -> Document | None:
        path = folder / rel
        return Document(name, rel, path.read_bytes()) if path.is_file() else None

    def shown(scope: str) -> str:  # the name the recipient sees
        return f"{safe_component(report_title(period, scope))}.docx"

    report = doc(report_path(period, PROVINCE), shown(PROVINCE))
    province = [d for d in (report, doc("汇总表.xlsx", f"{period.label}汇总表.xlsx")) if d]
    cities = {}
    for city in setup.config.cities:
        found = doc(report_path(period, city), shown(city))
        if found:
            cities[city] = [found]
    return province, cities


def _temporary(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError))


def _smtp(email: Email, password: str | None) -> smtplib.SMTP:
    if email.security == "ssl":
        client = smtplib.SMTP_SSL(
            email.host, email.port, timeout=email.timeout_seconds, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(email.host, email.port, timeout=email.timeout_seconds)
        if email.security == "starttls":
            client.starttls(context=ssl.create_default_context())
    if email.user:
        client.login(email.user, password or "")
    return client


def send_with_retries(
    email: Email, password: str | None, message, sleep: Callable[[float], None] = time.sleep
) -> tuple[bool, int, str | None]:
    """(delivered, attempts, last error). Temporary failures are retried with a doubling wait."""
    error = None
    for attempt in range(1, email.max_attempts + 1):
        try:
            with _smtp(email, password) as client:
                client.send_message(message)
            return True, attempt, None
        except Exception as exc:  # recorded in the ledger, never raised
            error = f"{type(exc).__name__}: {exc}"[:500]
            if not _temporary(exc):
                return False, attempt, error
            if attempt < email.max_attempts:
                sleep(email.retry_seconds * 2 ** (attempt - 1))
    return False, email.max_attempts, error


def deliver(
    setup: Setup,
    store: Store,
    period: Period,
    folder: Path,
    *,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    announce: Callable[[str], None] | None = None,
) -> list[Outcome]:
    email = setup.config.email
    password = password_of(email)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    province_docs, city_docs = period_documents(setup, period, folder)
    subject_t = (TEMPLATES / "email_subject.txt.j2").read_text(encoding="utf-8")
    body_t = (TEMPLATES / "email_body.txt.j2").read_text(encoding="utf-8")
    outcomes = []
    for parcel in plan_parcels(email, province_docs, city_docs):
        names = tuple(d.name for d in parcel.documents)
        with store.transaction() as conn:
            done = all(deliveries.delivered(conn, period.id, d.key, parcel.recipient) for d in parcel.documents)
        if done and not force:
            outcomes.append(Outcome(parcel.scope, parcel.recipient, names, "skipped"))
            continue
        metrics = summary["metrics"] if parcel.scope == PROVINCE else summary["by_city"][parcel.scope]
        subject, body = render_texts(
            subject_t, body_t, text_variables(period.label, parcel.scope, metrics, parcel.documents)
        )
        ok, attempts, error = send_with_retries(
            email, password, build_message(email.sender or email.user, parcel, subject, body), sleep
        )
        _record(store, period, parcel, ok, attempts, error)
        outcomes.append(Outcome(parcel.scope, parcel.recipient, names, "sent" if ok else "failed", attempts, error))
    return outcomes


def _record(store: Store, period: Period, parcel: Parcel, ok: bool, attempts: int, error: str | None) -> None:
    with store.transaction() as conn:
        for d in parcel.documents:
            deliveries.record_delivery(
                conn,
                period=period.id,
                document=d.key,
                sha256=d.sha256,
                recipient=parcel.recipient,
                status="sent" if ok else "failed",
                attempts=attempts,
                error=error,
            )
