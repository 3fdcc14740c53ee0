"""The return form's field definitions, loaded from data (form.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from rtr.form.textnorm import match_key

HEADER = "header"
INDICATOR = "indicator"


@dataclass(frozen=True)
class Field:
    code: str
    key: str
    label: str
    kind: str
    part: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    unit: str = ""
    minimum: int | None = None
    options: tuple[str, ...] = ()
    option_aliases: tuple[tuple[str, str], ...] = ()
    section: str = ""
    help: str = ""
    option_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # group name → its options (org_type)
    normalize: str = ""  # a Unicode form ("NFKC") the stored text is normalised to (full-width ＠ → @)

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)

    def group(self, name: str) -> tuple[str, ...]:
        return dict(self.option_groups)[name]


@dataclass(frozen=True)
class FormSchema:
    title: str
    form_no: str
    authority: str
    sheet_name: str
    instructions_sheet: str
    header: tuple[Field, ...]
    indicators: tuple[Field, ...]
    yes_tokens: frozenset[str]
    no_tokens: frozenset[str]
    yes_label: str
    no_label: str
    table_columns: dict[str, tuple[str, ...]]
    by_key: dict[str, Field] = field(repr=False)
    by_code: dict[str, Field] = field(repr=False)
    by_label: dict[str, Field] = field(repr=False)
    table_column_by_label: dict[str, str] = field(repr=False)
    notes: tuple[str, ...] = ()  # the 填报要求 lines of the blank form's 填报说明 sheet
    # cell text → what it names; the same labels recur in every file, so matching is done once
    memo: dict[tuple[str, str], object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.header + self.indicators

    def __getstate__(self) -> dict:
        # sent to worker processes without the memo, which only ever grows
        return {**self.__dict__, "memo": {}}


_FIELD_KEYS = frozenset(
    {"code", "key", "label", "kind", "aliases", "required", "unit", "minimum", "options", "option_aliases"}
    | {"section", "help", "option_groups", "normalize"}
)


def _field(raw: dict, part: str) -> Field:
    # A key TOML attached to the wrong table (a top-level key written after the last [[indicator]])
    # or a misspelt one would otherwise be ignored without a word.
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise ValueError(f"field {raw.get('code', '?')} has unknown keys: {', '.join(sorted(unknown))}")
    options = tuple(raw.get("options", ()))
    groups = tuple((name, tuple(members)) for name, members in raw.get("option_groups", {}).items())
    strays = {o for _, members in groups for o in members} - set(options)
    if strays:
        raise ValueError(f"field {raw['code']}: option_groups name values that are not options: {sorted(strays)}")
    return Field(
        code=str(raw["code"]),
        key=raw["key"],
        label=raw["label"],
        kind=raw["kind"],
        part=part,
        aliases=tuple(raw.get("aliases", ())),
        required=bool(raw.get("required", False)),
        unit=raw.get("unit", ""),
        minimum=raw.get("minimum"),
        options=options,
        option_aliases=tuple(raw.get("option_aliases", {}).items()),
        section=raw.get("section", ""),
        help=raw.get("help", ""),
        option_groups=groups,
        normalize=raw.get("normalize", ""),
    )


_TOP_KEYS = frozenset(
    {"title", "form_no", "authority", "sheet_name", "instructions_sheet", "notes", "yes_no", "table"}
    | {HEADER, INDICATOR}
)


def parse_schema(text: str) -> FormSchema:
    raw = tomllib.loads(text)
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise ValueError(f"form.toml has unknown keys: {', '.join(sorted(unknown))}")
    header = tuple(_field(f, HEADER) for f in raw["header"])
    indicators = tuple(_field(f, INDICATOR) for f in raw["indicator"])
    fields = header + indicators
    by_label: dict[str, Field] = {}
    for f in fields:
        for label in f.labels:
            key = match_key(label)
            if key in by_label and by_label[key] is not f:
                raise ValueError(f"label {label!r} names two fields")
            by_label[key] = f
    columns = {name: tuple(labels) for name, labels in raw["table"].items()}
    yn = raw["yes_no"]
    return FormSchema(
        title=raw["title"],
        form_no=raw["form_no"],
        authority=raw.get("authority", ""),
        sheet_name=raw["sheet_name"],
        instructions_sheet=raw["instructions_sheet"],
        header=header,
        indicators=indicators,
        yes_tokens=frozenset(match_key(t) for t in yn["yes"]),
        no_tokens=frozenset(match_key(t) for t in yn["no"]),
        yes_label=yn["yes_label"],
        no_label=yn["no_label"],
        table_columns=columns,
        by_key={f.key: f for f in fields},
        by_code={f.code.upper(): f for f in fields},
        by_label=by_label,
        table_column_by_label={match_key(lab): name for name, labs in columns.items() for lab in labs},
        notes=tuple(raw.get("notes", ())),
    )


def default_schema_text() -> str:
    return resources.files("rtr.form").joinpath("form.toml").read_text(encoding="utf-8")


@cache
def default_schema() -> FormSchema:
    """The package's form, parsed once: for definitions that are module constants (the org_type
    groups); a run's own schema still comes from `parse_schema` at the edge."""
    return parse_schema(default_schema_text())
