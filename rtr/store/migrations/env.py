"""Alembic's environment: run by `rtr.store.schema.upgrade` on the connection it is given, when a store opens.

Migrations change tables with plain ALTER TABLE (SQLite adds a column in place); a batch "copy
and move" would drop tables that other tables' foreign keys point at."""

from alembic import context

from rtr.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic revision` from the command line needs no database
    context.configure(url="sqlite://", target_metadata=metadata, render_as_batch=False)
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=False)
with context.begin_transaction():
    context.run_migrations()
