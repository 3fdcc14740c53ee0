"""The store: a ledger of every file, every return with its status, findings and accepted values,
and the delivery ledger. SQLAlchemy Core, so the same code runs on SQLite (default, one machine)
and PostgreSQL. The one part of the core that does I/O; it holds no validation or supersede logic:
those are core functions (rtr/checking) that its queries feed.

- engine.py: `Store` (open, upgrade the schema, lock, transaction); schema.py + migrations/: Alembic.
- tables.py: the tables; ledger.py: files; returns.py: returns and findings; receipts.py: what a
  receipt shows; deliveries.py: e-mail sent.
"""

from rtr.store.engine import Store

__all__ = ["Store"]
