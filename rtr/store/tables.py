"""The store's tables (SQLAlchemy Core). Their history is in migrations/: a change here needs a migration."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

files = Table(
    "files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("path", String(1024), nullable=False),  # relative to the inbox, as shown (valid UTF-8)
    # the name's bytes on disk when they are not UTF-8 (`path` then shows them as U+FFFD): the key
    # the file is known by, so it is neither lost nor read again
    Column("raw_path", LargeBinary),
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
    # the receipt written last must still be mailed to the firm (receipts_to_firms): set when a
    # receipt is written, cleared once every mail of it went, so `send --receipts` finds what failed
    Column("mail_due", Boolean, nullable=False, default=False),
    UniqueConstraint("path", "sha256", name="uq_files_path_sha"),
)
Index("ix_files_sha", files.c.sha256)
Index("ix_files_receipt_due", files.c.receipt_due)
Index("ix_files_mail_due", files.c.mail_due)

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
    Column("cells_json", Text),  # the cells W08 and W10 point at, to re-derive them (NULL: stored before 0003)
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

# what the store remembers between runs, e.g. the roster its W10 findings were found against
store_state = Table(
    "store_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
