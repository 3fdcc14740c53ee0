"""Storing a batch of reads in one transaction: ledger entries, returns, findings, who counts (S01)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flows.files import sha256
from flows.reading import ReadFile
from rtr.checking.examine import SPREADSHEET, file_finding, to_new_return
from rtr.checking.records import NewReturn
from rtr.checking.rules import DERIVED_RULES, RuleContext, derived_findings, stored_return
from rtr.checking.supersede import status_changes
from rtr.form.periods import Period, parse_period
from rtr.store import Store, ledger, returns, state


@dataclass
class IntakeResult:
    new: int = 0
    accepted: int = 0
    rejected: int = 0
    superseded: int = 0
    unreadable: int = 0
    ignored: int = 0
    duplicate: int = 0
    seen: int = 0
    waiting: int = 0
    receipts: int = 0  # written by this run (a count: a list of paths grew with the inbox for nothing)

    def line(self) -> str:
        text = (
            f"新文件 {self.new} 个 | 报表采用 {self.accepted} 份 | 退回 {self.rejected} 份 | "
            f"无法读取 {self.unreadable} 个 | 忽略 {self.ignored} 个"
        )
        extras = [
            (self.superseded, "被替代 {} 份"),
            (self.duplicate, "重复发送 {} 个"),
            (self.waiting, "仍在写入、下次读取 {} 个"),
        ]
        return text + "".join(f" | {fmt.format(n)}" for n, fmt in extras if n)


def settle(conn, keys: set[tuple[str, str]]) -> set[int]:
    """Settles which return of each (uscc, period) counts (the core's rule, S01); returns the files
    whose returns changed status."""
    changed: dict[int, str] = {}
    files_of: dict[int, int] = {}
    for stored in returns.candidates(conn, keys).values():
        changed |= status_changes([(c, status) for c, status, _ in stored])
        files_of |= {c.id: file_id for c, _, file_id in stored}
    returns.set_statuses(conn, changed)
    return {files_of[rid] for rid in changed}


ROSTER_STATE = "roster"  # the roster the stored W10 findings were found against


def roster_digest(roster: frozenset[str] | None) -> str:
    return "none" if roster is None else sha256("\n".join(sorted(roster)).encode())


def rederive(conn, ctx: RuleContext, keys: set[tuple[str, str]] | None) -> set[int]:
    """W08 and W10 of every return that depends on these (uscc, period) keys, found afresh from the
    store as it stands: the returns of the keys themselves (their own previous half-year, the
    roster) and those of the next half-year (whose previous half-year these are). None: every
    return (the roster changed). Returns the files whose findings changed (their receipts are due)."""
    wanted = keys if keys is None else keys | {(u, next_id) for u, p in keys if (next_id := _next(p))}
    rows = returns.rederivable(conn, wanted)
    periods = {r.id: parse_period(r.period) if r.period else None for r in rows}
    previous = returns.accepted_values_of(
        conn, {(r.uscc, periods[r.id].previous().id) for r in rows if r.uscc and periods[r.id] is not None}
    )
    stored = returns.findings_of_returns(conn, [r.id for r in rows], DERIVED_RULES)
    changes = []
    for r in rows:
        period = periods[r.id]
        checked = stored_return(
            r.path, r.sheet, r.layout, r.row, json.loads(r.cells_json), json.loads(r.values_json), period
        )
        before = previous.get((r.uscc, period.previous().id)) if r.uscc and period is not None else None
        previous_id = period.previous().id if period is not None else ""
        found = derived_findings(checked, before, previous_id, ctx.roster, ctx.thresholds, ctx.schema)
        if [_seen(f) for f in found] != [_stored(f) for f in stored.get(r.id, [])]:
            changes.append((r.file_id, r.id, found))
    returns.replace_findings(conn, changes, DERIVED_RULES)
    return {file_id for file_id, _, _ in changes}


def _next(period_id: str) -> str | None:
    p = parse_period(period_id)
    return None if p is None else (Period(p.year, 2) if p.half == 1 else Period(p.year + 1, 1)).id


_COMPARED = ("rule", "field", "cell", "value", "message", "remark")


def _seen(f) -> tuple:
    return tuple(getattr(f, k) for k in _COMPARED)


def _stored(row: dict) -> tuple:
    return tuple(row[k] for k in _COMPARED)


def rederive_for_roster(ctx: RuleContext, store: Store) -> set[int]:
    """When the roster differs from the one the stored W10 findings were found against, every
    return's W10 is found afresh (and the receipts that change are due)."""
    digest = roster_digest(ctx.roster)
    with store.transaction() as conn:
        if state.get(conn, ROSTER_STATE) == digest:
            return set()
        changed = rederive(conn, ctx, None)
        ledger.mark_receipts_due(conn, changed)
        state.put(conn, ROSTER_STATE, digest)
    return changed


class _Pending:
    """Ledger rows, returns and findings of a batch, inserted together by `flush` (a few statements
    instead of a few per file). Flushed early only when a later file needs an id or a stored status."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.files: list[dict] = []
        self.returns: list[tuple[int, NewReturn]] = []  # (index into files, return)
        self.file_findings: list[tuple[int, object]] = []
        self.keys: set[tuple[str, str]] = set()
        self.flushed_keys: set[tuple[str, str]] = set()
        self.changed: set[int] = set()

    def add_file(self, **row) -> int:
        self.files.append(row)
        return len(self.files) - 1

    def flush(self, known: dict, new_ids: list[int]) -> None:
        if not self.files:
            assert not self.returns, "returns pending without their file"
            return
        ids = ledger.add_files(self.conn, self.files)
        for row, file_id in zip(self.files, ids, strict=True):
            entry = known.get(row["sha256"])
            if entry is not None and entry[0] is None and entry[1] == row["path"]:
                known[row["sha256"]] = (file_id, row["path"])  # the placeholder of this file gets its id
            if row["outcome"] != "ignored":
                new_ids.append(file_id)
        for index, finding in self.file_findings:
            ledger.add_file_finding(self.conn, ids[index], finding)
        returns.add_returns(
            self.conn, [(ids[i], self.files[i]["path"], self.files[i]["mtime"], r) for i, r in self.returns]
        )
        self.changed |= settle(self.conn, self.keys)
        self.flushed_keys |= self.keys
        self.files, self.returns, self.file_findings, self.keys = [], [], [], set()


def store_reads(ctx: RuleContext, store: Store, reads: list[ReadFile], result: IntakeResult) -> list[int]:
    """Step 2, one transaction: ledger entries, returns and findings of a batch; returns the new file ids."""
    new_ids: list[int] = []
    with store.transaction() as conn:
        # content → (file id, path) of the first file with it; id None while that file waits in `pending`
        known: dict[str, tuple[int | None, str]] = {
            d: (row.id, row.path)
            for d, row in ledger.files_by_hash(conn, [r.digest for r in reads if r.digest]).items()
        }
        pending = _Pending(conn)
        for r in reads:
            if r.digest is None:
                result.waiting += 1
                continue
            f = r.file
            same = known.get(r.digest)
            if same is not None and same[0] is None:
                pending.flush(known, new_ids)  # the first copy needs its id
                same = known.get(r.digest)
            if same is not None and same[1] == f.rel:
                ledger.touch_file(conn, same[0], r.size, f.mtime)  # same content saved again
                result.seen += 1
                continue
            common = dict(
                path=f.rel, raw_path=f.raw, size=r.size, mtime=f.mtime, sha256=r.digest, archived_as=r.archived_as
            )
            known.setdefault(r.digest, (None, f.rel))
            if r.kind != SPREADSHEET:
                pending.add_file(outcome="ignored", message=r.kind, **common)
                result.ignored += 1
                continue
            result.new += 1
            if same is not None:
                pending.add_file(
                    outcome="duplicate",
                    message=f"与已收到的文件“{same[1]}”内容完全相同，未重复计入",
                    duplicate_of=same[0],
                    receipt_due=True,
                    **common,
                )
                result.duplicate += 1
                continue
            if r.examined is None or r.examined.problem:
                problem = r.examined.problem if r.examined else "文件无法读取"
                index = pending.add_file(outcome="unreadable", message=problem, receipt_due=True, **common)
                pending.file_findings.append((index, file_finding(f.rel, problem)))
                result.unreadable += 1
                continue
            index = pending.add_file(outcome="processed", n_returns=len(r.examined.returns), receipt_due=True, **common)
            for checked in r.examined.returns:
                new = to_new_return(checked)
                pending.returns.append((index, new))
                if new.uscc and new.period:
                    pending.keys.add((new.uscc, new.period))
        pending.flush(known, new_ids)
        # W08 and W10 of what this batch stored, and of what depends on it, as the store now stands
        changed = pending.changed | rederive(conn, ctx, pending.flushed_keys)
        ledger.mark_receipts_due(conn, changed - set(new_ids))
    return new_ids


def tally(store: Store, new_ids: list[int], result: IntakeResult) -> None:
    """Counts the new returns by their final status (a later batch may have superseded an earlier one)."""
    with store.transaction() as conn:
        for status, n in returns.status_counts(conn, new_ids).items():
            setattr(result, status, getattr(result, status) + n)
