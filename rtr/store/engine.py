"""Opening a store: the engine, SQLite's settings, the schema brought up to date, and the locks."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from rtr.store.schema import upgrade


class Store:
    """A store at a SQLAlchemy URL (SQLite by default, or PostgreSQL). The queries are functions of
    the modules beside this one (ledger, returns, receipts, deliveries), each taking a connection
    from `transaction()`."""

    def __init__(self, url: str):
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.sqlite_path = Path(parsed.database) if self.is_sqlite and parsed.database else None
        if self.sqlite_path is not None:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            if not self.sqlite_path.exists():
                os.close(os.open(self.sqlite_path, os.O_CREAT | os.O_WRONLY, 0o600))  # owner only
        self.engine: Engine = create_engine(url)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._upgrade_schema()

    def _upgrade_schema(self) -> None:
        """Two processes opening a new store at once must not both create its tables."""
        if self.sqlite_path is not None:
            with open(str(self.sqlite_path) + ".schema.lock", "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                # SQLite's Python driver begins a transaction only before a data change and lets a
                # schema change commit on its own: a migration failing half-way would leave its first
                # steps done. The migrations run on a connection that begins explicitly instead.
                migrating = create_engine(self.url, poolclass=NullPool)
                event.listen(migrating, "connect", _sqlite_explicit)
                event.listen(migrating, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
                try:
                    with migrating.begin() as conn:
                        upgrade(conn)
                finally:
                    migrating.dispose()
        else:
            with self.engine.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(424243)"))
                upgrade(conn)

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


def _sqlite_explicit(dbapi_connection, _record) -> None:
    _sqlite_pragmas(dbapi_connection, _record)
    dbapi_connection.isolation_level = None  # the driver's own BEGIN off: `BEGIN IMMEDIATE` is sent instead


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
