"""A file whose name on disk is not UTF-8 keeps that name's bytes, so it is found again as it is.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("files", sa.Column("raw_path", sa.LargeBinary, nullable=True))
