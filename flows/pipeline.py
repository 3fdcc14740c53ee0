"""The Prefect flows. They only sequence the steps in flows/intake.py, flows/report.py and
flows/delivery.py; every decision is in the core (`rtr`).

- `intake_flow`: new inbox files in batches, one task per batch (≈4.5 ms of orchestration per task,
  so batching keeps it cheap at tens of thousands of files). Reading and checking a batch runs where
  `[runner]` says, a few batches ahead: in threads, in worker processes (the task run waits in a
  thread while a worker process that imports only the core reads its batch), or on Dask; storing
  and receipts run in the flow's process, batch after batch, in inbox order. Retries only for I/O
  errors, never for validation (a bad return is a result, not a failure).
- `report_flow`: intake (as a subflow) → aggregate and write every output → e-mail delivery.
Large or stateful arguments are passed `quote`d: Prefect would otherwise walk every object in them
looking for futures (slow for a batch of returns, and it cannot rebuild a store or the schema).
Both leave artifacts in the Prefect UI: the findings of an intake run, and a summary of a report run.
"""

from __future__ import annotations

import os
import pickle
from collections import Counter
from concurrent.futures import Executor
from contextlib import nullcontext
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import progress
from flows.intake import (
    IntakeResult,
    ReadFile,
    batch_payload,
    batches,
    list_new,
    load_roster,
    long_lived_frozen,
    read_ahead,
    read_packed,
    read_payload,
    rule_context,
    store_reads,
    sweep_leftovers,
    tally,
    worker_processes,
    write_receipts,
)
from flows.settings import load_setup
from rtr.config import Config, Runner, sqlite_url
from rtr.form.periods import latest_ended, parse_period
from rtr.store import Store


