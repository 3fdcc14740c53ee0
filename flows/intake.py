"""Intake: every new file in the inbox read once, checked, stored, and answered with a receipt.

Three steps per batch of files, so that the first can run anywhere (threads, processes, Dask
workers on other machines) and only the second touches the store:

1. `read_files`: read, hash, archive the original, examine (the core's checks). No store.
2. `store_reads`: one transaction for the batch: ledger, returns, findings, who counts (S01).
3. `write_receipts`: the receipts of every file whose receipt is due, from the store.

This module only sequences the core (`rtr`) and does the I/O.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path, PurePosixPath

from flows.files import (
    ArchivePack,
    BackgroundWriter,
    InboxFile,
    flush_to_disk,
    link_digest,
    list_inbox,
    read_regular,
    restat,
    sweep_stale_temps,
)
from flows.settings import Setup
from rtr.checking.examine import SPREADSHEET, Examined, classify, examine, file_finding, to_new_return
from rtr.checking.records import NewReturn
from rtr.checking.rules import RuleContext, history_findings
from rtr.filenames import receipt_name
from rtr.reading.roster import RosterFirm, parse_roster
from rtr.reading.values import city_index
from rtr.reading.workbook import Limits, load_workbook, too_large
from rtr.store import Store
from rtr.workbooks.receipts import ReceiptSettings, build_receipt, receipt_from_rows


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


@dataclass(frozen=True, slots=True)
class ReadFile:
    """One inbox file after step 1."""

    file: InboxFile
    digest: str | None  # None: the file vanished or could not be read just now
    size: int = 0
    kind: str = SPREADSHEET  # or why it is ignored
    archived_as: str | None = None
    examined: Examined | None = None  # its returns hold only the raw cells storing reads (`for_storing`)


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


def _examine_safely(rel: str, data: bytes, ctx: RuleContext, limits: Limits) -> Examined:
    try:
        examined = examine(rel, data, ctx, limits)
        return replace(examined, returns=[c.for_storing() for c in examined.returns])
    except Exception as exc:  # a reader bug must not sink the batch; the file is answered, not dropped
        return Examined(f"文件无法读取（{type(exc).__name__}），请用 Excel 或 WPS 打开另存后重新发送", [])


SYMLINK = "符号链接，未读取（不会沿链接读取收件箱之外的文件），请直接放入文件本身"


def read_files(files: list[InboxFile], ctx: RuleContext, limits: Limits, archive_dir: Path) -> list[ReadFile]:
    """Step 1: each file's bytes read once, hashed, archived (spreadsheets, in the batch's pack) and examined."""
    out = []
    pack = ArchivePack(archive_dir)
    try:
        for f in files:
            try:
                if f.symlink:
                    out.append(ReadFile(f, link_digest(f.path), 0, SYMLINK))
                    continue
                data, digest, size = read_regular(f.path, limits.max_file_bytes)
            except OSError:
                out.append(ReadFile(f, None))  # vanished, replaced or unreadable right now: left for the next scan
                continue
            kind = classify(f.rel)
            if kind != SPREADSHEET:
                out.append(ReadFile(f, digest, size, kind))
                continue
            if data is None:  # over the size limit: answered from its size, the bytes neither examined nor archived
                out.append(ReadFile(f, digest, size, kind, None, Examined(too_large(size, limits), [])))
                continue
            member = pack.add(digest, PurePosixPath(f.rel).suffix, data)
            out.append(ReadFile(f, digest, size, kind, member, _examine_safely(f.rel, data, ctx, limits)))
        packed = pack.close()  # durable: the originals are on disk before the store says they were received
    except BaseException:
        pack.discard()
        raise
    if packed is None:
        return out
    return [replace(r, archived_as=f"{packed}/{r.archived_as}") if r.archived_as else r for r in out]


def batch_payload(files: list[InboxFile], ctx: RuleContext, limits: Limits, archive_dir: Path) -> bytes:
    """What `read_payload` reads: a batch and what reading it needs, pickled by the sender."""
    return pickle.dumps((files, ctx, limits, archive_dir))


def read_payload(payload: bytes) -> list[ReadFile]:
    """`read_files` of a pickled (files, rule context, limits, archive folder): what a worker process or
    another machine runs for a batch. Pickled by the sender because runners that ship arguments
    themselves rebuild dataclasses on the way (an InboxFile arrived from Dask as a tuple)."""
    files, ctx, limits, archive = pickle.loads(payload)
    return read_files(files, ctx, limits, archive)


def read_packed(payload: bytes) -> bytes:
    """`read_payload`'s reads as one pickled bytes, for a batch read in another process: it crosses
    back as it is, and while it waits to be stored it is one object instead of ≈14 a file that every
    full garbage collection of the storing process walks."""
    return pickle.dumps(read_payload(payload), protocol=pickle.HIGHEST_PROTOCOL)


@contextmanager
def worker_processes(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of spawned worker processes for `read_packed`. They import this module and the core,
    not Prefect (1.3 s of CPU each), and never talk to a Prefect server. They start on the first
    batch submitted; queued batches are dropped if the run fails."""
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Python's full garbage collections walk every live object, and an intake holds many for the
    whole run: its inbox listing and, in a flow, Prefect's modules. At 40,000 files a run made 20–26
    full collections (5–6 s of CPU in a minute's run; 0.2 s at 5,000). What is alive when the
    batches start is moved out of the collector's sight (`gc.freeze`) until the end; it is still
    freed as soon as nothing refers to it. Not batch by batch: a flow's task runs leave garbage cycles holding their
    batch, which must be collected during the run, not at its end."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _Pending:
    """Ledger rows, returns and findings of a batch, inserted together by `flush` (a few statements
    instead of a few per file). Flushed early only when a later file needs an id or a stored status."""

    def __init__(self, store: Store, conn) -> None:
        self.store, self.conn = store, conn
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
        ids = self.store.add_files(self.conn, self.files)
        for row, file_id in zip(self.files, ids, strict=True):
            entry = known.get(row["sha256"])
            if entry is not None and entry[0] is None and entry[1] == row["path"]:
                known[row["sha256"]] = (file_id, row["path"])  # the placeholder of this file gets its id
            if row["outcome"] != "ignored":
                new_ids.append(file_id)
        for index, finding in self.file_findings:
            self.store.add_file_finding(self.conn, ids[index], finding)
        self.store.add_returns_bulk(
            self.conn, [(ids[i], self.files[i]["path"], self.files[i]["mtime"], r) for i, r in self.returns]
        )
        self.changed |= self.store.resolve_keys(self.conn, self.keys)
        self.flushed_keys |= self.keys
        self.files, self.returns, self.file_findings, self.keys = [], [], [], set()


def store_reads(ctx: RuleContext, store: Store, reads: list[ReadFile], result: IntakeResult) -> list[int]:
    """Step 2, one transaction: ledger entries, returns and findings of a batch; returns the new file ids."""
    new_ids: list[int] = []
    with store.transaction() as conn:
        # content → (file id, path) of the first file with it; id None while that file waits in `pending`
        known: dict[str, tuple[int | None, str]] = {
            d: (row.id, row.path) for d, row in store.files_by_hash(conn, [r.digest for r in reads if r.digest]).items()
        }
        # W08 compares with the previous half-year's accepted return: fetched for the batch at once,
        # but looked up again for a key this batch has itself stored
        wanted = {
            (str(c.values["uscc"]), c.period.previous().id)
            for r in reads
            if r.examined
            for c in r.examined.returns
            if c.period is not None and c.values.get("uscc")
        }
        before = store.accepted_values_of(conn, wanted)
        pending = _Pending(store, conn)
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
                store.touch_file(conn, same[0], r.size, f.mtime)  # same content saved again
                result.seen += 1
                continue
            common = dict(path=f.rel, size=r.size, mtime=f.mtime, sha256=r.digest, archived_as=r.archived_as)
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
            for checked in r.examined.returns:  # before this file joins `pending`: a flush here must not split it
                if checked.period is not None and checked.values.get("uscc"):
                    previous = checked.period.previous().id
                    key = (str(checked.values["uscc"]), previous)
                    if key in pending.keys:
                        pending.flush(known, new_ids)
                    prior = (
                        store.accepted_values_of(conn, {key}).get(key)
                        if key in pending.flushed_keys
                        else before.get(key)
                    )
                    checked.findings.extend(history_findings(checked, prior, previous, ctx.thresholds, ctx.schema))
            index = pending.add_file(outcome="processed", n_returns=len(r.examined.returns), receipt_due=True, **common)
            for checked in r.examined.returns:
                new = to_new_return(checked)
                pending.returns.append((index, new))
                if new.uscc and new.period:
                    pending.keys.add((new.uscc, new.period))
        pending.flush(known, new_ids)
        store.mark_receipts_due(conn, pending.changed - set(new_ids))
    return new_ids


def tally(store: Store, new_ids: list[int], result: IntakeResult) -> None:
    """Counts the new returns by their final status (a later batch may have superseded an earlier one)."""
    with store.transaction() as conn:
        for status, n in store.status_counts(conn, new_ids).items():
            setattr(result, status, getattr(result, status) + n)


def write_receipts(setup: Setup, store: Store, receipts_dir: Path, file_ids: list[int] | None = None) -> list[Path]:
    """Step 3: the receipts of these files (default: every file whose receipt is due), written then marked done."""
    with store.transaction() as conn:
        ids = store.receipts_due(conn) if file_ids is None else file_ids
        rows = store.receipt_rows(conn, ids)
    written = []
    cfg = setup.config
    settings = ReceiptSettings(cfg.schedule.timezone, cfg.report.office_contact, cfg.deadline.h1, cfg.deadline.h2)
    with BackgroundWriter() as writer:
        for file_row, return_rows, finding_rows, replacements in rows:
            data = receipt_from_rows(file_row, return_rows, finding_rows, replacements)
            target = receipts_dir / receipt_name(file_row["path"])
            writer.write(target, build_receipt(data, setup.schema.title, settings))
            written.append(target)
    if file_ids is None and ids:
        flush_to_disk()
        with store.transaction() as conn:
            store.mark_receipts_written(conn, ids)
    return written


def copy_receipts(setup: Setup, store: Store, file_ids: list[int], source_dir: Path, target_dir: Path) -> list[Path]:
    """The receipts of these files in `target_dir`: hard links to the intake's up-to-date receipts
    (intake replaces a receipt by renaming a new file over it, so a link never changes under a
    report), rendered afresh where one is due or missing."""
    with store.transaction() as conn:
        states = store.receipt_states(conn, file_ids)
    render, done = [], []
    for file_id in file_ids:
        path, due = states.get(file_id, ("", True))
        name = receipt_name(path)
        source, target = source_dir / name, target_dir / name
        if due or not source.is_file():
            render.append(file_id)
            continue
        done.append(target)
        if target.exists() and os.path.samefile(source, target):
            continue  # already this very receipt (renaming a link over itself would leave the link behind)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".tmp-{os.getpid()}-{target.stem}.part")
        tmp.unlink(missing_ok=True)
        try:
            os.link(source, tmp)
        except OSError:  # another file system, or links not allowed: a copy
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    for start in range(0, len(render), 1000):
        done += write_receipts(setup, store, target_dir, render[start : start + 1000])
    return done


def sweep_leftovers(receipts_dir: Path, archive_dir: Path) -> None:
    """The temporary files of a killed intake (receipts, originals); run under the intake lock."""
    for folder in (receipts_dir, archive_dir):
        sweep_stale_temps(folder)


def rule_context(setup: Setup, roster: list[RosterFirm] | None, today: date) -> RuleContext:
    return setup.rule_context(today, frozenset(f.uscc for f in roster) if roster is not None else None)


def batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_ahead(queue: list[list[InboxFile]], read: Callable, submit: Callable | None, ahead: int) -> Iterator:
    """Each batch's reads, in order. With `submit` (a runner), up to `ahead` batches are in flight in
    front of the one being stored, which bounds the memory their results hold; a batch or two (an
    incremental run) is read right here, since starting worker processes would cost more than it saves."""
    if submit is None or len(queue) <= 2:
        for batch in queue:
            yield read(batch)
        return
    pending = deque(submit(b) for b in queue[:ahead])
    for i in range(len(queue)):
        reads = pending.popleft().result()  # the batch's results go once stored
        if i + ahead < len(queue):
            pending.append(submit(queue[i + ahead]))
        yield reads


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
    batch_size: int = 250,
    executor: Executor | None = None,
) -> IntakeResult:
    """The three steps without Prefect, batch after batch; with `executor`, batches are read a few
    ahead on it, as the Prefect flow in pipeline.py reads them on its task runner."""
    result = IntakeResult()
    limits = setup.config.limits
    with store.intake_lock():
        sweep_leftovers(receipts_dir, archive_dir)
        todo = list_new(store, inbox, setup.config.settle_seconds, result)
        ctx = rule_context(setup, roster, today)
        queue = list(batches(todo, batch_size))
        done, new_ids = 0, []
        # as in the flow: worker processes send a batch's reads back packed, threads hand them over as they are
        read_there = read_packed if isinstance(executor, ProcessPoolExecutor) else read_payload
        submit = (
            (lambda b: executor.submit(read_there, batch_payload(b, ctx, limits, archive_dir))) if executor else None
        )
        reading = read_ahead(queue, lambda b: read_files(b, ctx, limits, archive_dir), submit, 4)
        with long_lived_frozen():
            for batch, got in zip(queue, reading, strict=True):
                reads = pickle.loads(got) if isinstance(got, bytes) else got
                new_ids += store_reads(ctx, store, reads, result)
                result.receipts += len(write_receipts(setup, store, receipts_dir))
                done += len(batch)
                if progress:
                    progress(done, len(todo))
        result.receipts += len(write_receipts(setup, store, receipts_dir))  # also any a crashed run left due
        tally(store, new_ids, result)
    return result
