"""The pipeline, written once: the steps of an intake and of a report, over a Setup loaded at the edge.

How each step runs is the caller's choice (`via`): `Direct` calls it in this process (a typed
command with no Prefect server configured); `flows.pipeline.AsTasks` runs it as a Prefect task
(a flow: scheduled runs, or a command with a server). The decisions are in the core (`rtr`).

An intake takes new inbox files in batches: each batch is read where `[runner]` says (a few
batches ahead), then stored in one transaction, then its receipts are written, in inbox order.
A report runs an intake, then writes the period's outputs, then delivers them.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from flows.bounded import Bounds
from flows.listing import Listing, list_new
from flows.readers import Reader, reader_for
from flows.reading import ReadFile, batch_payload, batches, read_ahead
from flows.receipts import UnfinishedMark, write_receipts
from flows.setup import Setup
from flows.status import write_progress
from flows.storing import IntakeResult, rederive_for_roster, store_reads, tally
from rtr.checking.rules import RuleContext
from rtr.config import ConfigError
from rtr.form.periods import Period
from rtr.store import Store

IO_RETRIES = 2  # a step that failed on I/O (a disk or network hiccup) is tried again, never on a bad input
IO_RETRY_SECONDS = 2.0

log = logging.getLogger("returns-to-reports")


class Via(Protocol):
    """How the steps run."""

    def run(self, step: Callable, *args, **kwargs): ...  # one step, now, retried on I/O errors
    def submit(self, step: Callable, *args) -> Future: ...  # a step in the background (batches read ahead)
    def log(self, message: str) -> None: ...


class Direct:
    """The steps as plain calls in this process, retried on I/O errors as the Prefect tasks are."""

    def __init__(self, workers: int = 2, sleep: Callable[[float], None] = time.sleep) -> None:
        self._pool = ThreadPoolExecutor(max_workers=2 * workers, thread_name_prefix="read")
        self._sleep = sleep

    def run(self, step: Callable, *args, **kwargs):
        for attempt in range(IO_RETRIES + 1):
            try:
                return step(*args, **kwargs)
            except OSError:
                if attempt == IO_RETRIES:
                    raise
                self._sleep(IO_RETRY_SECONDS)
        raise AssertionError("unreachable")

    def submit(self, step: Callable, *args) -> Future:
        return self._pool.submit(self.run, step, *args)

    def log(self, message: str) -> None:
        log.info(message)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Python's full garbage collections walk every live object, and an intake holds many for the
    whole run: its inbox listing and, in a flow, Prefect's modules. At 40,000 files a run made 20–26
    full collections (5–6 s of CPU in a minute's run; 0.2 s at 5,000). What is alive when the
    batches start is moved out of the collector's sight (`gc.freeze`) until the end; it is still
    freed as soon as nothing refers to it. Not batch by batch: a flow's task runs leave garbage
    cycles holding their batch, which must be collected during the run, not at its end."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def list_inbox(setup: Setup, store: Store) -> Listing:
    return list_new(store, setup.config.inbox, setup.config.settle_seconds)


def read_batch(reader: Reader, payload: bytes) -> bytes:
    """A batch read where `[runner]` says, in a bounded worker process (flows/bounded.py)."""
    return reader.read(payload)


@dataclass(frozen=True)
class Stored:
    new_ids: list[int]
    receipts: int
    receipts_problem: str | None = None


def store_batch(setup: Setup, ctx: RuleContext, store: Store, reads: list[ReadFile], result: IntakeResult) -> Stored:
    """A batch stored, then its receipts: one step, not two (each Prefect task run costs a few ms
    and events). Only the store is retried on I/O errors (its transaction rolls back); receipts
    that cannot be written now stay due in the store for the receipts step after the last batch,
    so a retry never stores a batch twice."""
    new_ids = store_reads(ctx, store, reads, result)
    try:
        written = write_receipts(setup, store, setup.config.receipts)
    except OSError as exc:
        return Stored(new_ids, 0, f"回执暂时无法写入（{exc.strerror or exc}），稍后重试")
    return Stored(new_ids, len(written))


def write_due_receipts(setup: Setup, store: Store) -> int:
    """Every receipt still due: those a failed write or a crashed run left."""
    return len(write_receipts(setup, store, setup.config.receipts))


@dataclass
class Intake:
    result: IntakeResult
    new_ids: list[int] = field(default_factory=list)  # the files this run added to the ledger
    progress: list = field(default_factory=list)  # (Progress, 报送进度.xlsx) of each half-year it stored returns for
    mailing: object | None = None  # flows.firm_mail.Mailing: the receipts mailed to firms, when they are

    def as_dict(self) -> dict:
        """What a command prints and a flow returns."""
        return {
            "line": self.result.line(),
            **vars(self.result),
            "progress": [str(path) for _, path in self.progress],
            "mail": self.mailing.line() if self.mailing else None,
        }


def mail_receipts(setup: Setup, store: Store, announce: Callable[[str], None]):
    """The receipts just written, mailed to their firms; a failure to send never fails the intake:
    it is recorded, and `send --receipts` (or the next intake) sends what is still due."""
    from flows.firm_mail import Mailing, send_receipts  # the mail's templates and its libraries: only when mailing

    try:
        return send_receipts(setup, store, announce=announce)
    except ConfigError as exc:  # e.g. the password's variable is not set: nothing sent, nothing lost
        return Mailing("回执邮件", note=f"未发送：{exc}")


def intake(setup: Setup, store: Store, via: Via, *, progress: Callable[[int, int], None] | None = None) -> Intake:
    cfg = setup.config
    run = Intake(IntakeResult())
    result = run.result
    bounds = Bounds(int(cfg.worker_memory_mb * 2**20), cfg.seconds_per_file)
    reader = reader_for(cfg.runner.kind, cfg.runner.workers, bounds, cfg.runner.dask_address)
    try:
        with store.intake_lock(), UnfinishedMark(cfg.receipts, cfg.archive) as unfinished:
            via.run(rederive_for_roster, setup.rule_context(), store)  # a roster given or changed: every W10 anew
            listing = via.run(list_inbox, setup, store)
            result.seen, result.waiting = listing.seen, listing.waiting
            ctx = setup.rule_context()
            queue = list(batches(listing.todo, cfg.runner.batch_size))
            via.log(f"读取新文件：{len(listing.todo)} 个，分 {len(queue)} 批")
            done = 0
            with long_lived_frozen():
                payload = lambda b: batch_payload(b, ctx, cfg.limits, cfg.archive)  # noqa: E731
                reading = read_ahead(
                    queue,
                    lambda b: via.run(read_batch, reader, payload(b)),
                    lambda b: via.submit(read_batch, reader, payload(b)),
                    2 * cfg.runner.workers,
                )
                for batch, reads in zip(queue, reading, strict=True):
                    stored = via.run(store_batch, setup, ctx, store, reads, result)
                    run.new_ids += stored.new_ids
                    result.receipts += stored.receipts
                    if stored.receipts_problem:
                        via.log(stored.receipts_problem)
                    done += len(batch)
                    via.log(f"已读取并保存 {done}/{len(listing.todo)}")
                    if progress:
                        progress(done, len(listing.todo))
            if reader.may_have_left_temporaries:  # workers of this run that died (on Dask: not known here)
                unfinished.sweep()
            result.receipts += via.run(write_due_receipts, setup, store)
            via.run(tally, store, run.new_ids, result)
            run.progress = via.run(write_progress, setup, store, run.new_ids)
            if cfg.email.enabled and cfg.email.receipts_to_firms:
                run.mailing = via.run(mail_receipts, setup, store, via.log)
    finally:
        reader.close()
    return run


class PeriodNotEnded(ConfigError):
    """A report or a delivery for a half-year that has not ended yet."""


def refuse_unended(period: Period, setup: Setup) -> None:
    if not period.has_ended(setup.today):
        from rtr.form.periods import latest_ended

        latest = latest_ended(setup.today)
        raise PeriodNotEnded(
            f"{period.label}尚未结束（截至{period.end.year}年{period.end.month}月{period.end.day}日），不能生成或发送报告；"
            f"最近一个已结束的半年是{latest.label}（--period {latest.id}）"
        )


@dataclass
class Report:
    period: Period
    intake: Intake
    folder: Path
    summary: dict
    documents: list[Path]
    delivered: list[dict] | None = None  # None: not sent (e-mail off, --no-email, or nothing to send)
    not_sent: str | None = None  # why nothing was sent, when e-mail was to be sent

    @property
    def firms(self) -> int:
        return self.summary["metrics"]["firms"]

    @property
    def undelivered(self) -> str | None:
        """What to tell staff when some mail could not be sent."""
        failed = [d for d in self.delivered or [] if d["status"] == "failed"]
        if not failed:
            return None
        return (
            f"{len(failed)} 封邮件未能发送（{failed[0]['error']}）；报告已生成，"
            f"恢复后运行 python -m flows send --period {self.period.id} 补发"
        )

    def as_dict(self) -> dict:
        return {
            "period": self.period.id,
            "intake": self.intake.as_dict(),
            "folder": str(self.folder),
            "documents": [str(p) for p in self.documents],
            "firms": self.firms,
            "delivered": self.delivered,
            "not_sent": self.not_sent,
            "undelivered": self.undelivered,
        }


def report(
    setup: Setup,
    store: Store,
    period: Period,
    via: Via,
    *,
    email: bool = True,
    documents: bool | Callable = True,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Intake, then every output of `period`, then e-mail unless `email` is false or e-mail is off.
    `documents`: the Word reports (True), none (False), or another renderer (tests capture the jobs)."""
    from flows.delivery import deliver
    from flows.documents import render_documents
    from flows.report import write_outputs

    refuse_unended(period, setup)
    taken = intake(setup, store, via, progress=progress)
    renderer = render_documents if documents is True else documents or None
    folder, summary, written = via.run(write_outputs, setup, period, store=store, documents=renderer, announce=via.log)
    done = Report(period, taken, folder, summary, written)
    if not (email and setup.config.email.enabled):
        return done
    if done.firms == 0:
        done.not_sent = f"{period.label}没有已采用的报表：报告已生成，但未发送（请先确认报表已收齐）"
        return done
    done.delivered = [vars(o) for o in via.run(deliver, setup, store, period, folder, announce=via.log)]
    return done
