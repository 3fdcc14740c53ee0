"""The store as first released: the ledger of files, returns, findings and deliveries.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime", sa.Float, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("seen_at", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("files.id")),
        sa.Column("archived_as", sa.String(256)),
        sa.Column("n_returns", sa.Integer, nullable=False),
        sa.UniqueConstraint("path", "sha256", name="uq_files_path_sha"),
    )
    op.create_index("ix_files_sha", "files", ["sha256"])
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("sheet", sa.String(256), nullable=False),
        sa.Column("row", sa.Integer),
        sa.Column("layout", sa.String(16), nullable=False),
        sa.Column("uscc", sa.String(64)),
        sa.Column("firm_name", sa.Text),
        sa.Column("city", sa.String(64)),
        sa.Column("district", sa.Text),
        sa.Column("period", sa.String(8)),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("filled_date", sa.String(10)),
        sa.Column("file_mtime", sa.Float, nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("values_json", sa.Text, nullable=False),
    )
    op.create_index("ix_returns_key", "returns", ["uscc", "period"])
    op.create_index("ix_returns_file", "returns", ["file_id"])
    op.create_index("ix_returns_period_status", "returns", ["period", "status"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
        sa.Column("return_id", sa.Integer, sa.ForeignKey("returns.id")),
        sa.Column("rule", sa.String(8), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("field", sa.String(64)),
        sa.Column("label", sa.Text),
        sa.Column("sheet", sa.Text),
        sa.Column("cell", sa.String(16)),
        sa.Column("value", sa.Text),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("remark", sa.Text),
    )
    op.create_index("ix_findings_return", "findings", ["return_id"])
    op.create_index("ix_findings_file", "findings", ["file_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("document", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint("period", "document", "recipient", name="uq_delivery"),
    )
