"""A file's receipt is marked for mailing to the firm until every mail of it went (receipts_to_firms).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("files", sa.Column("mail_due", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_files_mail_due", "files", ["mail_due"])
