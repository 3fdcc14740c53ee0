"""W08 and W10 re-derived from the store: each return keeps the cells those rules point at, and the
store remembers which roster its W10 findings were found against.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("returns", sa.Column("cells_json", sa.Text))  # NULL for returns stored before: left as they are
    op.create_table(
        "store_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
