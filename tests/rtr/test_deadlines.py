"""Deadlines, reminder days and the half-year being collected (rtr/deadlines.py)."""

from datetime import UTC, date, datetime

import pytest

from rtr.config import Deadline
from rtr.deadlines import (
    collecting_period,
    date_label,
    due_date,
    due_today,
    local_today,
    reminder_days,
    reminder_due,
)
from rtr.form.periods import Period

DEFAULT = Deadline()  # h1 07-10, h2 01-10, 7 and 2 days before
H1, H2 = Period(2024, 1), Period(2024, 2)


def test_due_dates_h2_in_the_next_year():
    assert due_date(H1, DEFAULT) == date(2024, 7, 10)
    assert due_date(H2, DEFAULT) == date(2025, 1, 10)
    assert due_date(H2, Deadline(h2="12-31")) == date(2025, 12, 31)  # the first such day after 31 December
    assert due_date(Period(2025, 1), Deadline(h1="02-29")) == date(2026, 2, 28)
    assert due_date(Period(2027, 2), Deadline(h2="02-29")) == date(2028, 2, 29)


@pytest.mark.parametrize("bad", ["7月10日", "13-01", "07-32", "0710", ""])
def test_a_deadline_that_is_not_month_day_says_so(bad):
    with pytest.raises(ValueError, match="月-日"):
        due_date(H1, Deadline(h1=bad))


def test_reminder_days_before_the_deadline_after_the_period_ends():
    days = reminder_days(H1, DEFAULT)
    assert [(d.on, d.days_before, d.key) for d in days] == [
        (date(2024, 7, 3), 7, "2024H1-7"),
        (date(2024, 7, 8), 2, "2024H1-2"),
    ]
    # 15 days before 10 July is still in the half-year: no return can be sent then (E04)
    assert [d.days_before for d in reminder_days(H1, Deadline(remind_days_before=(15, 2, 2, 0)))] == [2, 0]
    assert [d.on for d in reminder_days(H2, DEFAULT)] == [date(2025, 1, 3), date(2025, 1, 8)]


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2024, 7, 2), None),  # before the first reminder day
        (date(2024, 7, 3), 7),  # on it
        (date(2024, 7, 5), 7),  # a missed run is made up until the next reminder day
        (date(2024, 7, 7), 7),
        (date(2024, 7, 8), 2),  # the next one replaces it: never two reminders at once
        (date(2024, 7, 10), 2),  # the last one stays due through the deadline day
        (date(2024, 7, 11), None),  # the deadline has passed
        (date(2024, 12, 1), None),
    ],
)
def test_which_reminder_is_due(today, due):
    found = reminder_due(H1, today, DEFAULT)
    assert (found.days_before if found else None) == due


def test_due_today_after_the_deadline_is_the_city_lists():
    before = due_today(H1, date(2024, 7, 4), DEFAULT)
    assert before.reminder.days_before == 7 and not before.city_lists
    assert before.next_reminder.on == date(2024, 7, 8) and before.deadline == date(2024, 7, 10)
    on = due_today(H1, date(2024, 7, 10), DEFAULT)
    assert on.reminder.days_before == 2 and not on.city_lists and on.next_reminder is None
    after = due_today(H1, date(2024, 7, 11), DEFAULT)
    assert after.reminder is None and after.city_lists


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (date(2024, 7, 1), "2024H1"),
        (date(2024, 12, 31), "2024H1"),
        (date(2025, 1, 1), "2024H2"),
        (date(2025, 1, 10), "2024H2"),
        (date(2025, 6, 30), "2024H2"),
    ],
)
def test_the_half_year_being_collected(today, period):
    assert collecting_period(today).id == period


def test_local_today_is_the_configured_zones_date():
    late_utc = datetime(2024, 7, 2, 17, 30, tzinfo=UTC)  # 01:30 on 3 July in Shanghai
    assert local_today(late_utc, "Asia/Shanghai") == date(2024, 7, 3)
    assert local_today(late_utc, "Europe/London") == date(2024, 7, 2)
    assert date_label(date(2024, 7, 10)) == "2024年7月10日"
