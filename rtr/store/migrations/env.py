"""Alembic's environment: run by `rtr.store.schema.upgrade` on the connection it is given, when a store opens."""

from alembic import context

from rtr.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # `alembic revision` from the command line needs no database
    context.configure(url="sqlite://", target_metadata=metadata, render_as_batch=True)
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
