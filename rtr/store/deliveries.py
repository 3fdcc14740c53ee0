"""The delivery ledger: every attempt to send a document to a recipient, so a document is delivered once."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from rtr.store.common import now_iso
from rtr.store.tables import deliveries


def delivered(conn: Connection, period: str, document: str, recipient: str) -> bool:
    row = conn.execute(
        select(deliveries.c.status).where(
            deliveries.c.period == period, deliveries.c.document == document, deliveries.c.recipient == recipient
        )
    ).first()
    return row is not None and row.status == "sent"


def record_delivery(
    conn: Connection,
    *,
    period: str,
    document: str,
    sha256: str,
    recipient: str,
    status: str,
    attempts: int,
    error: str | None,
) -> None:
    key = (deliveries.c.period == period, deliveries.c.document == document, deliveries.c.recipient == recipient)
    row = conn.execute(select(deliveries.c.id, deliveries.c.attempts).where(*key)).first()
    values = dict(sha256=sha256, status=status, updated_at=now_iso(), last_error=error)
    if row is None:
        conn.execute(
            deliveries.insert().values(
                period=period, document=document, recipient=recipient, attempts=attempts, **values
            )
        )
    else:
        conn.execute(
            update(deliveries).where(deliveries.c.id == row.id).values(attempts=row.attempts + attempts, **values)
        )


def deliveries_of(conn: Connection, period: str) -> list[dict]:
    rows = conn.execute(select(deliveries).where(deliveries.c.period == period).order_by(deliveries.c.id))
    return [dict(r._mapping) for r in rows]


def sent_pairs(conn: Connection, prefix: str) -> set[tuple[str, str]]:
    """(document, recipient) of every delivery sent whose document starts with `prefix` (回执/, 提醒/2024H1-…)."""
    rows = conn.execute(
        select(deliveries.c.document, deliveries.c.recipient).where(
            deliveries.c.status == "sent", deliveries.c.document.startswith(prefix, autoescape=True)
        )
    )
    return {(r.document, r.recipient) for r in rows}