def _io_failure(task_, task_run, state) -> bool:
    """Retry a task only when it failed on I/O (a disk or network hiccup)."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # anything else is a bug or a bad input: retrying would not help
        return False
    return False


io_task = task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2, retry_condition_fn=_io_failure)


@io_task
def list_inbox_task(store: Store, inbox: Path, settle_seconds: float, result: IntakeResult):
    return list_new(store, inbox, settle_seconds, result)


@io_task
def read_batch_task(payload: bytes, pool: Executor | None = None, packed: bool = False) -> list[ReadFile] | bytes:
    """A batch read and checked (`read_payload`). With `pool` (`kind = "processes"`), the task run
    waits in a thread of the flow's process while a worker process reads the batch: Prefect's own
    process pool would start every worker with Prefect (1.3 s of CPU each) and build an API client in
    it for every task run (≈0.1 s). Read in another process (the pool's, or Dask's with `packed`), the
    reads come back as one pickled bytes (`read_packed`): a runner passes it on for almost nothing
    instead of re-serialising it, and it waits to be stored as one object, not ≈14 a file."""
    if pool is not None:
        return pool.submit(read_packed, payload).result()
    return read_packed(payload) if packed else read_payload(payload)


@io_task
def store_batch_task(
    setup, ctx, store: Store, reads: list[ReadFile], result: IntakeResult, receipts: Path
) -> tuple[list[int], int]:
    """A batch stored, then its receipts: one task, not two (each task run costs the flow and the
    server a few ms and events). Only the store is retried on I/O errors (its transaction rolls
    back); receipts that cannot be written now stay due in the store for the receipts task after
    the last batch, so a retry never stores a batch twice."""
    new_ids = store_reads(ctx, store, reads, result)
    try:
        written = write_receipts(setup, store, receipts)
    except OSError as exc:
        get_run_logger().warning("回执暂时无法写入（%s），稍后重试", exc)
        written = []
    return new_ids, len(written)


@io_task
def receipts_task(setup, store: Store, receipts: Path) -> int:
    return len(write_receipts(setup, store, receipts))


@io_task
def tally_task(store: Store, new_ids: list[int], result: IntakeResult) -> None:
    tally(store, new_ids, result)


def task_runner(runner: Runner):
    """The configured task runner for intake's read-and-check batches."""
    if runner.kind == "processes":  # threads that wait on the flow's worker processes (intake_flow)
        return ThreadPoolTaskRunner(max_workers=2 * runner.workers)
    if runner.kind == "dask":
        from prefect_dask import DaskTaskRunner

        if runner.dask_address:
            return DaskTaskRunner(address=runner.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": runner.workers, "threads_per_worker": 1, "processes": True})
    return ThreadPoolTaskRunner(max_workers=runner.workers)


def share_temporary_server() -> None:
    """With no Prefect server configured, this process starts a temporary one; the workers of a local
    Dask cluster run Prefect tasks and would each start their own (≈5 s and a core apiece) unless
    told where this one is. Started here, before the runner spawns them, and shared by address."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value() or os.environ.get("PREFECT_API_URL"):
        return
    from prefect.server.api.server import SubprocessASGIServer  # ≈2 s to import: only when a server is started

    server = SubprocessASGIServer()  # the instance Prefect itself would start for this process
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url


def configured_intake(config: Config):
    """`intake_flow` with the task runner `[runner]` asks for."""
    if config.runner.kind == "dask" and not config.runner.dask_address:
        share_temporary_server()
    return intake_flow.with_options(task_runner=task_runner(config.runner))


@flow(name="intake", task_runner=ThreadPoolTaskRunner(max_workers=2))
def intake_flow(
    config_path: str = "config.toml",
    inbox: str | None = None,
    db: str | None = None,
    roster: str | None = None,
    chunk_size: int | None = None,
) -> dict:
    setup = load_setup(Path(config_path))
    cfg = setup.config
    firms = load_roster(Path(roster) if roster else cfg.roster, setup)
    store = Store(sqlite_url(Path(db)) if db else cfg.store_url)
    result = IntakeResult()
    size = chunk_size or cfg.runner.batch_size
    try:
        with store.intake_lock():
            sweep_leftovers(cfg.receipts, cfg.archive)
            todo = list_inbox_task(quote(store), Path(inbox) if inbox else cfg.inbox, cfg.settle_seconds, quote(result))
            ctx = rule_context(setup, firms, date.today())
            new_ids: list[int] = []
            hook = progress.hook.get()
            queue = list(batches(todo, size))
            log = get_run_logger()
            log.info("读取新文件：%d 个，分 %d 批", len(todo), len(queue))

            run = FlowRunContext.get()  # the runner actually in use: results cross a process boundary unless threads
            across = not (run and isinstance(run.task_runner, ThreadPoolTaskRunner))

            # workers start on the first batch submitted: none for a run that read_ahead reads right here
            processes = cfg.runner.kind == "processes" and not across
            with worker_processes(cfg.runner.workers) if processes else nullcontext() as pool, long_lived_frozen():
                # the pool only to a task run in this process (Dask would ship the quote, not the pool)
                where = {"pool": quote(pool)} if pool else {"packed": across}
                payload = lambda b: batch_payload(b, ctx, cfg.limits, cfg.archive)  # noqa: E731
                # a batch read right here (a run of one or two) stays in this process: nothing to pickle back
                reading = read_ahead(
                    queue,
                    lambda b: read_batch_task(payload(b)),
                    lambda b: read_batch_task.submit(payload(b), **where),
                    2 * cfg.runner.workers,
                )
                done = 0
                for batch, got in zip(queue, reading, strict=True):
                    reads = pickle.loads(got) if isinstance(got, bytes) else got
                    ids, written = store_batch_task(
                        quote(setup), quote(ctx), quote(store), quote(reads), quote(result), cfg.receipts
                    )
                    new_ids += ids
                    result.receipts += written
                    done += len(batch)
                    log.info("已读取并保存 %d/%d", done, len(todo))
                    if hook:
                        hook(done, len(todo))
            result.receipts += receipts_task(
                quote(setup), quote(store), cfg.receipts
            )  # also any a crashed run left due
            tally_task(quote(store), quote(new_ids), quote(result))
            if new_ids:
                rows, total = _findings_table(store, new_ids)
                more = (
                    f"（共 {total} 条，此处列出前 {len(rows)} 条，完整清单见回执和汇总表）" if total > len(rows) else ""
                )
                create_table_artifact(
                    rows, key="intake-findings", description=f"本次读取的审核问题{more}：{result.line()}"
                )
    finally:
        store.close()
    return {"line": result.line(), **vars(result)}


@flow(name="inbox-scan")
def scan_flow(config_path: str = "config.toml") -> dict:
    """Entry point for deployments run by workers (prefect.yaml): intake on the task runner `[runner]` asks for."""
    return configured_intake(load_setup(Path(config_path)).config)(config_path)


ARTIFACT_ROWS = 500


def _findings_table(store: Store, new_ids: list[int]) -> tuple[list[dict], int]:
    with store.transaction() as conn:
        rows, total = store.findings_of_files(conn, new_ids, ARTIFACT_ROWS)
    return [
        {
            "file": f["path"],
            "rule": f["rule"],
            "severity": f["severity"],
            "cell": f["cell"] or "",
            "field": f["label"] or "",
            "value": f["value"] or "",
            "message": f["message"],
        }
        for f in rows
    ], total


@io_task
def write_outputs_task(config_path: str, period_id: str, out: str | None, db: str | None, roster: str | None):
    from flows.documents import render_documents
    from flows.report import write_outputs

    setup = load_setup(Path(config_path))
    cfg = setup.config
    store = Store(sqlite_url(Path(db)) if db else cfg.store_url)
    try:
        firms = load_roster(Path(roster) if roster else cfg.roster, setup)
        folder, summary, written = write_outputs(
            setup,
            parse_period(period_id),
            out_dir=Path(out) if out else cfg.outputs,
            store=store,
            roster=firms,
            documents=render_documents,
            announce=get_run_logger().info,
        )
    finally:
        store.close()
    return str(folder), summary, [str(p) for p in written]


@task(cache_policy=NO_CACHE)
def deliver_task(config_path: str, period_id: str, folder: str, db: str | None) -> list[dict]:
    from flows.delivery import deliver

    setup = load_setup(Path(config_path))
    store = Store(sqlite_url(Path(db)) if db else setup.config.store_url)
    try:
        return [vars(o) for o in deliver(setup, store, parse_period(period_id), Path(folder))]
    finally:
        store.close()


def report_markdown(period_label: str, summary: dict, written: list[str], delivered: list[dict] | None) -> str:
    m = summary["metrics"]
    pct = lambda v: "—" if v is None else f"{v * 100:.1f}%"  # noqa: E731
    warnings = Counter(f["rule"] for s in summary["submissions"] if s["status"] == "accepted" for f in s["findings"])
    statuses = Counter(s["status"] for s in summary["submissions"])
    lines = [
        f"# {period_label} 报告",
        "",
        f"- 已采用报表 **{m['firms']}** 份；退回 {statuses['rejected']} 份，被替代 {statuses['superseded']} 份，无法读取的文件 {len(summary['unreadable'])} 个",
        f"- 党的组织覆盖率 {pct(m['org_coverage_rate'])}，党的工作覆盖率 {pct(m['work_coverage_rate'])}，单独组建率 {pct(m['own_org_rate'])}",
        f"- 报送率 {pct(m['report_rate'])}" if m.get("expected_firms") is not None else "- 未配置名录：无报送率",
        "",
        "| 规则 | 律所数 |",
        "|---|---|",
    ]
    lines += [f"| {rule} | {n} |" for rule, n in sorted(warnings.items())] or ["| — | 0 |"]
    lines += ["", "## 文件", *[f"- `{p}`" for p in written]]
    if delivered is not None:
        lines += ["", "## 邮件", *[f"- {d['scope']} → {d['recipient']}: {d['status']}" for d in delivered]]
    return "\n".join(lines)


@flow(name="report")
def report_flow(
    config_path: str = "config.toml",
    period: str | None = None,
    inbox: str | None = None,
    out: str | None = None,
    db: str | None = None,
    roster: str | None = None,
    no_email: bool = False,
) -> dict:
    setup = load_setup(Path(config_path))
    p = parse_period(period) if period else latest_ended(date.today())
    intake = configured_intake(setup.config)(config_path, inbox=inbox, db=db, roster=roster)
    folder, summary, written = write_outputs_task(config_path, p.id, out, db, roster)
    delivered = None
    if not no_email and setup.config.email.enabled:
        delivered = deliver_task(config_path, p.id, folder, db)
    create_markdown_artifact(
        report_markdown(p.label, summary, written, delivered),
        key=f"report-{p.id.lower()}",
        description=f"{p.label}报告",
    )
    return {
        "period": p.id,
        "intake": intake,
        "folder": folder,
        "documents": written,
        "firms": summary["metrics"]["firms"],
        "delivered": delivered,
    }
