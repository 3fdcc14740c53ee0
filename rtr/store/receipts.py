"""What a receipt is built from: a file's ledger row, its returns, their findings, and what replaced each superseded return."""

from __future__ import annotations

from sqlalchemy import Connection, select, tuple_

from rtr.checking.supersede import replacing
from rtr.store.common import chunks
from rtr.store.returns import as_candidate, in_catalogue_order
from rtr.store.tables import files, findings, returns


def receipt_rows(conn: Connection, file_ids: list[int]) -> list[tuple[dict, list[dict], list[dict], dict[int, dict]]]:
    """For each file: its row, its returns, its findings and, for each superseded return, the one
    that replaced it; a few queries for all the files, not a few per file."""
    by_file: dict[int, dict] = {}
    rets: dict[int, list[dict]] = {}
    finds: dict[int, list[dict]] = {}
    for part in chunks(sorted(set(file_ids))):
        for r in conn.execute(select(files).where(files.c.id.in_(part))):
            by_file[r.id] = dict(r._mapping)
        for r in conn.execute(select(returns).where(returns.c.file_id.in_(part)).order_by(returns.c.id)):
            rets.setdefault(r.file_id, []).append(dict(r._mapping))
        for r in conn.execute(select(findings).where(findings.c.file_id.in_(part)).order_by(findings.c.id)):
            finds.setdefault(r.file_id, []).append(dict(r._mapping))
    keys = {(r["uscc"], r["period"]) for rows in rets.values() for r in rows if r["status"] == "superseded"}
    replaced_by = _replacements(conn, keys)
    out = []
    for file_id in file_ids:
        if file_id not in by_file:
            continue
        rows = rets.get(file_id, [])
        replacements = {
            r["id"]: replaced_by[(r["uscc"], r["period"])]
            for r in rows
            if r["status"] == "superseded" and replaced_by.get((r["uscc"], r["period"])) is not None
        }
        out.append((by_file[file_id], rows, in_catalogue_order(finds.get(file_id, [])), replacements))
    return out


def _replacements(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict | None]:
    """For each key, the row of the return that counts for it (the core's rule picks it)."""
    by_key: dict[tuple[str, str], list] = {}
    for part in chunks(sorted(keys)):
        for r in conn.execute(select(returns).where(tuple_(returns.c.uscc, returns.c.period).in_(part))):
            by_key.setdefault((r.uscc, r.period), []).append(r)
    out = {}
    for key, rows in by_key.items():
        chosen = replacing([(as_candidate(r), r.status) for r in rows])
        out[key] = next((dict(r._mapping) for r in rows if chosen is not None and r.id == chosen.id), None)
    return out
