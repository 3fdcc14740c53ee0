"""Intake: every new file in the inbox read once, checked, stored, and answered with a receipt.

This module only sequences the core (`rtr`) and does the I/O: listing, hashing, archiving,
the store and writing receipts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

from flows.files import InboxFile, archive_original, list_inbox, restat, sha256, write_atomic
from flows.settings import Setup
from rtr.examine import SPREADSHEET, classify, examine, file_finding, to_new_return
from rtr.receipts import build_receipt, receipt_from_rows, receipt_name
from rtr.roster import RosterFirm, parse_roster
from rtr.rules import history_findings
from rtr.store import Store
from rtr.values import city_index
from rtr.workbook import load_workbook


class RosterError(ValueError):
    """The configured roster cannot be read."""


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
    receipts: list[Path] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"新文件 {self.new} 个 | 报表采用 {self.accepted} 份 | 退回 {self.rejected} 份 | "
            f"无法读取 {self.unreadable} 个 | 忽略 {self.ignored} 个"
        )
        extras = [(self.superseded, "被替代 {} 份"), (self.duplicate, "重复发送 {} 个"), (self.waiting, "仍在写入、下次读取 {} 个")]
        return text + "".join(f" | {fmt.format(n)}" for n, fmt in extras if n)


def load_roster(path: Path | None, setup: Setup) -> list[RosterFirm] | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"名录文件无法读取：{path}（{exc.strerror}）") from exc
    loaded = load_workbook(data, path.suffix, setup.config.limits)
    if loaded.problem:
        raise RosterError(f"名录文件 {path} 无法读取：{loaded.problem}")
    firms = parse_roster(loaded.sheets or [], setup.schema, city_index(setup.config.cities))
    if not firms:
        raise RosterError(f"名录文件 {path} 中没有找到“律所名称 / 统一社会信用代码 / 所在地市”表头和数据")
    return firms


def _settled(candidates: list[InboxFile], settle_seconds: float) -> tuple[list[InboxFile], int]:
    """Files whose size and mtime stay the same over the settle time; the others wait for the next scan."""
    now = time.time()
    young = [f for f in candidates if now - f.mtime < settle_seconds]
    if not young:
        return candidates, 0
    time.sleep(max(0.0, settle_seconds - (now - max(f.mtime for f in young))))
    ready, waiting = [f for f in candidates if f not in young], 0
    for f in young:
        again = restat(f)
        if again is not None and (again.size, again.mtime) == (f.size, f.mtime):
            ready.append(f)
        else:
            waiting += 1
    return sorted(ready, key=lambda f: f.rel), waiting


def list_new(store: Store, inbox: Path, settle_seconds: float, result: IntakeResult) -> list[InboxFile]:
    """Files not in the ledger (by path, size and mtime) whose size and mtime have settled."""
    seen = store.ledger_stats()
    listed = list_inbox(inbox)
    fresh = [f for f in listed if (f.rel, f.size, f.mtime) not in seen]
    result.seen = len(listed) - len(fresh)
    todo, result.waiting = _settled(fresh, settle_seconds)
    return todo


def take_files(setup: Setup, ctx, store: Store, files: list[InboxFile], archive_dir: Path, result: IntakeResult,
               progress: Callable[[int], None] | None = None) -> tuple[list[int], set[int]]:
    """Ledger, archive, check and store each file; returns the new file ids and the files whose receipts change."""
    new_ids: list[int] = []
    changed: set[int] = set()
    for f in files:
        try:
            data = f.path.read_bytes()
        except OSError:
            result.waiting += 1  # vanished or unreadable right now: left for the next scan
            continue
        file_id, touched = _take_file(setup, ctx, store, f, data, archive_dir, result)
        if file_id is not None:
            new_ids.append(file_id)
            changed |= touched
        if progress:
            progress(1)
    return new_ids, changed


def finish(setup: Setup, store: Store, new_ids: list[int], changed: set[int], receipts_dir: Path, result: IntakeResult) -> None:
    """Counts the new returns by their final status and writes the receipts that changed."""
    with store.transaction() as conn:
        for file_id in new_ids:
            for r in store.returns_of_file(conn, file_id):
                setattr(result, r["status"], getattr(result, r["status"]) + 1)
    for file_id in sorted(changed):
        result.receipts.append(write_receipt(setup, store, file_id, receipts_dir))


def rule_context(setup: Setup, roster: list[RosterFirm] | None, today: date):
    return setup.rule_context(today, frozenset(f.uscc for f in roster) if roster is not None else None)


def run_intake(
    setup: Setup,
    *,
    inbox: Path,
    store: Store,
    receipts_dir: Path,
    archive_dir: Path,
    roster: list[RosterFirm] | None,
    today: date,
    progress: Callable[[int, int], None] | None = None,
) -> IntakeResult:
    result = IntakeResult()
    with store.intake_lock():
        todo = list_new(store, inbox, setup.config.settle_seconds, result)
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, len(todo))

        new_ids, changed = take_files(setup, rule_context(setup, roster, today), store, todo, archive_dir, result, step)
        finish(setup, store, new_ids, changed, receipts_dir, result)
    return result


def _take_file(setup, ctx, store: Store, f: InboxFile, data: bytes, archive_dir: Path, result: IntakeResult):
    """Ledger, archive, check and store one file in one transaction. Returns (file id, files whose receipts change)."""
    digest = sha256(data)
    # the file's real size and mtime are those of the bytes read, which may differ from the listing
    kind = classify(f.rel)
    with store.transaction() as conn:
        known = store.file_by_hash(conn, digest)
        if known is not None and known.path == f.rel:
            store.touch_file(conn, known.id, len(data), f.mtime)  # same content saved again
            result.seen += 1
            return None, set()
        common = dict(path=f.rel, size=len(data), mtime=f.mtime, sha256=digest)
        if kind != SPREADSHEET:
            store.add_file(conn, outcome="ignored", message=kind, **common)
            result.ignored += 1
            return None, set()
        result.new += 1
        archived = archive_original(archive_dir, digest, PurePosixPath(f.rel).suffix, data)
        if known is not None:
            message = f"与已收到的文件“{known.path}”内容完全相同，未重复计入"
            file_id = store.add_file(conn, outcome="duplicate", message=message, duplicate_of=known.id, archived_as=archived, **common)
            result.duplicate += 1
            return file_id, {file_id}
        examined = examine(f.rel, data, ctx, setup.config.limits)
        if examined.problem:
            file_id = store.add_file(conn, outcome="unreadable", message=examined.problem, archived_as=archived, **common)
            store.add_file_finding(conn, file_id, file_finding(f.rel, examined.problem))
            result.unreadable += 1
            return file_id, {file_id}
        file_id = store.add_file(conn, outcome="processed", archived_as=archived, **common)
        new = []
        for checked in examined.returns:
            if checked.period is not None and checked.values.get("uscc"):
                previous = checked.period.previous().id
                before = store.accepted_values(conn, str(checked.values["uscc"]), previous)
                checked.findings.extend(history_findings(checked, before, previous, ctx.thresholds, ctx.schema))
            new.append(to_new_return(checked))
        changed = store.add_returns(conn, file_id, f.rel, f.mtime, new)
        return file_id, changed


def write_receipt(setup: Setup, store: Store, file_id: int, receipts_dir: Path) -> Path:
    with store.transaction() as conn:
        file_row = store.file(conn, file_id).__dict__
        return_rows = store.returns_of_file(conn, file_id)
        finding_rows = store.findings_of_file(conn, file_id)
        replacements = {
            r["id"]: store.replacement(conn, r["uscc"], r["period"]) for r in return_rows if r["status"] == "superseded"
        }
    data = receipt_from_rows(file_row, return_rows, finding_rows, replacements)
    target = receipts_dir / receipt_name(file_row["path"])
    write_atomic(target, build_receipt(data, setup.schema.title))
    return target
