"""What the store remembers between runs (key → text)."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from rtr.store.tables import store_state


def get(conn: Connection, key: str) -> str | None:
    return conn.execute(select(store_state.c.value).where(store_state.c.key == key)).scalar()


def put(conn: Connection, key: str, value: str) -> None:
    if conn.execute(update(store_state).where(store_state.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(store_state.insert().values(key=key, value=value))
