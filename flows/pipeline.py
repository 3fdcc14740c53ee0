"""The Prefect flows. They only sequence the steps in flows/intake.py, flows/report.py and
flows/delivery.py; every decision is in the core (`rtr`).

- `intake_flow`: new inbox files in chunks, one task per chunk (≈4.5 ms of orchestration per task, so
  chunking keeps it cheap at tens of thousands of files); retries only for I/O errors, never for
  validation (a bad return is a result, not a failure).
- `report_flow`: intake (as a subflow) → aggregate and write every output → e-mail delivery.
Both leave artifacts in the Prefect UI: the findings of an intake run, and a summary of a report run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.intake import IntakeResult, finish, list_new, load_roster, rule_context, take_files
from flows.settings import load_setup
from rtr.config import sqlite_url
from rtr.periods import latest_ended, parse_period
from rtr.store import Store

CHUNK = 250
# set by the CLI on a terminal: called with (files done, files in all) after each chunk
progress_hook: ContextVar[Callable[[int, int], None] | None] = ContextVar("progress_hook", default=None)


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
def take_chunk_task(setup, ctx, store: Store, files, archive: Path, result: IntakeResult):
    return take_files(setup, ctx, store, files, archive, result)


@io_task
def finish_task(setup, store: Store, new_ids: list[int], changed: set[int], receipts: Path, result: IntakeResult):
    finish(setup, store, new_ids, changed, receipts, result)


def _findings_table(store: Store, new_ids: list[int]) -> list[dict]:
    rows = []
    with store.transaction() as conn:
        for file_id in new_ids:
            for f in store.findings_of_file(conn, file_id):
                rows.append({"file": store.file(conn, file_id).path, "rule": f["rule"], "severity": f["severity"],
                             "cell": f["cell"] or "", "field": f["label"] or "", "value": f["value"] or "",
                             "message": f["message"]})
    return rows


@flow(name="intake")
def intake_flow(config_path: str = "config.toml", inbox: str | None = None, db: str | None = None,
                roster: str | None = None, chunk_size: int = CHUNK) -> dict:
    setup = load_setup(Path(config_path))
    cfg = setup.config
    firms = load_roster(Path(roster) if roster else cfg.roster, setup)
    store = Store(sqlite_url(Path(db)) if db else cfg.store_url)
    result = IntakeResult()
    try:
        with store.intake_lock():
            todo = list_inbox_task(store, Path(inbox) if inbox else cfg.inbox, cfg.settle_seconds, result)
            ctx = rule_context(setup, firms, date.today())
            new_ids: list[int] = []
            changed: set[int] = set()
            hook = progress_hook.get()
            for start in range(0, len(todo), chunk_size):
                ids, touched = take_chunk_task(setup, ctx, store, todo[start : start + chunk_size], cfg.archive, result)
                new_ids += ids
                changed |= touched
                if hook:
                    hook(min(start + chunk_size, len(todo)), len(todo))
            finish_task(setup, store, new_ids, changed, cfg.receipts, result)
            if new_ids:
                create_table_artifact(_findings_table(store, new_ids), key="intake-findings",
                                      description=f"本次读取的审核问题：{result.line()}")
    finally:
        store.close()
    return {"line": result.line(), **{k: v for k, v in vars(result).items() if k != "receipts"}}


@io_task
def write_outputs_task(config_path: str, period_id: str, out: str | None, db: str | None, roster: str | None):
    from flows.documents import render_documents
    from flows.report import write_outputs

    setup = load_setup(Path(config_path))
    cfg = setup.config
    store = Store(sqlite_url(Path(db)) if db else cfg.store_url)
    try:
        firms = load_roster(Path(roster) if roster else cfg.roster, setup)
        folder, summary, written = write_outputs(setup, parse_period(period_id), out_dir=Path(out) if out else cfg.outputs,
                                                 store=store, roster=firms, documents=render_documents)
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
    lines = [f"# {period_label} 报告", "",
             f"- 已采用报表 **{m['firms']}** 份；退回 {statuses['rejected']} 份，被替代 {statuses['superseded']} 份，无法读取的文件 {len(summary['unreadable'])} 个",
             f"- 党的组织覆盖率 {pct(m['org_coverage_rate'])}，党的工作覆盖率 {pct(m['work_coverage_rate'])}，单独组建率 {pct(m['own_org_rate'])}",
             f"- 报送率 {pct(m['report_rate'])}" if m.get("expected_firms") is not None else "- 未配置名录：无报送率",
             "", "| 规则 | 律所数 |", "|---|---|"]
    lines += [f"| {rule} | {n} |" for rule, n in sorted(warnings.items())] or ["| — | 0 |"]
    lines += ["", "## 文件", *[f"- `{p}`" for p in written]]
    if delivered is not None:
        lines += ["", "## 邮件", *[f"- {d['scope']} → {d['recipient']}: {d['status']}" for d in delivered]]
    return "\n".join(lines)


@flow(name="report")
def report_flow(config_path: str = "config.toml", period: str | None = None, inbox: str | None = None,
                out: str | None = None, db: str | None = None, roster: str | None = None, no_email: bool = False) -> dict:
    setup = load_setup(Path(config_path))
    p = parse_period(period) if period else latest_ended(date.today())
    intake = intake_flow(config_path, inbox=inbox, db=db, roster=roster)
    folder, summary, written = write_outputs_task(config_path, p.id, out, db, roster)
    delivered = None
    if not no_email and setup.config.email.enabled:
        delivered = deliver_task(config_path, p.id, folder, db)
    create_markdown_artifact(report_markdown(p.label, summary, written, delivered), key=f"report-{p.id.lower()}",
                             description=f"{p.label}报告")
    return {"period": p.id, "intake": intake, "folder": folder, "documents": written, "firms": summary["metrics"]["firms"],
            "delivered": delivered}
