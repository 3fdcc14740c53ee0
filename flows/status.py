"""报送进度: where a half-year's returns stand, per city and firm, from the store and the roster.

Written after every intake that stored something (`OUT/P/报送进度.xlsx`), shown in the Prefect UI
(artifact `progress-p`), printed by `python -m flows status`. The figures are the core's
(rtr/reporting/progress.py).
"""

from __future__ import annotations

from pathlib import Path

from flows.files import write_atomic
from flows.setup import Setup
from rtr.deadlines import date_label
from rtr.form.periods import Period, parse_period
from rtr.reporting.progress import Progress, build_progress, period_return
from rtr.store import Store, returns
from rtr.workbooks.progress_workbook import build_progress_workbook

PROGRESS_FILE = "报送进度.xlsx"


def period_progress(setup: Setup, store: Store, period: Period) -> Progress:
    with store.transaction() as conn:
        rows = returns.period_returns(conn, period.id)
    return build_progress(period, setup.config.cities, setup.roster, [period_return(*r) for r in rows])


def progress_title(period: Period) -> str:
    return f"{period.label}律师事务所党建工作情况报表报送进度"


def write_progress(setup: Setup, store: Store, new_ids: list[int]) -> list[tuple[Progress, Path]]:
    """报送进度.xlsx of every half-year the intake stored a return for (nothing when it stored none)."""
    if not new_ids:
        return []
    with store.transaction() as conn:
        periods = sorted({p for p in returns.periods_of_files(conn, new_ids) if parse_period(p) is not None})
    out = []
    for pid in periods:
        period = parse_period(pid)
        progress = period_progress(setup, store, period)
        target = setup.config.outputs / pid / PROGRESS_FILE
        write_atomic(target, build_progress_workbook(progress, progress_title(period), date_label(setup.today)))
        out.append((progress, target))
    return out
