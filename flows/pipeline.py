"""The Prefect flows: the steps of flows/steps.py, each run as a task, and the artifacts the UI shows.

- `intake_flow` (deployed as `inbox-scan`): new inbox files in batches; the Prefect UI shows a task
  run per step and batch, and a table of the run's findings.
- `report_flow` (deployed as `semiannual-report`): intake, the period's outputs, e-mail; a summary
  of the run in the UI. A report with no accepted return writes its outputs, sends nothing and ends
  Failed, so it shows red.

Steps get their arguments `quote`d: Prefect would otherwise walk every object in them looking for
futures (slow for a batch of returns, and it cannot rebuild a store or the schema).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import progress, steps
from flows.server_watch import ServerWatch
from flows.setup import Overrides, load_setup, open_store
from rtr.form.periods import latest_ended, parse_period
from rtr.store import Store, returns


def _io_failure(task_, task_run, state) -> bool:
    """Retry a task only when it failed on I/O (a disk or network hiccup)."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:  # anything else is a bug or a bad input: retrying would not help
        return False
    return False


def _api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


class AsTasks:
    """The steps as Prefect tasks of the flow run in progress (retried as `steps.Direct` retries)."""

    def __init__(self) -> None:
        self._tasks: dict[Callable, object] = {}
        self._watch = ServerWatch(_api_url())

    def _task(self, step: Callable):
        if step not in self._tasks:
            self._tasks[step] = task(
                step,
                name=getattr(step, "__name__", "step").replace("_", "-"),
                cache_policy=NO_CACHE,
                retries=steps.IO_RETRIES,
                retry_delay_seconds=steps.IO_RETRY_SECONDS,
                retry_condition_fn=_io_failure,
            )
        return self._tasks[step]

    def run(self, step: Callable, *args, **kwargs):
        self._watch.check()
        return self._task(step)(*(quote(a) for a in args), **{k: quote(v) for k, v in kwargs.items()})

    def submit(self, step: Callable, *args):
        self._watch.check()
        return self._task(step).submit(*(quote(a) for a in args))

    def log(self, message: str) -> None:
        get_run_logger().info(message)


# Read tasks wait in these threads on the reader (worker processes or Dask); how many are in flight
# is bounded by the read-ahead of steps.intake, not by this pool.
TASK_THREADS = 16


def _overrides(inbox: str | None, db: str | None, out: str | None, roster: str | None) -> Overrides:
    path = lambda v: Path(v) if v else None  # noqa: E731
    return Overrides(inbox=path(inbox), db=path(db), out=path(out), roster=path(roster))


@flow(name="intake", task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS))
def intake_flow(
    config_path: str = "config.toml", inbox: str | None = None, db: str | None = None, roster: str | None = None
) -> dict:
    setup = load_setup(Path(config_path), _overrides(inbox, db, None, roster))
    with open_store(setup.config) as store:
        taken = steps.intake(setup, store, AsTasks(), progress=progress.hook.get())
        publish_findings(store, taken)
    publish_progress(taken, setup)
    return taken.as_dict()


def publish_progress(taken: steps.Intake, setup) -> None:
    """报送进度 of each half-year the run stored returns for, in the UI (artifact `progress-2024h1`)."""
    from rtr.deadlines import date_label
    from rtr.reporting.progress import progress_artifact_key, progress_markdown

    for standing, path in taken.progress:
        create_markdown_artifact(
            progress_markdown(standing, date_label(setup.today)),
            key=progress_artifact_key(standing.period),
            description=f"{standing.period.label}报送进度（{path}）",
        )


ARTIFACT_ROWS = 500


def publish_findings(store: Store, taken: steps.Intake) -> None:
    if not taken.new_ids:
        return
    with store.transaction() as conn:
        rows, total = returns.findings_of_files(conn, taken.new_ids, ARTIFACT_ROWS)
    table = [
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
    ]
    more = f"（共 {total} 条，此处列出前 {len(rows)} 条，完整清单见回执和汇总表）" if total > len(rows) else ""
    create_table_artifact(table, key="intake-findings", description=f"本次读取的审核问题{more}：{taken.result.line()}")


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


class NothingToReport(RuntimeError):
    """The period has no accepted return: the outputs are written, nothing is sent, the run is Failed."""


class NotDelivered(RuntimeError):
    """Some documents could not be sent: they are written and recorded as failed; the run is Failed."""


@flow(name="report", task_runner=ThreadPoolTaskRunner(max_workers=TASK_THREADS))
def report_flow(
    config_path: str = "config.toml",
    period: str | None = None,
    inbox: str | None = None,
    out: str | None = None,
    db: str | None = None,
    roster: str | None = None,
    no_email: bool = False,
) -> dict:
    setup = load_setup(Path(config_path), _overrides(inbox, db, out, roster))
    p = parse_period(period) if period else latest_ended(setup.today)
    if p is None:
        raise ValueError(f"无法识别的报告期 {period!r}：请写成 2024H1 或 2024年上半年")
    with open_store(setup.config) as store:
        done = steps.report(setup, store, p, AsTasks(), email=not no_email, progress=progress.hook.get())
        publish_findings(store, done.intake)
    written = [str(d) for d in done.documents]
    create_markdown_artifact(
        report_markdown(p.label, done.summary, written, done.delivered),
        key=f"report-{p.id.lower()}",
        description=f"{p.label}报告",
    )
    if done.firms == 0 and not no_email:
        raise NothingToReport(done.not_sent or f"{p.label}没有已采用的报表：报告已生成，但未发送")
    if done.undelivered:
        raise NotDelivered(done.undelivered)
    return done.as_dict()


@flow(name="remind")
def remind_flow(config_path: str = "config.toml", period: str | None = None) -> dict:
    """The reminders due today ([deadline]) and, after the deadline, each city's list of firms still
    missing; nothing when `[email] reminders` is off."""
    from flows.firm_mail import send_reminders

    setup = load_setup(Path(config_path))
    log = get_run_logger()
    if not (setup.config.email.enabled and setup.config.email.reminders):
        log.info("提醒未启用（config.toml [email] enabled 和 reminders）")
        return {"line": "提醒未启用"}
    p = parse_period(period) if period else latest_ended(setup.today)
    with open_store(setup.config) as store:
        mailing = send_reminders(setup, store, p, announce=log.info)
    if mailing.failed:
        raise NotDelivered(mailing.line())
    return {"line": mailing.line()}
