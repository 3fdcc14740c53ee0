"""When the semiannual report runs and which half-year each run reports. Pure."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cronsim import CronSim

from rtr.form.periods import Period, latest_ended


def next_report_runs(cron: str, timezone: str, after: datetime, n: int = 2) -> list[tuple[datetime, Period]]:
    """The next `n` run times of the report schedule, each with the period it will report: the
    half-year that has just ended on the run's local date."""
    runs = CronSim(cron, after.astimezone(ZoneInfo(timezone)))
    out = []
    for _ in range(n):
        when = next(runs)
        out.append((when, latest_ended(when.date())))
    return out
