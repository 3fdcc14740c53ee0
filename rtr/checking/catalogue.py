"""The rule catalogue (rules.toml): every rule's id, severity, fields, thresholds, messages and
plain-words explanation, as data. The predicates that apply the rules are in predicates.py, keyed
by the same ids; the blank form's 填报说明 sheet, the sample's breakers, the report's warning counts
and docs/rules.md read the catalogue.

The catalogue is part of the program (its predicates are code), not configuration: it is read once
from the package, as form.toml's field definitions are.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources

from rtr.checking.context import Thresholds
from rtr.checking.findings import ERROR, FILE, SUPERSEDED, WARNING
from rtr.form.groups import JOINT, NONE, OWN
from rtr.form.schema import FormSchema

SEVERITIES = (FILE, ERROR, WARNING, SUPERSEDED)
DEFAULT_MESSAGE = "message"
ALL_FIELDS = "all"
_RULE_KEYS = frozenset(
    {
        "id",
        "title",
        "severity",
        "fields",
        "thresholds",
        "summary",
        "explain",
        "message",
        "messages",
        "items",
        "check",
        "note",
    }
)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # a few words naming the problem, where rules are listed by id
    severity: str
    fields: tuple[str, ...] | dict[str, object] | str  # keys, a selector of fields by attribute, or "all"
    thresholds: tuple[str, ...]
    summary: str
    explain: str
    messages: dict[str, str]  # case → template; a rule with one case calls it DEFAULT_MESSAGE
    items: dict[str, str]  # list parameter → the template of one entry
    check: str = ""  # the function that applies a rule with no single-return predicate
    note: str = ""

    def field_keys(self, schema: FormSchema) -> tuple[str, ...]:
        """The keys of the fields the rule reads, in form order for a selector."""
        if isinstance(self.fields, tuple):
            return self.fields
        if self.fields == ALL_FIELDS:
            return tuple(f.key for f in schema.fields)
        return tuple(f.key for f in schema.fields if all(getattr(f, k) == v for k, v in self.fields.items()))

    def titled(self, own_org_min_full_members: int = 3) -> str:
        """`E06 党员律师数大于执业律师数`: the id with its title, as lists of rules show it."""
        return f"{self.id} {self.title.replace('{n}', str(own_org_min_full_members))}"

    def explanation(self, schema: FormSchema, thresholds: Thresholds) -> str:
        """The explanation with its thresholds, fields and org_type groups filled in."""
        params = {key: getattr(thresholds, key) for key in self.thresholds}
        labels = "、".join(schema.by_key[k].label for k in self.field_keys(schema) if k in schema.by_key)
        return self.explain.format(fields=labels, own="、".join(OWN), joint=JOINT, none=NONE, **params)


@dataclass(frozen=True)
class Catalogue:
    rules: tuple[Rule, ...]
    by_id: dict[str, Rule] = field(repr=False, compare=False)

    def __getitem__(self, rule_id: str) -> Rule:
        return self.by_id[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.by_id

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def ids(self, severity: str | None = None) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules if severity is None or r.severity == severity)

    def titled(self, rule_ids: Iterable[str], own_org_min_full_members: int = 3) -> str:
        """`E06 党员律师数大于执业律师数；E07 …`: rules by id and title, as lists show them (an id
        the catalogue does not know, from an older store, by its id alone)."""
        return "；".join(self.by_id[r].titled(own_org_min_full_members) if r in self.by_id else r for r in rule_ids)

    def position(self, rule_id: str) -> int:
        """Where a rule stands in the catalogue: findings are listed in this order, whenever each
        was found (a W08 found when an earlier half-year arrived later stands where it would have)."""
        return self._positions.get(rule_id, len(self.rules))

    @functools.cached_property
    def _positions(self) -> dict[str, int]:
        return {r.id: i for i, r in enumerate(self.rules)}


def _fields(raw: object, rule_id: str) -> tuple[str, ...] | dict[str, object] | str:
    if isinstance(raw, list):
        return tuple(raw)
    if isinstance(raw, dict) or raw == ALL_FIELDS:
        return raw
    raise ValueError(f"rule {rule_id}: fields should be a list of keys, a selector table or {ALL_FIELDS!r}")


def _rule(raw: dict) -> Rule:
    rule_id = raw.get("id", "?")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise ValueError(f"rule {rule_id} has unknown keys: {', '.join(sorted(unknown))}")
    if raw.get("severity") not in SEVERITIES:
        raise ValueError(f"rule {rule_id}: severity should be one of {', '.join(SEVERITIES)}")
    if not raw.get("title"):
        raise ValueError(f"rule {rule_id}: a title (a few words naming the problem) is missing")
    if "message" in raw and "messages" in raw:
        raise ValueError(f"rule {rule_id}: write one message or several messages, not both")
    messages = {DEFAULT_MESSAGE: raw["message"]} if "message" in raw else dict(raw.get("messages", {}))
    return Rule(
        id=rule_id,
        title=raw["title"],
        severity=raw["severity"],
        fields=_fields(raw.get("fields", []), rule_id),
        thresholds=tuple(raw.get("thresholds", ())),
        summary=raw.get("summary", ""),
        explain=raw["explain"],
        messages=messages,
        items=dict(raw.get("items", {})),
        check=raw.get("check", ""),
        note=raw.get("note", ""),
    )


def parse_catalogue(text: str) -> Catalogue:
    rules = tuple(_rule(r) for r in tomllib.loads(text)["rule"])
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ValueError("rules.toml names a rule twice")
    return Catalogue(rules, {r.id: r for r in rules})


def catalogue_text() -> str:
    return resources.files("rtr.checking").joinpath("rules.toml").read_text(encoding="utf-8")


CATALOGUE = parse_catalogue(catalogue_text())
WARNING_RULES = CATALOGUE.ids(WARNING)  # the report's warning counts, one per rule
