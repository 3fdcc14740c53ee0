"""When a half-year's returns are due, and on which days the firms are reminded. Pure: dates in, dates out.

The settings are `[deadline]` of config.toml (`h1 = "07-10"`, `h2 = "01-10"`, `remind_days_before =
[7, 2]`), passed in as any object with those three attributes.

- A period's returns are due on the first `MM-DD` after the period's last day: H1's in the same
  year (10 July), H2's in the next (10 January). A 29 February falls back on the 28th in other years.
- Its reminder days are the deadline minus each of `remind_days_before` (0 is the deadline day
  itself). A day on or before the period's last day is dropped: a return cannot be sent before the
  half-year has ended (E04), so a reminder then would ask for the impossible.
- A reminder day is *due* from its own date until the day before the next reminder day; the last
  one stays due through the deadline day. So a run that was missed (the machine was off, the
  server was down) is made up by the next run, and a firm never gets two reminders at once: once a
  later reminder day has come, the earlier one that was never sent is not sent any more.
- After the deadline no reminder is due; the city lists of firms still missing are (once each).
- The half-year *being collected* on a day (the default of `status`) is the latest one that has
  ended: a return for a later one cannot be sent yet.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from rtr.form.periods import Period, latest_ended

_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


class DeadlineSettings(Protocol):
    h1: str
    h2: str
    remind_days_before: tuple[int, ...]


@dataclass(frozen=True, order=True)
class ReminderDay:
    on: date
    days_before: int  # 7: a week before the deadline; 0: on the deadline day
    period: Period

    @property
    def key(self) -> str:
        """The reminder day in the ledger: the same for every run on any day it is due."""
        return f"{self.period.id}-{self.days_before}"

    @property
    def label(self) -> str:
        return "截止日当天" if self.days_before == 0 else f"截止前{self.days_before}天"


@dataclass(frozen=True)
class DueToday:
    """What a reminder run on `today` has to do for one period."""

    period: Period
    deadline: date
    reminder: ReminderDay | None  # the reminder day to send (each firm once), or None
    city_lists: bool  # the deadline has passed: each city's list of firms still missing (once a city)
    next_reminder: ReminderDay | None  # the next reminder day after today, for telling staff


def month_day(text: str) -> tuple[int, int]:
    m = _MONTH_DAY.match(text.strip())
    if m is None or not (1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 31):
        raise ValueError(f"截止日期应写成“月-日”，如 07-10，而不是 {text!r}")
    return int(m[1]), int(m[2])


def _on(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def due_date(period: Period, deadline: DeadlineSettings) -> date:
    """The day the period's returns are due: the first `h1` / `h2` day after the period's last day."""
    month, day = month_day(deadline.h1 if period.half == 1 else deadline.h2)
    due = _on(period.end.year, month, day)
    return due if due > period.end else _on(period.end.year + 1, month, day)


def reminder_days(period: Period, deadline: DeadlineSettings) -> list[ReminderDay]:
    """The period's reminder days, earliest first (a day named twice counts once)."""
    due = due_date(period, deadline)
    days = {n: due - timedelta(days=n) for n in set(deadline.remind_days_before) if n >= 0}
    return sorted(ReminderDay(on, n, period) for n, on in days.items() if on > period.end)


def reminder_due(period: Period, today: date, deadline: DeadlineSettings) -> ReminderDay | None:
    """The reminder day due on `today`: the latest one that has come, until the deadline has passed."""
    if today > due_date(period, deadline):
        return None
    come = [d for d in reminder_days(period, deadline) if d.on <= today]
    return come[-1] if come else None


def due_today(period: Period, today: date, deadline: DeadlineSettings) -> DueToday:
    due = due_date(period, deadline)
    upcoming = [d for d in reminder_days(period, deadline) if d.on > today]
    return DueToday(
        period=period,
        deadline=due,
        reminder=reminder_due(period, today, deadline),
        city_lists=today > due,
        next_reminder=upcoming[0] if upcoming else None,
    )


def collecting_period(today: date) -> Period:
    """The half-year whose returns are coming in on `today` (the default of `status`)."""
    return latest_ended(today)


def local_today(now: datetime, timezone: str) -> date:
    """The date in the configured time zone (`[schedule] timezone`) at the moment `now` (aware)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def date_label(day: date) -> str:
    """2024年7月10日"""
    return f"{day.year}年{day.month}月{day.day}日"
