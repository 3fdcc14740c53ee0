"""The store upgrades itself: Alembic migrations bring a new, an old or a current store to HEAD."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, inspect, text

from rtr.store import Store
from rtr.store.schema import HEAD, MIGRATIONS
from rtr.store.tables import metadata


def _revision(path) -> str:
    return sqlite3.connect(path).execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_head_is_the_newest_migration():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_a_new_store_is_created_by_the_migrations_and_matches_the_tables(tmp_path):
    Store(f"sqlite:///{tmp_path / 'new.sqlite'}").close()
    assert _revision(tmp_path / "new.sqlite") == HEAD
    engine = create_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with engine.connect() as conn:
        found = inspect(conn)
        for table in metadata.sorted_tables:
            assert {c["name"] for c in found.get_columns(table.name)} == {c.name for c in table.columns}, table.name
            assert {i["name"] for i in found.get_indexes(table.name)} >= {i.name for i in table.indexes}, table.name
    engine.dispose()


def test_a_store_made_before_migrations_is_upgraded_in_place(tmp_path):
    """A store of the first release: tables made directly, no receipt_due column, no alembic_version."""
    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        metadata.create_all(conn)  # today's tables, less what came with the migrations
        conn.execute(text("DROP INDEX ix_files_receipt_due"))
        conn.execute(text("ALTER TABLE files DROP COLUMN receipt_due"))
        conn.execute(text("ALTER TABLE returns DROP COLUMN cells_json"))
        conn.execute(text("DROP TABLE store_state"))
        conn.execute(text("DROP INDEX ix_files_mail_due"))
        conn.execute(text("ALTER TABLE files DROP COLUMN mail_due"))
        conn.execute(text("ALTER TABLE files DROP COLUMN raw_path"))
        conn.execute(
            text(
                "INSERT INTO files (path, size, mtime, sha256, seen_at, outcome, n_returns) "
                "VALUES ('a.xlsx', 1, 1.0, 'x', 'now', 'processed', 0)"
            )
        )
        # rows that point at the file: a migration that rebuilt the table would trip over them
        conn.execute(
            text(
                "INSERT INTO returns (file_id, sheet, layout, passed, status, file_mtime, path, values_json) "
                "VALUES (1, 's', 'form', 1, 'accepted', 1.0, 'a.xlsx', '{}')"
            )
        )
        conn.execute(
            text("INSERT INTO findings (file_id, return_id, rule, severity, message) VALUES (1, 1, 'W09', 'w', 'm')")
        )
    engine.dispose()
    Store(f"sqlite:///{path}").close()
    db = sqlite3.connect(path)
    assert _revision(path) == HEAD
    assert db.execute("SELECT path, receipt_due FROM files").fetchall() == [("a.xlsx", 0)]  # kept, and upgraded
    Store(f"sqlite:///{path}").close()  # opening a current store again changes nothing
    assert _revision(path) == HEAD


def test_a_migration_that_fails_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    """All or nothing: SQLite's driver would otherwise commit each schema change as it goes."""
    import rtr.store.schema as schema

    path = tmp_path / "s.sqlite"
    Store(f"sqlite:///{path}").close()
    db = sqlite3.connect(path)
    db.execute("UPDATE alembic_version SET version_num = '0002'")  # as if 0003 to 0005 were still to come
    db.execute("ALTER TABLE returns DROP COLUMN cells_json")
    db.execute("DROP TABLE store_state")
    db.execute("DROP INDEX ix_files_mail_due")
    db.execute("ALTER TABLE files DROP COLUMN mail_due")
    db.execute("ALTER TABLE files DROP COLUMN raw_path")
    db.commit()
    db.close()

    def fail_after_the_first(conn):
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(schema.MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
        raise RuntimeError("the disk went away")

    monkeypatch.setattr("rtr.store.engine.upgrade", fail_after_the_first)
    with pytest.raises(RuntimeError):
        Store(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    assert _revision(path) == "0002"
    assert "cells_json" not in {r[1] for r in db.execute("PRAGMA table_info(returns)")}
    monkeypatch.undo()
    Store(f"sqlite:///{path}").close()  # and a later open upgrades it whole
    assert _revision(path) == HEAD
