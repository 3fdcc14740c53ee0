"""The store: a ledger of every file, every return with its status, findings and accepted values.

SQLAlchemy Core, so the same code runs on SQLite (default, one machine) and PostgreSQL.
This is the one module of the package that does I/O; it holds no validation logic.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import Engine, make_url

from rtr.checking.findings import Finding
from rtr.checking.records import NewReturn
from rtr.checking.supersede import Candidate, order_key, resolve

metadata = MetaData()

files = Table(
    "files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("path", String(1024), nullable=False),  # relative to the inbox
    Column("size", BigInteger, nullable=False),
    Column("mtime", Float, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("seen_at", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),  # processed | unreadable | duplicate | ignored
    Column("message", Text),
    Column("duplicate_of", Integer, ForeignKey("files.id")),
    Column("archived_as", String(256)),
    Column("n_returns", Integer, nullable=False, default=0),
    # the file's receipt must be (re)written: set when its returns' statuses change, cleared once
    # written, so a receipt lost to a crash is written by the next intake
    Column("receipt_due", Boolean, nullable=False, default=False),
    UniqueConstraint("path", "sha256", name="uq_files_path_sha"),
)
Index("ix_files_sha", files.c.sha256)
Index("ix_files_receipt_due", files.c.receipt_due)

returns = Table(
    "returns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("sheet", String(256), nullable=False),
    Column("row", Integer),
    Column("layout", String(16), nullable=False),
    Column("uscc", String(64)),
    Column("firm_name", Text),
    Column("city", String(64)),
    Column("district", Text),
    Column("period", String(8)),
    Column("passed", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("filled_date", String(10)),
    Column("file_mtime", Float, nullable=False),
    Column("path", String(1024), nullable=False),
    Column("values_json", Text, nullable=False),
)
Index("ix_returns_key", returns.c.uscc, returns.c.period)
Index("ix_returns_file", returns.c.file_id)
Index("ix_returns_period_status", returns.c.period, returns.c.status)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("return_id", Integer, ForeignKey("returns.id")),
    Column("rule", String(8), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("field", String(64)),
    Column("label", Text),
    Column("sheet", Text),
    Column("cell", String(16)),
    Column("value", Text),
    Column("message", Text, nullable=False),
    Column("remark", Text),
)
Index("ix_findings_return", findings.c.return_id)
Index("ix_findings_file", findings.c.file_id)


deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("period", String(8), nullable=False),
    Column("document", String(512), nullable=False),  # path under the period's output folder
    Column("sha256", String(64), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("status", String(16), nullable=False),  # sent | failed
    Column("attempts", Integer, nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("last_error", Text),
    UniqueConstraint("period", "document", "recipient", name="uq_delivery"),
)


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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


class Store:
    def __init__(self, url: str):
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.sqlite_path = Path(parsed.database) if self.is_sqlite and parsed.database else None
        if self.sqlite_path is not None:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            if not self.sqlite_path.exists():
                os.close(os.open(self.sqlite_path, os.O_CREAT | os.O_WRONLY, 0o600))  # owner only
        self.engine: Engine = create_engine(url, future=True)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._create_schema()

    def _create_schema(self) -> None:
        """Two processes opening a new store at once must not both create its tables."""
        if self.sqlite_path is not None:
            with open(str(self.sqlite_path) + ".schema.lock", "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                with self.engine.begin() as conn:
                    metadata.create_all(conn)
                    _upgrade(conn)
        else:
            with self.engine.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(424243)"))
                metadata.create_all(conn)
                _upgrade(conn)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def intake_lock(self) -> Iterator[None]:
        """One intake at a time per store; a second one waits, then finds nothing new to do."""
        if self.sqlite_path is not None:
            with open(str(self.sqlite_path) + ".lock", "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        else:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(424242)"))
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(424242)"))
                    conn.commit()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # ledger -----------------------------------------------------------------------------------
    def ledger_stats(self) -> set[tuple[str, int, float]]:
        """(path, size, mtime) of every file seen: a file matching one is not read again."""
        with self.engine.connect() as conn:
            return {(r.path, r.size, r.mtime) for r in conn.execute(select(files.c.path, files.c.size, files.c.mtime))}

    def files_by_hash(self, conn: Connection, digests: list[str]) -> dict[str, FileRow]:
        """The first stored file (by id) of each of these contents."""
        found: dict[str, FileRow] = {}
        for part in _chunks(sorted(set(digests))):
            for row in conn.execute(select(files).where(files.c.sha256.in_(part)).order_by(files.c.id)):
                found.setdefault(row.sha256, FileRow(**row._mapping))
        return found

    def touch_file(self, conn: Connection, file_id: int, size: int, mtime: float) -> None:
        conn.execute(update(files).where(files.c.id == file_id).values(size=size, mtime=mtime))

    def add_files(self, conn: Connection, rows: list[dict]) -> list[int]:
        """Ledger entries for several files in one statement; their ids, in order."""
        stamp = now_iso()
        full = [
            {
                "message": None,
                "duplicate_of": None,
                "archived_as": None,
                "n_returns": 0,
                "receipt_due": False,
                **row,
                "seen_at": stamp,
            }
            for row in rows
        ]
        result = conn.execute(files.insert().returning(files.c.id, sort_by_parameter_order=True), full)
        return [r.id for r in result]

    def receipt_states(self, conn: Connection, file_ids: list[int]) -> dict[int, tuple[str, bool]]:
        """file id → (path, whether its receipt is due)."""
        out = {}
        for part in _chunks(sorted(set(file_ids))):
            for r in conn.execute(select(files.c.id, files.c.path, files.c.receipt_due).where(files.c.id.in_(part))):
                out[r.id] = (r.path, bool(r.receipt_due))
        return out

    def receipts_due(self, conn: Connection) -> list[int]:
        return [
            r.id for r in conn.execute(select(files.c.id).where(files.c.receipt_due.is_(True)).order_by(files.c.id))
        ]

    def mark_receipts_due(self, conn: Connection, file_ids: set[int] | list[int]) -> None:
        for part in _chunks(sorted(file_ids)):
            conn.execute(update(files).where(files.c.id.in_(part)).values(receipt_due=True))

    def mark_receipts_written(self, conn: Connection, file_ids: list[int]) -> None:
        for part in _chunks(sorted(file_ids)):
            conn.execute(update(files).where(files.c.id.in_(part)).values(receipt_due=False))

    def add_file_finding(self, conn: Connection, file_id: int, finding: Finding) -> None:
        conn.execute(findings.insert().values(file_id=file_id, return_id=None, **_finding_columns(finding)))

    # returns ----------------------------------------------------------------------------------
    def add_returns_bulk(self, conn: Connection, items: list[tuple[int, str, float, NewReturn]]) -> None:
        """(file id, path, mtime, return) of several files: returns, then their findings, a statement each."""
        if not items:
            return
        rows = [
            dict(
                file_id=file_id,
                sheet=r.sheet,
                row=r.row,
                layout=r.layout,
                uscc=r.uscc,
                firm_name=r.firm_name,
                city=r.city,
                district=r.district,
                period=r.period,
                passed=r.passed,
                status="accepted" if r.passed else "rejected",
                filled_date=r.filled_date,
                file_mtime=mtime,
                path=path,
                values_json=json.dumps(r.values, ensure_ascii=False, default=_json_default),
            )
            for file_id, path, mtime, r in items
        ]
        ids = [x.id for x in conn.execute(returns.insert().returning(returns.c.id, sort_by_parameter_order=True), rows)]
        self.insert_findings(
            conn,
            [
                dict(file_id=file_id, return_id=return_id, **_finding_columns(f))
                for (file_id, _, _, r), return_id in zip(items, ids, strict=True)
                for f in r.findings
            ],
        )

    def insert_findings(self, conn: Connection, rows: list[dict]) -> None:
        if rows:
            conn.execute(findings.insert(), rows)

    def resolve_keys(self, conn: Connection, keys: set[tuple[str, str]]) -> set[int]:
        """Settles which return of each (uscc, period) counts; returns the files whose returns changed status."""
        changed: set[int] = set()
        by_key: dict[tuple[str, str], list] = {}
        for part in _chunks(sorted(keys)):
            for r in conn.execute(
                select(
                    returns.c.id,
                    returns.c.file_id,
                    returns.c.passed,
                    returns.c.filled_date,
                    returns.c.file_mtime,
                    returns.c.path,
                    returns.c.sheet,
                    returns.c.row,
                    returns.c.status,
                    returns.c.uscc,
                    returns.c.period,
                ).where(tuple_(returns.c.uscc, returns.c.period).in_(part))
            ):
                by_key.setdefault((r.uscc, r.period), []).append(r)
        updates = []
        for rows in by_key.values():
            statuses = resolve(
                [Candidate(r.id, r.passed, r.filled_date, r.file_mtime, r.path, r.sheet, r.row) for r in rows]
            )
            for r in rows:
                if statuses[r.id] != r.status:
                    updates.append({"rid": r.id, "new_status": statuses[r.id]})
                    changed.add(r.file_id)
        if updates:
            conn.execute(
                update(returns).where(returns.c.id == bindparam("rid")).values(status=bindparam("new_status")), updates
            )
        return changed

    def accepted_values_of(self, conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """The accepted values of each (uscc, period) that has an accepted return."""
        found = {}
        for part in _chunks(sorted(keys)):
            for r in conn.execute(
                select(returns.c.uscc, returns.c.period, returns.c.values_json).where(
                    tuple_(returns.c.uscc, returns.c.period).in_(part), returns.c.status == "accepted"
                )
            ):
                found[(r.uscc, r.period)] = json.loads(r.values_json)
        return found

    def receipt_rows(
        self, conn: Connection, file_ids: list[int]
    ) -> list[tuple[dict, list[dict], list[dict], dict[int, dict]]]:
        """For each file: its row, its returns, its findings and, for each superseded return, the one
        that replaced it; a few queries for all the files, not a few per file."""
        by_file: dict[int, dict] = {}
        rets: dict[int, list[dict]] = {}
        finds: dict[int, list[dict]] = {}
        for part in _chunks(sorted(set(file_ids))):
            for r in conn.execute(select(files).where(files.c.id.in_(part))):
                by_file[r.id] = dict(r._mapping)
            for r in conn.execute(select(returns).where(returns.c.file_id.in_(part)).order_by(returns.c.id)):
                rets.setdefault(r.file_id, []).append(dict(r._mapping))
            for r in conn.execute(select(findings).where(findings.c.file_id.in_(part)).order_by(findings.c.id)):
                finds.setdefault(r.file_id, []).append(dict(r._mapping))
        out = []
        for file_id in file_ids:
            if file_id not in by_file:
                continue
            rows = rets.get(file_id, [])
            replacements = {
                r["id"]: self.replacement(conn, r["uscc"], r["period"]) for r in rows if r["status"] == "superseded"
            }
            out.append((by_file[file_id], rows, finds.get(file_id, []), replacements))
        return out

    def status_counts(self, conn: Connection, file_ids: list[int]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for part in _chunks(sorted(set(file_ids))):
            for r in conn.execute(
                select(returns.c.status, func.count()).where(returns.c.file_id.in_(part)).group_by(returns.c.status)
            ):
                counts[r[0]] = counts.get(r[0], 0) + r[1]
        return counts

    def findings_of_files(self, conn: Connection, file_ids: list[int], limit: int) -> tuple[list[dict], int]:
        """The first `limit` findings of these files (in file order) with each file's path, and how many there are."""
        rows: list[dict] = []
        total = 0
        for part in _chunks(sorted(set(file_ids))):
            where = findings.c.file_id.in_(part)
            total += conn.execute(select(func.count()).select_from(findings).where(where)).scalar_one()
            if len(rows) < limit:
                query = (
                    select(findings, files.c.path)
                    .join(files, files.c.id == findings.c.file_id)
                    .where(where)
                    .order_by(findings.c.file_id, findings.c.id)
                    .limit(limit - len(rows))
                )
                rows += [dict(r._mapping) for r in conn.execute(query)]
        return rows, total

    def replacement(self, conn: Connection, uscc: str, period: str) -> dict | None:
        """The return that counts for a key (or the latest one, when none passed)."""
        rows = conn.execute(
            select(returns).where(returns.c.uscc == uscc, returns.c.period == period).order_by(returns.c.id)
        ).all()
        accepted = [r for r in rows if r.status == "accepted"]
        pick = (
            accepted[0]
            if accepted
            else max(
                rows,
                key=lambda r: order_key(Candidate(r.id, r.passed, r.filled_date, r.file_mtime, r.path, r.sheet, r.row)),
                default=None,
            )
        )
        return dict(pick._mapping) if pick is not None else None

    def accepted_of_period(self, conn: Connection, period: str) -> list[dict]:
        """The values of every accepted return of a period, with identity columns."""
        rows = conn.execute(
            select(returns.c.uscc, returns.c.firm_name, returns.c.city, returns.c.district, returns.c.values_json)
            .where(returns.c.period == period, returns.c.status == "accepted")
            .order_by(returns.c.city, returns.c.uscc)
        ).all()
        return [
            json.loads(r.values_json)
            | {"uscc": r.uscc, "firm_name": r.firm_name, "city": r.city, "district": r.district}
            for r in rows
        ]

    def period_returns(self, conn: Connection, period: str | None) -> list[tuple[dict, str, list[dict]]]:
        """Every return read for a period (None: those whose period could not be read), with its file and findings."""
        cond = returns.c.period.is_(None) if period is None else returns.c.period == period
        rows = conn.execute(
            select(returns).where(cond).order_by(returns.c.path, returns.c.sheet, returns.c.row, returns.c.id)
        ).all()
        by_return: dict[int, list[dict]] = {}
        if rows:
            ids = [r.id for r in rows]
            for chunk in range(0, len(ids), 500):
                part = ids[chunk : chunk + 500]
                for f in conn.execute(select(findings).where(findings.c.return_id.in_(part)).order_by(findings.c.id)):
                    by_return.setdefault(f.return_id, []).append(dict(f._mapping))
        return [(dict(r._mapping), r.path, by_return.get(r.id, [])) for r in rows]

    def periods_with_accepted(self, conn: Connection) -> list[str]:
        rows = conn.execute(select(returns.c.period).where(returns.c.status == "accepted").distinct())
        return sorted(r.period for r in rows if r.period)

    def unreadable_files(self, conn: Connection) -> list[dict]:
        rows = conn.execute(
            select(files.c.path, files.c.message).where(files.c.outcome == "unreadable").order_by(files.c.path)
        )
        return [{"file": r.path, "rule": "F01", "message": r.message} for r in rows]

    def file_ids_of_period(self, conn: Connection, period: str) -> list[int]:
        rows = conn.execute(select(returns.c.file_id).where(returns.c.period == period).distinct())
        return sorted(r.file_id for r in rows)

    # deliveries -----------------------------------------------------------------------------
    def delivered(self, conn: Connection, period: str, document: str, recipient: str) -> bool:
        row = conn.execute(
            select(deliveries.c.status).where(
                deliveries.c.period == period, deliveries.c.document == document, deliveries.c.recipient == recipient
            )
        ).first()
        return row is not None and row.status == "sent"

    def record_delivery(
        self,
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

    def deliveries_of(self, conn: Connection, period: str) -> list[dict]:
        rows = conn.execute(select(deliveries).where(deliveries.c.period == period).order_by(deliveries.c.id))
        return [dict(r._mapping) for r in rows]


def _upgrade(conn: Connection) -> None:
    """Columns added after a store may already exist (create_all only adds missing tables)."""
    present = {c["name"] for c in inspect(conn).get_columns("files")}
    if "receipt_due" not in present:
        conn.execute(text("ALTER TABLE files ADD COLUMN receipt_due BOOLEAN NOT NULL DEFAULT FALSE"))


def _chunks(items: list, size: int = 400) -> Iterator[list]:
    """IN lists kept under SQLite's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _finding_columns(f: Finding) -> dict:
    return dict(
        rule=f.rule,
        severity=f.severity,
        field=f.field,
        label=f.label,
        sheet=f.sheet,
        cell=f.cell,
        value=f.value,
        message=f.message,
        remark=f.remark,
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
