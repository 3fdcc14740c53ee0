"""The store upgrades itself when it opens: Alembic migrations (migrations/versions/) up to HEAD.

Checking the revision is one query; Alembic itself (≈0.3 s to import) is loaded only when a store
is new or behind, so a typed command on an up-to-date store does not pay for it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, inspect, text

HEAD = "0005"  # the newest migration's revision; a test checks it against migrations/versions
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _before_migrations(conn: Connection) -> str | None:
    """The revision of a store made before migrations existed (tables created directly), if it is one."""
    if not inspect(conn).has_table("files"):
        return None
    columns = {c["name"] for c in inspect(conn).get_columns("files")}
    return "0002" if "receipt_due" in columns else "0001"


def upgrade(conn: Connection) -> None:
    """Brings the store to HEAD, in the caller's transaction (run under the schema lock)."""
    current = current_revision(conn)
    if current == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    if current is None and (found := _before_migrations(conn)) is not None:
        command.stamp(config, found)
    command.upgrade(config, "head")
