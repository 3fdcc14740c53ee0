"""The ledger: every file received, its hash, outcome, where its original is kept, and whether its receipt is due."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from rtr.checking.findings import Finding
from rtr.store.common import chunks, now_iso
from rtr.store.returns import finding_columns
from rtr.store.tables import files, findings


@dataclass(frozen=True)
class FileRow:
    id: int
    path: str
    size: int
    mtime: float
    sha256: str
    seen_at: str
    outcome: str
    message: str | None
    duplicate_of: int | None
    archived_as: str | None
    n_returns: int
    receipt_due: bool = False
    mail_due: bool = False
    raw_path: bytes | None = None


def seen(conn: Connection) -> set[tuple[str | bytes, int, float]]:
    """(name, size, mtime) of every file seen, the name as `InboxFile.key`: a file matching one is
    not read again. Read through the driver's own cursor, whose rows are plain tuples (SQLite's and
    psycopg's alike): SQLAlchemy's rows cost ≈0.2 s over 40,000 files, every scan."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute("SELECT path, size, mtime FROM files WHERE raw_path IS NULL")
        known = set(cursor.fetchall())
        cursor.execute("SELECT raw_path, size, mtime FROM files WHERE raw_path IS NOT NULL")
        known.update((bytes(raw), size, mtime) for raw, size, mtime in cursor.fetchall())
    finally:
        cursor.close()
    return known


def files_by_hash(conn: Connection, digests: list[str]) -> dict[str, FileRow]:
    """The first stored file (by id) of each of these contents."""
    found: dict[str, FileRow] = {}
    for part in chunks(sorted(set(digests))):
        for row in conn.execute(select(files).where(files.c.sha256.in_(part)).order_by(files.c.id)):
            found.setdefault(row.sha256, FileRow(**row._mapping))
    return found


def touch_file(conn: Connection, file_id: int, size: int, mtime: float) -> None:
    conn.execute(update(files).where(files.c.id == file_id).values(size=size, mtime=mtime))


def add_files(conn: Connection, rows: list[dict]) -> list[int]:
    """Ledger entries for several files in one statement; their ids, in order."""
    stamp = now_iso()
    full = [
        {
            "message": None,
            "duplicate_of": None,
            "archived_as": None,
            "n_returns": 0,
            "receipt_due": False,
            "mail_due": False,
            "raw_path": None,
            **row,
            "seen_at": stamp,
        }
        for row in rows
    ]
    result = conn.execute(files.insert().returning(files.c.id, sort_by_parameter_order=True), full)
    return [r.id for r in result]


def add_file_finding(conn: Connection, file_id: int, finding: Finding) -> None:
    conn.execute(findings.insert().values(file_id=file_id, return_id=None, **finding_columns(finding)))


def receipt_states(conn: Connection, file_ids: list[int]) -> dict[int, tuple[str, bool]]:
    """file id → (path, whether its receipt is due)."""
    out = {}
    for part in chunks(sorted(set(file_ids))):
        for r in conn.execute(select(files.c.id, files.c.path, files.c.receipt_due).where(files.c.id.in_(part))):
            out[r.id] = (r.path, bool(r.receipt_due))
    return out


def receipts_due(conn: Connection) -> list[int]:
    return [r.id for r in conn.execute(select(files.c.id).where(files.c.receipt_due.is_(True)).order_by(files.c.id))]


def mark_receipts_due(conn: Connection, file_ids: set[int] | list[int]) -> None:
    for part in chunks(sorted(file_ids)):
        conn.execute(update(files).where(files.c.id.in_(part)).values(receipt_due=True))


def mark_receipts_written(conn: Connection, file_ids: list[int], *, to_mail: bool = False) -> None:
    """These receipts are written; with `to_mail`, each is now to be mailed to its firm."""
    values = {"receipt_due": False} | ({"mail_due": True} if to_mail else {})
    for part in chunks(sorted(file_ids)):
        conn.execute(update(files).where(files.c.id.in_(part)).values(**values))


def mails_due(conn: Connection) -> list[int]:
    return [r.id for r in conn.execute(select(files.c.id).where(files.c.mail_due.is_(True)).order_by(files.c.id))]


def mark_mailed(conn: Connection, file_ids: list[int]) -> None:
    for part in chunks(sorted(file_ids)):
        conn.execute(update(files).where(files.c.id.in_(part)).values(mail_due=False))


def unreadable_files(conn: Connection) -> list[dict]:
    rows = conn.execute(
        select(files.c.path, files.c.message).where(files.c.outcome == "unreadable").order_by(files.c.path)
    )
    return [{"file": r.path, "rule": "F01", "message": r.message} for r in rows]
