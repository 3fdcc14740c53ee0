"""Who is reminded before the deadline, and which cities get a list of missing firms after it. Pure.

From the period's standings (reporting/progress.py) and what the delivery ledger says was sent:

- On a reminder day (deadlines.py), every firm with no accepted return gets one reminder: a roster
  firm that sent nothing (the blank form goes with it) and a firm whose return was sent back (the
  problems still to fix go with it). With a roster, only roster firms; without one, only the firms
  whose returns were sent back (nobody knows who else should report). Never to a firm with an
  accepted return; once per firm, period and reminder day, whatever its address is by then.
- A firm that should be reminded but has no address (no valid H10 on its return, no 联系邮箱 in the
  roster) is listed in `no_address`, for the run to report, never skipped silently.
- After the deadline, each city's list of the firms still missing (未报送, and 退回待修改 with what
  they must fix) goes to that city's recipients, once per city, period and recipient.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rtr.deadlines import ReminderDay
from rtr.form.periods import Period
from rtr.reporting.progress import MISSING, REJECTED, FirmStanding, Progress

NOTHING_RECEIVED = "missing"  # a reminder with the blank form
SENT_BACK = "rejected"  # a reminder with the problems still to fix


@dataclass(frozen=True)
class Reminder:
    firm: FirmStanding
    day: ReminderDay

    @property
    def kind(self) -> str:
        return NOTHING_RECEIVED if self.firm.state == MISSING else SENT_BACK

    @property
    def key(self) -> str:
        """Its document id in the delivery ledger: one firm, one period, one reminder day."""
        return reminder_key(self.day, self.firm.uscc)


def reminder_key(day: ReminderDay, uscc: str) -> str:
    return f"提醒/{day.key}/{uscc}"


@dataclass(frozen=True)
class ReminderPlan:
    day: ReminderDay
    to_send: list[Reminder]  # each with `firm.address`
    no_address: list[Reminder]  # due, but there is nowhere to send it
    already_sent: int  # firms reminded on this day before


def sent_documents(sent: Iterable[tuple[str, str]]) -> set[str]:
    """The documents of (document, recipient) pairs the ledger has as sent."""
    return {document for document, _ in sent}


def plan_reminders(progress: Progress, day: ReminderDay, sent: Iterable[tuple[str, str]]) -> ReminderPlan:
    """The reminders of `day` not yet sent. `sent`: the (document, recipient) pairs the ledger has as
    sent for the period (any recipient counts: a firm whose address changed is not reminded twice)."""
    done = sent_documents(sent)
    to_send, no_address, already = [], [], 0
    for firm in progress.firms_in(MISSING) + progress.firms_in(REJECTED):
        reminder = Reminder(firm, day)
        if reminder.key in done:
            already += 1
        elif firm.address:
            to_send.append(reminder)
        else:
            no_address.append(reminder)
    return ReminderPlan(day, to_send, no_address, already)


@dataclass(frozen=True)
class CityList:
    """A city's firms still missing after the deadline, for the city's recipients."""

    period: Period
    city: str
    missing: list[FirmStanding]  # sent nothing (only known with a roster)
    rejected: list[FirmStanding]  # sent back and not yet corrected

    @property
    def key(self) -> str:
        return city_list_key(self.city)


def city_list_key(city: str) -> str:
    return f"未报送名单/{city}"


def plan_city_lists(
    progress: Progress, city_recipients: dict[str, tuple[str, ...]], sent: Iterable[tuple[str, str]]
) -> list[tuple[CityList, tuple[str, ...]]]:
    """Each city with recipients and with firms still missing: its list, and the recipients that
    have not had it yet. A city with none missing gets nothing (there is nothing to act on)."""
    done = set(sent)
    out = []
    for city, recipients in city_recipients.items():
        missing = [f for f in progress.firms_in(MISSING) if f.city == city]
        rejected = [f for f in progress.firms_in(REJECTED) if f.city == city]
        if not missing and not rejected:
            continue
        listed = CityList(progress.period, city, missing, rejected)
        pending = tuple(r for r in recipients if (listed.key, r) not in done)
        if pending:
            out.append((listed, pending))
    return out
