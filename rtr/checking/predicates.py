"""One small predicate per rule of the catalogue (rules.toml), registered under the rule's id.

A *field predicate* (E01–E05) looks at one field as it is read (`FieldRead`): it runs for every
field its catalogue entry selects whose reading had the outcome it is registered for (blank,
unreadable, or read). A *return predicate* looks at a whole return's values, read as
attributes named by their form.toml key (`v.members`), and at the thresholds. Each gives `Hit`s:
the field the finding points at, which of the rule's messages, and the values its template needs.
Severity and wording are the catalogue's. Adding a rule is an entry in rules.toml and one
predicate here; tests/rtr/checking/test_catalogue.py checks that each predicate reads exactly its entry's fields.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

from rtr.checking.catalogue import DEFAULT_MESSAGE
from rtr.checking.context import RuleContext, Thresholds
from rtr.form.groups import JOINT, NONE, OWN
from rtr.form.periods import Period, latest_ended
from rtr.form.schema import Field
from rtr.form.textnorm import cell_text
from rtr.form.uscc import uscc_problem
from rtr.reading.emails import is_address
from rtr.reading.layouts import RawCell

LAW_FIRM_USCC_PREFIX = "31"  # 律师事务所's register code (W05)
_MOBILE = re.compile(r"^(?:\+?86-?)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^\(?0\d{2,3}\)?-?\d{7,8}(?:(?:-|转|ext\.?|#)\d{1,6})?$", re.I)


class Hit(NamedTuple):
    field: str  # the field the finding points at
    message: str  # which of the rule's messages
    params: dict[str, object]  # what its template needs beyond the place, the label and the thresholds


def hit(field: str, message: str = DEFAULT_MESSAGE, **params: object) -> Hit:
    return Hit(field, message, params)


class Values(SimpleNamespace):
    """One return's values as attributes named by field key; blank optional counts are 0, blank
    required ones and unreadable values None."""

    def is_filled(self, *keys: str) -> bool:
        """Whether any of these fields had a non-blank cell."""
        return not self._filled.isdisjoint(keys)


BLANK, UNREADABLE, READ = "blank", "unreadable", "read"  # what reading a field's cell gave


@dataclass(slots=True)
class FieldRead:
    """One field as read from its cell."""

    field: Field
    cell: RawCell | None  # None: the return has no cell for the field
    outcome: str  # BLANK, UNREADABLE or READ
    error: str | None = None  # UNREADABLE: why the content is not of the field's type (None: a formula)
    read: object = None  # READ: the value as read
    value: object = None  # READ: the value kept (a period by its id, a city by its configured name)
    period: Period | None = None

    @property
    def text(self) -> str:
        """The cell's content as text."""
        return cell_text(self.cell.raw) if self.cell is not None else ""


class FieldCheck(NamedTuple):
    outcome: str  # the reading outcome the predicate looks at; it runs on no other
    predicate: Callable[[FieldRead, RuleContext], Hit | None]


ReturnPredicate = Callable[[Values, Thresholds], Iterable[Hit]]
FIELD_PREDICATES: dict[str, FieldCheck] = {}
RETURN_PREDICATES: dict[str, ReturnPredicate] = {}


def _unregistered(rule_id: str) -> None:
    if rule_id in FIELD_PREDICATES or rule_id in RETURN_PREDICATES:
        raise ValueError(f"two predicates for rule {rule_id}")


def field_predicate(rule_id: str, outcome: str) -> Callable:
    def register(fn: Callable[[FieldRead, RuleContext], Hit | None]) -> Callable:
        _unregistered(rule_id)
        FIELD_PREDICATES[rule_id] = FieldCheck(outcome, fn)
        return fn

    return register


def return_predicate(rule_id: str) -> Callable[[ReturnPredicate], ReturnPredicate]:
    def register(fn: ReturnPredicate) -> ReturnPredicate:
        _unregistered(rule_id)
        RETURN_PREDICATES[rule_id] = fn
        return fn

    return register


def known(*values: object) -> bool:
    return all(value is not None for value in values)


