"""Returns and their findings: storing them, who counts (fed to the core's supersede rule), and what reports read."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Connection, bindparam, func, select, tuple_, update

from rtr.checking.catalogue import CATALOGUE
from rtr.checking.findings import Finding
from rtr.checking.records import NewReturn
from rtr.checking.supersede import Candidate
from rtr.store.common import chunks
from rtr.store.tables import files, findings, returns


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


def finding_columns(f: Finding) -> dict:
    return dict(
        rule=f.rule,
        severity=f.severity,
        field=f.field,
        label=f.label,
        sheet=f.sheet,
        cell=f.cell,
        value=f.value,
        message=f.message,
        remark=f.remark,
    )


def add_returns(conn: Connection, items: list[tuple[int, str, float, NewReturn]]) -> None:
    """(file id, path, mtime, return) of several files: returns, then their findings, a statement each."""
    if not items:
        return
    rows = [
        dict(
            file_id=file_id,
            sheet=r.sheet,
            row=r.row,
            layout=r.layout,
            uscc=r.uscc,
            firm_name=r.firm_name,
            city=r.city,
            district=r.district,
            period=r.period,
            passed=r.passed,
            status="accepted" if r.passed else "rejected",
            filled_date=r.filled_date,
            file_mtime=mtime,
            path=path,
            values_json=json.dumps(r.values, ensure_ascii=False, default=_json_default),
            cells_json=json.dumps(r.cells, ensure_ascii=False) if r.cells else None,
        )
        for file_id, path, mtime, r in items
    ]
    ids = [x.id for x in conn.execute(returns.insert().returning(returns.c.id, sort_by_parameter_order=True), rows)]
    insert_findings(
        conn,
        [
            dict(file_id=file_id, return_id=return_id, **finding_columns(f))
            for (file_id, _, _, r), return_id in zip(items, ids, strict=True)
            for f in r.findings
        ],
    )


def insert_findings(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(findings.insert(), rows)


def in_catalogue_order(rows: list[dict]) -> list[dict]:
    """Findings in the order a firm reads them (the rules' order), however late each was found."""
    return sorted(rows, key=lambda f: (CATALOGUE.position(f["rule"]), f["id"]))


_REDERIVE = (
    returns.c.id,
    returns.c.file_id,
    returns.c.uscc,
    returns.c.period,
    returns.c.sheet,
    returns.c.layout,
    returns.c.row,
    returns.c.path,
    returns.c.values_json,
    returns.c.cells_json,
)


def rederivable(conn: Connection, keys: set[tuple[str, str]] | None) -> list:
    """The returns of these (uscc, period) keys (None: every return) with what re-deriving their
    W08 and W10 needs; those stored before the store kept their cells are left out."""
    if keys is None:
        return conn.execute(select(*_REDERIVE).where(returns.c.cells_json.is_not(None))).all()
    rows = []
    for part in chunks(sorted(keys)):
        where = (tuple_(returns.c.uscc, returns.c.period).in_(part), returns.c.cells_json.is_not(None))
        rows += conn.execute(select(*_REDERIVE).where(*where)).all()
    return rows


def findings_of_returns(conn: Connection, return_ids: list[int], rules: tuple[str, ...]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for part in chunks(sorted(set(return_ids))):
        query = select(findings).where(findings.c.return_id.in_(part), findings.c.rule.in_(rules))
        for f in conn.execute(query.order_by(findings.c.id)):
            found.setdefault(f.return_id, []).append(dict(f._mapping))
    return found


def replace_findings(conn: Connection, changes: list[tuple[int, int, list[Finding]]], rules: tuple[str, ...]) -> None:
    """(file id, return id, findings): these returns' findings of `rules` replaced by the new ones."""
    for part in chunks([rid for _, rid, _ in changes]):
        conn.execute(findings.delete().where(findings.c.return_id.in_(part), findings.c.rule.in_(rules)))
    insert_findings(
        conn, [dict(file_id=fid, return_id=rid, **finding_columns(f)) for fid, rid, found in changes for f in found]
    )


def as_candidate(r) -> Candidate:
    return Candidate(r.id, r.passed, r.filled_date, r.file_mtime, r.path, r.sheet, r.row)


def candidates(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[Candidate, str, int]]]:
    """Every return of these (uscc, period) keys: (candidate, stored status, file id)."""
    by_key: dict[tuple[str, str], list[tuple[Candidate, str, int]]] = {}
    columns = (
        returns.c.id,
        returns.c.file_id,
        returns.c.passed,
        returns.c.filled_date,
        returns.c.file_mtime,
        returns.c.path,
        returns.c.sheet,
        returns.c.row,
        returns.c.status,
        returns.c.uscc,
        returns.c.period,
    )
    for part in chunks(sorted(keys)):
        for r in conn.execute(select(*columns).where(tuple_(returns.c.uscc, returns.c.period).in_(part))):
            by_key.setdefault((r.uscc, r.period), []).append((as_candidate(r), r.status, r.file_id))
    return by_key


def set_statuses(conn: Connection, statuses: dict[int, str]) -> None:
    if statuses:
        conn.execute(
            update(returns).where(returns.c.id == bindparam("rid")).values(status=bindparam("new_status")),
            [{"rid": rid, "new_status": status} for rid, status in statuses.items()],
        )


def accepted_values_of(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """The accepted values of each (uscc, period) that has an accepted return."""
    found = {}
    for part in chunks(sorted(keys)):
        for r in conn.execute(
            select(returns.c.uscc, returns.c.period, returns.c.values_json).where(
                tuple_(returns.c.uscc, returns.c.period).in_(part), returns.c.status == "accepted"
            )
        ):
            found[(r.uscc, r.period)] = json.loads(r.values_json)
    return found


def status_counts(conn: Connection, file_ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for part in chunks(sorted(set(file_ids))):
        for r in conn.execute(
            select(returns.c.status, func.count()).where(returns.c.file_id.in_(part)).group_by(returns.c.status)
        ):
            counts[r[0]] = counts.get(r[0], 0) + r[1]
    return counts


def findings_of_files(conn: Connection, file_ids: list[int], limit: int) -> tuple[list[dict], int]:
    """The first `limit` findings of these files (in file order) with each file's path, and how many there are."""
    rows: list[dict] = []
    total = 0
    for part in chunks(sorted(set(file_ids))):
        where = findings.c.file_id.in_(part)
        total += conn.execute(select(func.count()).select_from(findings).where(where)).scalar_one()
        if len(rows) < limit:
            query = (
                select(findings, files.c.path)
                .join(files, files.c.id == findings.c.file_id)
                .where(where)
                .order_by(findings.c.file_id, findings.c.id)
                .limit(limit - len(rows))
            )
            rows += [dict(r._mapping) for r in conn.execute(query)]
    return rows, total


def accepted_of_period(conn: Connection, period: str) -> list[dict]:
    """The values of every accepted return of a period, with identity columns.

    Rows are fetched and decoded a thousand at a time, each thousand in one `json.loads` of an
    array: the decoder then keeps one copy of each key for all of them (one `loads` per return made
    new key strings for every return: 242 against 115 MB for 40,000 returns' values), and the JSON
    text of only one thousand is held at once."""
    result = conn.execution_options(yield_per=VALUES_BATCH).execute(
        select(returns.c.uscc, returns.c.firm_name, returns.c.city, returns.c.district, returns.c.values_json)
        .where(returns.c.period == period, returns.c.status == "accepted")
        .order_by(returns.c.city, returns.c.uscc)
    )
    out: list[dict] = []
    for part in result.partitions(VALUES_BATCH):
        decoded = json.loads("[" + ",".join(r.values_json for r in part) + "]")
        for r, values in zip(part, decoded, strict=True):
            values.update(uscc=r.uscc, firm_name=r.firm_name, city=r.city, district=r.district)
        out += decoded
    return out


VALUES_BATCH = 1000


def period_returns(conn: Connection, period: str | None, *, values: bool = True) -> list[tuple[dict, str, list[dict]]]:
    """Every return read for a period (None: those whose period could not be read), with its file and
    findings; `values=False` leaves out the stored values and cells (≈250 MB at 40,000 returns)."""
    cond = returns.c.period.is_(None) if period is None else returns.c.period == period
    columns = returns.c if values else [c for c in returns.c if c.name not in ("values_json", "cells_json")]
    rows = conn.execute(
        select(*columns).where(cond).order_by(returns.c.path, returns.c.sheet, returns.c.row, returns.c.id)
    ).all()
    by_return: dict[int, list[dict]] = {}
    for part in chunks([r.id for r in rows], 500):
        for f in conn.execute(select(findings).where(findings.c.return_id.in_(part)).order_by(findings.c.id)):
            by_return.setdefault(f.return_id, []).append(dict(f._mapping))
    return [(dict(r._mapping), r.path, in_catalogue_order(by_return.get(r.id, []))) for r in rows]


def periods_with_accepted(conn: Connection) -> list[str]:
    rows = conn.execute(select(returns.c.period).where(returns.c.status == "accepted").distinct())
    return sorted(r.period for r in rows if r.period)


def periods_of_files(conn: Connection, file_ids: list[int]) -> set[str]:
    """The periods the returns of these files are for."""
    found: set[str] = set()
    for part in chunks(sorted(set(file_ids))):
        query = select(returns.c.period).where(returns.c.file_id.in_(part), returns.c.period.is_not(None)).distinct()
        found |= {r.period for r in conn.execute(query)}
    return found


def file_ids_of_period(conn: Connection, period: str) -> list[int]:
    rows = conn.execute(select(returns.c.file_id).where(returns.c.period == period).distinct())
    return sorted(r.file_id for r in rows)
