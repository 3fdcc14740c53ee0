"""Reading a found return's values and applying the single-return rules of the catalogue.

`check_return` is pure: the raw return and a context in, values and findings out. Each rule's
facts (severity, fields, thresholds, message) are in rules.toml (catalogue.py) and its test in
predicates.py; this module reads the fields, runs the predicates in catalogue order and words their
hits as findings. W08 needs the previous half-year's accepted return, which the caller looks up and
passes to `history_findings`; W10 needs the roster (`roster_findings`, also run by `check_return`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from rtr.checking.catalogue import CATALOGUE, Rule
from rtr.checking.context import RuleContext, Thresholds
from rtr.checking.findings import ERROR, WARNING, Finding, where
from rtr.checking.predicates import (
    BLANK,
    FIELD_PREDICATES,
    READ,
    RETURN_PREDICATES,
    UNREADABLE,
    FieldRead,
    Hit,
    ReturnPredicate,
    Values,
    hit,
)
from rtr.form.periods import Period, latest_ended, parse_period
from rtr.form.schema import Field, FormSchema
from rtr.form.textnorm import cell_text, match_key
from rtr.reading.layouts import RawCell, RawReturn
from rtr.reading.values import read_value

HISTORY_RULE, ROSTER_RULE = "W08", "W10"
HISTORY_FIELDS = CATALOGUE[HISTORY_RULE].fields  # what W08 compares with the previous half-year
# findings that depend on something besides the return itself (the previous half-year's accepted
# return, the roster): re-derived from the store whenever that changes, whatever order files came in
DERIVED_RULES = (HISTORY_RULE, ROSTER_RULE)
DERIVED_FIELDS = tuple(dict.fromkeys((*HISTORY_FIELDS, *CATALOGUE[ROSTER_RULE].fields)))


@dataclass(slots=True)
class CheckedReturn:
    raw: RawReturn
    values: dict[str, object]
    filled: frozenset[str]  # fields with a non-blank cell
    findings: list[Finding] = field(default_factory=list)
    period: Period | None = None

    @property
    def accepted(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return "" if value is None else str(value)

    def for_storing(self) -> CheckedReturn:
        """This return with only the raw cells a later step reads (W08's, see `history_findings`).
        A batch's returns cross from the reading process to the storing one: pickling them there
        and back took ≈0.27 ms a file with every raw cell and takes ≈0.04 ms with these (much of
        the difference was the unpickler's garbage collections)."""
        kept = {k: self.raw.cells[k] for k in DERIVED_FIELDS if k in self.raw.cells}
        return replace(self, raw=replace(self.raw, cells=kept))


class _Places:
    """`{where_of[key]}` in a message template: the place of another field of the return, ready to
    start a sentence (`「党建工作情况表」D13单元格：`); `{cell_of[key]}` the same inside a sentence."""

    def __init__(self, emitter: _Emitter, inside: bool = False):
        self.emitter, self.inside = emitter, inside

    def __getitem__(self, key: str) -> str:
        place = self.emitter.loc(key)
        return place.removesuffix("：") if self.inside else place


class _Labels:
    """`{label_of[key]}`: another field's label."""

    def __init__(self, emitter: _Emitter):
        self.emitter = emitter

    def __getitem__(self, key: str) -> str:
        return self.emitter.label(key)


_NO_CELL = RawCell(None, None)


class _Emitter:
    """Words a rule's hits as findings that point at a field's cell in one return."""

    def __init__(self, raw: RawReturn, schema: FormSchema, findings: list[Finding], thresholds: Thresholds):
        self.raw, self.schema, self.findings, self.thresholds = raw, schema, findings, thresholds

    def loc(self, key: str) -> str:
        cell = self.raw.cells.get(key)
        return where(self.raw.sheet, cell.cell if cell else None)

    def label(self, key: str) -> str:
        return self.schema.by_key[key].label

    def message(self, rule: Rule, h: Hit) -> str:
        params = {key: getattr(self.thresholds, key) for key in rule.thresholds}
        params |= h.params
        for name, template in rule.items.items():
            if name in params:
                params[name] = "，".join(
                    template.format_map({**item, "label": self.label(item["field"])}) for item in params[name]
                )
        params |= {
            "where": self.loc(h.field),
            "label": self.label(h.field),
            "sheet": f"「{self.raw.sheet}」",
            "where_of": _Places(self),
            "cell_of": _Places(self, inside=True),
            "label_of": _Labels(self),
        }
        return rule.messages[h.message].format_map(params)

    def __call__(self, rule: Rule, h: Hit) -> None:
        cell = self.raw.cells.get(h.field, _NO_CELL)
        self.findings.append(
            Finding(
                rule=rule.id,
                severity=rule.severity,
                message=self.message(rule, h),
                file=self.raw.file,
                sheet=self.raw.sheet,
                cell=cell.cell,
                field=h.field,
                label=self.label(h.field),
                value=cell_text(cell.raw) or None,
                remark=cell.remark if rule.severity == WARNING else None,
            )
        )


FieldChecks = dict[str, tuple[tuple[Rule, Callable[[FieldRead, "RuleContext"], Hit | None]], ...]]


@dataclass(frozen=True)
class _Plan:
    """Which predicate runs where, for one schema: worked out once (kept in the schema's memo)."""

    fields: tuple[tuple[Field, bool, FieldChecks], ...]  # each field, whether it is resolved, outcome → checks
    steps: tuple[tuple[Rule, ReturnPredicate | None], ...]  # in catalogue order; None: the roster (W10)


_PLAN = ("checking", "plan")


def _plan(schema: FormSchema) -> _Plan:
    plan = schema.memo.get(_PLAN)
    if isinstance(plan, _Plan):
        return plan
    checks: dict[str, dict[str, list]] = {f.key: {} for f in schema.fields}
    steps: list[tuple[Rule, ReturnPredicate | None]] = []
    for rule in CATALOGUE:
        if rule.id not in FIELD_PREDICATES and rule.id not in RETURN_PREDICATES and rule.id != ROSTER_RULE:
            continue
        keys = rule.field_keys(schema)
        missing = [k for k in keys if k not in schema.by_key]
        if missing or not keys:
            # a renamed key must not switch a rule off without a word
            raise ValueError(
                f"rules.toml: rule {rule.id} reads {missing or rule.fields}, which form.toml does not have"
            )
        if rule.id in FIELD_PREDICATES:
            outcome, predicate = FIELD_PREDICATES[rule.id]
            for key in keys:
                checks[key].setdefault(outcome, []).append((rule, predicate))
        else:
            steps.append((rule, RETURN_PREDICATES.get(rule.id)))
    fields = tuple(
        (f, f.kind in _RESOLVED or bool(f.normalize), {o: tuple(c) for o, c in checks[f.key].items()})
        for f in schema.fields
    )
    plan = _Plan(fields, tuple(steps))
    schema.memo[_PLAN] = plan
    return plan


_RESOLVED = ("period", "city")


def _resolve(f: Field, value: object, ctx: RuleContext) -> tuple[object, Period | None]:
    """A read value as kept: a period by its id, a city by its configured name (None: not one)."""
    if f.kind == "period":
        period = parse_period(str(value))
        return (period.id if period else None), period
    if f.kind == "city":
        return ctx.cities.get(match_key(str(value))), None
    if f.normalize and isinstance(value, str):
        return unicodedata.normalize(f.normalize, value), None
    return value, None


def roster_hits(uscc: object, roster: frozenset[str] | None) -> list[Hit]:
    """W10: the firm is not in the roster (名录), when one is configured."""
    if roster is not None and uscc and uscc not in roster:
        return [hit("uscc", uscc=uscc)]
    return []


def check_return(raw: RawReturn, ctx: RuleContext) -> CheckedReturn:
    """Reads every field and applies every single-return rule, in catalogue order."""
    plan = _plan(ctx.schema)
    findings: list[Finding] = []
    emit = _Emitter(raw, ctx.schema, findings, ctx.thresholds)
    values: dict[str, object] = {}
    filled: set[str] = set()
    period: Period | None = None
    for f, resolved, checks in plan.fields:
        cell = raw.cells.get(f.key)
        error = value = read_as = None
        field_period = None
        if cell is not None and cell.uncached_formula:
            outcome = UNREADABLE
        else:
            read = read_value(f, cell.raw if cell else None, ctx.schema)
            if read.blank:
                outcome = BLANK
                # a blank optional count is 0; a blank required one is unknown, so no rule builds on it
                value = 0 if f.kind in ("count", "amount") and not f.required else None
            elif read.error:
                outcome, error = UNREADABLE, read.error
            else:
                outcome, read_as = READ, read.value
                value, field_period = _resolve(f, read_as, ctx) if resolved else (read_as, None)
        if outcome != BLANK:
            filled.add(f.key)
        if field_period is not None:
            period = field_period
        values[f.key] = value
        if outcome in checks:  # most fields have nothing to check while they are read
            r = FieldRead(f, cell, outcome, error, read_as, value, field_period)
            for rule, predicate in checks[outcome]:
                h = predicate(r, ctx)
                if h is not None:
                    emit(rule, h)
    v = Values(**values, _filled=filled)
    for rule, predicate in plan.steps:
        hits = predicate(v, ctx.thresholds) if predicate is not None else roster_hits(v.uscc, ctx.roster)
        for h in hits:
            emit(rule, h)
    return CheckedReturn(raw, values, frozenset(filled), findings, counted_period(period, ctx.today))


def counted_period(read: Period | None, today: date) -> Period:
    """The half-year a return counts for: the one it names when that can be read and has ended;
    otherwise (E04 sends it back) the one being collected on the day it is read, the latest ended.
    A slip of the year or the half then leaves its firm 退回待修改 there, not 未报送, reminded of
    what to fix, and the corrected return supersedes it."""
    return read if read is not None and read.has_ended(today) else latest_ended(today)


def roster_findings(checked: CheckedReturn, roster: frozenset[str] | None, schema: FormSchema) -> list[Finding]:
    """W10 for a checked return against a roster: what `check_return` found, for re-deriving it
    when the roster changes."""
    found: list[Finding] = []
    emit = _Emitter(checked.raw, schema, found, Thresholds())
    for h in roster_hits(checked.values.get("uscc"), roster):
        emit(CATALOGUE[ROSTER_RULE], h)
    return found


def history_findings(
    checked: CheckedReturn, previous: dict[str, object] | None, previous_period: str, t: Thresholds, schema: FormSchema
) -> list[Finding]:
    """W08: lawyers or members changed by more than the threshold against the previous half-year."""
    if not previous:
        return []
    found: list[Finding] = []
    emit = _Emitter(checked.raw, schema, found, t)
    for key in HISTORY_FIELDS:
        now, before = checked.values.get(key), previous.get(key)
        if not isinstance(now, int) or not isinstance(before, int):
            continue
        if (
            now >= t.history_min_base
            and before >= t.history_min_base
            and abs(now - before) > t.history_change_ratio * before
        ):
            emit(CATALOGUE[HISTORY_RULE], hit(key, previous_period=previous_period, before=before, now=now))
    return found


def derived_findings(
    checked: CheckedReturn,
    previous: dict[str, object] | None,
    previous_period: str,
    roster: frozenset[str] | None,
    t: Thresholds,
    schema: FormSchema,
) -> list[Finding]:
    """W08 and W10 of a return, from what they depend on as it stands now."""
    return history_findings(checked, previous, previous_period, t, schema) + roster_findings(checked, roster, schema)


def stored_return(
    file: str, sheet: str, layout: str, row: int | None, cells: dict[str, list], values: dict, period: Period | None
) -> CheckedReturn:
    """A stored return rebuilt for re-deriving its W08 and W10: its values and the cells
    (place, text read, remark) of the fields those rules point at."""
    raw = RawReturn(file, sheet, layout, row, {k: RawCell(c, text, remark) for k, (c, text, remark) in cells.items()})
    return CheckedReturn(raw, values, frozenset(), [], period)