# --- fields as they are read ---------------------------------------------------------------------


@field_predicate("E01", BLANK)
def required_field_blank(r: FieldRead, ctx: RuleContext) -> Hit | None:
    if r.cell is None:  # the form has no row (or label) for the field
        return hit(r.field.key, "missing")
    return hit(r.field.key, "blank")


@field_predicate("E02", UNREADABLE)
def value_unreadable(r: FieldRead, ctx: RuleContext) -> Hit | None:
    if r.error is None:
        return hit(r.field.key, "formula")
    return hit(r.field.key, "unreadable", text=r.text, error=r.error)


@field_predicate("E03", READ)
def uscc_malformed(r: FieldRead, ctx: RuleContext) -> Hit | None:
    problem = uscc_problem(str(r.value))
    return hit(r.field.key, uscc=r.value, problem=problem) if problem else None


@field_predicate("E04", READ)
def period_unreadable_or_not_ended(r: FieldRead, ctx: RuleContext) -> Hit | None:
    if r.period is None:
        return hit(r.field.key, "unreadable", text=r.read)
    if not r.period.has_ended(ctx.today):
        collecting = latest_ended(ctx.today).label
        if r.period.start <= ctx.today:  # the half-year under way: sent early
            end = r.period.end
            return hit(
                r.field.key,
                "running",
                period=r.period.label,
                collecting=collecting,
                end=f"{end.year}年{end.month}月{end.day}日",
            )
        # a half-year not begun: most often a slip of the year or the half
        return hit(r.field.key, "not_ended", period=r.period.label, collecting=collecting)
    return None


@field_predicate("E05", READ)
def city_not_configured(r: FieldRead, ctx: RuleContext) -> Hit | None:
    return hit(r.field.key, city=r.read) if r.value is None else None


# --- the whole return ----------------------------------------------------------------------------


@return_predicate("E06")
def more_members_than_lawyers(v: Values, t: Thresholds) -> Iterator[Hit]:
    if known(v.members, v.lawyers) and v.members > v.lawyers:
        yield hit("members", members=v.members, lawyers=v.lawyers)


@return_predicate("E07")
def full_and_probationary_do_not_add_up(v: Values, t: Thresholds) -> Iterator[Hit]:
    full, probationary, members = v.full_members, v.probationary, v.members
    if (
        v.is_filled("full_members", "probationary")
        and known(full, probationary, members)
        and full + probationary != members
    ):
        yield hit("members", full_members=full, probationary=probationary, total=full + probationary, members=members)


@return_predicate("E08")
def own_organisation_without_enough_full_members(v: Values, t: Thresholds) -> Iterator[Hit]:
    if v.org_type in OWN and v.full_members is not None and v.full_members < t.own_org_min_full_members:
        yield hit("org_type", org_type=v.org_type, full_members=v.full_members)


@return_predicate("E09")
def more_member_partners_than_partners_or_members(v: Values, t: Thresholds) -> Iterator[Hit]:
    member_partners, partners, members = v.member_partners, v.partners, v.members
    if member_partners is None:
        return
    if partners is not None and member_partners > partners:
        yield hit("member_partners", "over_partners", member_partners=member_partners, partners=partners)
    elif members is not None and member_partners > members:
        yield hit("member_partners", "over_members", member_partners=member_partners, members=members)


@return_predicate("E10")
def more_legal_aid_by_members_than_legal_aid(v: Values, t: Thresholds) -> Iterator[Hit]:
    if known(v.legal_aid, v.legal_aid_by_members) and v.legal_aid_by_members > v.legal_aid:
        yield hit("legal_aid_by_members", legal_aid_by_members=v.legal_aid_by_members, legal_aid=v.legal_aid)


@return_predicate("E11")
def more_elsewhere_or_new_members_than_members(v: Values, t: Thresholds) -> Iterator[Hit]:
    if v.members is None:
        return
    for key, count in (("members_elsewhere", v.members_elsewhere), ("new_members", v.new_members)):
        if count is not None and count > v.members:
            yield hit(key, count=count, members=v.members)


