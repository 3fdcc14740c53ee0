"""Who is reminded on a reminder day, and which cities get the list of firms still missing."""

from __future__ import annotations

from datetime import date

from rtr.config import Deadline
from rtr.deadlines import reminder_due
from rtr.form.periods import Period
from rtr.reading.roster import RosterFirm
from rtr.reminders import NOTHING_RECEIVED, SENT_BACK, city_list_key, plan_city_lists, plan_reminders, reminder_key
from rtr.reporting.progress import PeriodReturn, build_progress
from tests.rtr.reporting.test_progress import CITIES, E06, RETURNS, ROSTER, ret

P = Period(2024, 1)
WEEK_BEFORE = reminder_due(P, date(2024, 7, 3), Deadline())
TWO_DAYS_BEFORE = reminder_due(P, date(2024, 7, 8), Deadline())


def test_reminders_reach_every_roster_firm_not_yet_accepted():
    plan = plan_reminders(build_progress(P, CITIES, ROSTER, RETURNS), WEEK_BEFORE, [])
    assert [(r.firm.uscc, r.kind, r.firm.address) for r in plan.to_send] == [
        ("C", NOTHING_RECEIVED, "c@roster.cn"),
        ("B", SENT_BACK, "b@roster.cn"),  # its return's H10 is no address: the roster's
    ]
    # no address: reported, not skipped; A was accepted, X is not in the roster
    assert [r.firm.uscc for r in plan.no_address] == ["D", "E"]
    assert plan.already_sent == 0
    assert plan.to_send[1].firm.errors == (E06,)


def test_once_per_firm_period_and_reminder_day():
    progress = build_progress(P, CITIES, ROSTER, RETURNS)
    first = plan_reminders(progress, WEEK_BEFORE, [])
    sent = [(r.key, "someone-else@x.cn") for r in first.to_send]  # the address changed since: still sent
    again = plan_reminders(progress, WEEK_BEFORE, sent)
    assert again.to_send == [] and again.already_sent == 2
    later = plan_reminders(progress, TWO_DAYS_BEFORE, sent)
    assert [r.firm.uscc for r in later.to_send] == ["C", "B"]
    assert {r.key for r in later.to_send}.isdisjoint(k for k, _ in sent)
    assert reminder_key(WEEK_BEFORE, "C") == "提醒/2024H1-7/C"


def test_never_to_a_firm_accepted_meanwhile():
    returns = [*RETURNS, ret("B", "accepted", file="B（更正）.xlsx"), ret("C", "accepted")]
    plan = plan_reminders(build_progress(P, CITIES, ROSTER, returns), WEEK_BEFORE, [])
    assert plan.to_send == [] and [r.firm.uscc for r in plan.no_address] == ["D", "E"]


def test_without_a_roster_only_the_firms_sent_back():
    returns = [
        *RETURNS,
        PeriodReturn("Y", "己所", "深圳市", "rejected", "y.xlsx", contact_email="y@form.cn", errors=(E06,)),
    ]
    plan = plan_reminders(build_progress(P, CITIES, None, returns), WEEK_BEFORE, [])
    assert [(r.firm.uscc, r.kind, r.firm.address) for r in plan.to_send] == [("Y", SENT_BACK, "y@form.cn")]
    assert [r.firm.uscc for r in plan.no_address] == ["B"]  # sent back, H10 no address, no roster to fall back on


def test_city_lists_after_the_deadline():
    progress = build_progress(P, CITIES, ROSTER, RETURNS)
    recipients = {"广州市": ("gz1@sf.cn", "gz2@sf.cn"), "深圳市": ("sz@sf.cn",)}
    lists = plan_city_lists(progress, recipients, [(city_list_key("广州市"), "gz1@sf.cn")])
    assert [(cl.city, pending) for cl, pending in lists] == [("广州市", ("gz2@sf.cn",)), ("深圳市", ("sz@sf.cn",))]
    gz, sz = (cl for cl, _ in lists)
    assert ([f.uscc for f in gz.missing], [f.uscc for f in gz.rejected]) == ([], ["B"])
    assert ([f.uscc for f in sz.missing], [f.uscc for f in sz.rejected]) == (["C", "D"], [])
    done = [(cl.key, r) for cl, pending in lists for r in pending] + [(city_list_key("广州市"), "gz1@sf.cn")]
    assert plan_city_lists(progress, recipients, done) == []


def test_a_city_with_every_firm_accepted_gets_no_list():
    returns = [ret(u, "accepted", city=c) for u, c in (("A", "广州市"), ("B", "广州市"))]
    lists = plan_city_lists(build_progress(P, CITIES, ROSTER[:2], returns), {"广州市": ("gz@sf.cn",)}, [])
    assert lists == []


def test_city_lists_without_a_roster_carry_the_firms_sent_back():
    lists = plan_city_lists(build_progress(P, CITIES, None, RETURNS), {"广州市": ("gz@sf.cn",)}, [])
    assert [([f.uscc for f in cl.missing], [f.uscc for f in cl.rejected]) for cl, _ in lists] == [([], ["B"])]


def test_a_roster_firm_reporting_under_its_own_uscc_only():
    """A return whose uscc has a typo does not count for the roster firm: it is reminded, with the form."""
    roster = [RosterFirm("A", "甲所", "广州市", contact_email="a@x.cn")]
    plan = plan_reminders(build_progress(P, CITIES, roster, [ret("A0", "accepted")]), WEEK_BEFORE, [])
    assert [(r.firm.uscc, r.kind) for r in plan.to_send] == [("A", NOTHING_RECEIVED)]
