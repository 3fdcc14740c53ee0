"""`serve`: one process serving the inbox scan and the semiannual report as Prefect deployments."""

from __future__ import annotations

import fcntl
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from prefect.schedules import Cron, Interval

from flows.pipeline import intake_flow, remind_flow, report_flow
from flows.setup import Setup
from rtr.config import ConfigError
from rtr.store import Store


def build_deployments(setup: Setup, config_path: Path) -> list:
    schedule = setup.config.schedule
    params = {"config_path": str(config_path.resolve())}
    scan = intake_flow.to_deployment(
        name="inbox-scan",
        schedule=Interval(timedelta(minutes=schedule.scan_every_minutes), timezone=schedule.timezone),
        parameters=params,
        concurrency_limit=1,  # one scan at a time; a slow scan is never overtaken by the next
        description="读取收件文件夹中已写完的新文件，审核、入库并生成回执",
    )
    report = report_flow.to_deployment(
        name="semiannual-report",
        schedule=Cron(schedule.report_cron, timezone=schedule.timezone),
        parameters=params,
        concurrency_limit=1,
        description="汇总刚结束的半年并发送报告",
    )
    remind = remind_flow.to_deployment(
        name="daily-reminders",
        schedule=Cron(schedule.remind_cron, timezone=schedule.timezone),
        parameters=params,
        concurrency_limit=1,
        description="向尚未报送或被退回的律所发送到期的提醒；截止后向各地市发送未报送名单",
    )
    return [scan, report, remind]


@contextmanager
def serve_lock(setup: Setup) -> Iterator[None]:
    """One `serve` per store: a second one refuses with a message instead of doubling every run."""
    store = Store(setup.config.store_url)
    path = Path(str(store.sqlite_path) + ".serve.lock") if store.sqlite_path else setup.config.root / ".serve.lock"
    store.close()
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"另一个 serve 已在为同一个数据库运行（锁文件 {path}）：请先停止它") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


DEPLOYMENTS = ("intake/inbox-scan", "report/semiannual-report", "remind/daily-reminders")


def release_orphaned_runs() -> int:
    """Marks Crashed the runs of our deployments that a stopped `serve` left pending or running.

    Only one serve runs per store (serve_lock), so at start-up such runs have no process behind
    them; left alone they would hold the deployment's concurrency slot and hold back every new run.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Crashed

    with get_client(sync_client=True) as client:
        ids = []
        for name in DEPLOYMENTS:
            try:
                ids.append(client.read_deployment_by_name(name).id)
            except ObjectNotFound:
                continue
        if not ids:
            return 0
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=ids),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING])),
            )
        )
        for run in runs:
            client.set_flow_run_state(run.id, Crashed(message="serve 停止时该运行未完成"), force=True)
        return len(runs)


def _stoppable() -> None:
    """Ctrl-C and SIGTERM stop serve however it was launched: a parent may hand down SIGINT ignored
    or blocked (both survive exec), and serve would then never stop."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _terminate_as_interrupt(runner, *_args) -> None:
    """SIGTERM (systemd's stop) handled as Ctrl-C is, by asyncio's own SIGINT handling: Prefect's
    SIGTERM handler calls the runner's async `stop` from inside the event loop without awaiting it
    ("coroutine 'Runner.astop' was never awaited" on the terminal, and no clean shutdown)."""
    signal.raise_signal(signal.SIGINT)


def serve_forever(setup: Setup, config_path: Path) -> None:
    from prefect import serve
    from prefect.runner import Runner

    Runner.handle_sigterm = _terminate_as_interrupt  # this process only serves
    _stoppable()
    with serve_lock(setup):
        release_orphaned_runs()
        # pause_on_shutdown=False: stopping serve keeps the schedules, so a report due while it was
        # down runs when it comes back
        serve(*build_deployments(setup, config_path), pause_on_shutdown=False)