@return_predicate("E12")
def more_partners_than_lawyers(v: Values, t: Thresholds) -> Iterator[Hit]:
    if known(v.partners, v.lawyers) and v.partners > v.lawyers:
        yield hit("partners", partners=v.partners, lawyers=v.lawyers)


@return_predicate("E13")
def organisation_without_members(v: Values, t: Thresholds) -> Iterator[Hit]:
    if v.org_type is not None and v.org_type != NONE and v.members == 0:
        yield hit("org_type", org_type=v.org_type)


@return_predicate("E14")
def secretary_without_organisation(v: Values, t: Thresholds) -> Iterator[Hit]:
    if v.org_type != NONE:
        return
    for key, answer in (
        ("secretary_is_director", v.secretary_is_director),
        ("secretary_in_management", v.secretary_in_management),
    ):
        if answer is True:
            yield hit(key)


@return_predicate("E15")
def director_secretary_not_a_member(v: Values, t: Thresholds) -> Iterator[Hit]:
    if v.secretary_is_director is True and v.director_is_member is False:
        yield hit("secretary_is_director")


@return_predicate("W01")
def enough_full_members_but_no_own_organisation(v: Values, t: Thresholds) -> Iterator[Hit]:
    full = v.full_members
    if full is not None and full >= t.own_org_min_full_members and v.org_type in (JOINT, NONE):
        yield hit("org_type", full_members=full, org_type=v.org_type)


@return_predicate("W02")
def members_without_organisation(v: Values, t: Thresholds) -> Iterator[Hit]:
    if v.members is not None and v.members >= 1 and v.org_type == NONE:
        yield hit("org_type", members=v.members)


@return_predicate("W03")
def no_organisation_and_no_instructor(v: Values, t: Thresholds) -> Iterator[Hit]:
    if v.org_type == NONE and v.instructor is not True:
        yield hit("instructor")


@return_predicate("W04")
def joint_branch_unnamed(v: Values, t: Thresholds) -> Iterator[Hit]:
    if v.org_type == JOINT and not v.joint_branch:
        yield hit("joint_branch")


@return_predicate("W05")
def uscc_not_a_law_firms(v: Values, t: Thresholds) -> Iterator[Hit]:
    if isinstance(v.uscc, str) and v.uscc and not v.uscc.startswith(LAW_FIRM_USCC_PREFIX):
        yield hit("uscc", uscc=v.uscc)


@return_predicate("W06")
def more_new_members_than_probationary(v: Values, t: Thresholds) -> Iterator[Hit]:
    if known(v.new_members, v.probationary) and v.new_members > v.probationary:
        yield hit("new_members", new_members=v.new_members, probationary=v.probationary)


@return_predicate("W07")
def meetings_below_minimums(v: Values, t: Thresholds) -> Iterator[Hit]:
    if v.org_type not in OWN:
        return
    minimums = (
        ("member_meetings", v.member_meetings, t.min_member_meetings),
        ("party_lectures", v.party_lectures, t.min_party_lectures),
        ("theme_days", v.theme_days, t.min_theme_days),
    )
    short = [
        {"field": key, "count": count, "minimum": minimum}
        for key, count, minimum in minimums
        if count is not None and count < minimum
    ]
    if short:
        yield hit(short[0]["field"], shortfalls=short)


@return_predicate("W09")
def phone_malformed(v: Values, t: Thresholds) -> Iterator[Hit]:
    phone = v.contact_phone
    if phone:
        digits = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(phone)))
        if not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
            yield hit("contact_phone", contact_phone=phone)


@return_predicate("W11")
def text_too_long(v: Values, t: Thresholds) -> Iterator[Hit]:
    for key, text in (("highlights", v.highlights), ("problems", v.problems), ("plans", v.plans)):
        if isinstance(text, str) and len(text) > t.max_text_chars:
            yield hit(key, chars=len(text))


@return_predicate("W12")
def email_malformed(v: Values, t: Thresholds) -> Iterator[Hit]:
    email = v.contact_email
    if email and not is_address(str(email)):
        yield hit("contact_email", contact_email=email)
