"""A file's receipt is marked due until it is written, so a receipt lost to a crash is written later.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("files", sa.Column("receipt_due", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_files_receipt_due", "files", ["receipt_due"])
