"""E-mail delivery of a period's documents to the configured recipients, recorded in the delivery ledger.

Works from the files already under outputs/P/: a failed delivery never re-renders or loses them,
and a later `send` delivers what has not been delivered.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flows.setup import Setup, local_now
from flows.smtp import Mailer, password_of
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
    mailer = Mailer(email, password_of(email), sleep, announce)
    say = announce or (lambda _: None)
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
        say(f"发送给 {parcel.recipient}（{parcel.scope}）：{'、'.join(names)}")
        message = build_message(email.sender or email.user, parcel, subject, body, now=local_now(setup.config))
        sent = mailer.send(message, parcel.recipient)
        _record(store, period, parcel, sent.ok, sent.attempts, sent.error)
        status = "sent" if sent.ok else "failed"
        outcomes.append(Outcome(parcel.scope, parcel.recipient, names, status, sent.attempts, sent.error))
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
