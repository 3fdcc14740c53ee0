"""The return form's field definitions, loaded from data (form.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
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

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


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
    # cell text → what it names; the same labels recur in every file, so matching is done once
    memo: dict[tuple[str, str], object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.header + self.indicators

    def __getstate__(self) -> dict:
        # sent to worker processes without the memo, which only ever grows
        return {**self.__dict__, "memo": {}}


def _field(raw: dict, part: str) -> Field:
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
        options=tuple(raw.get("options", ())),
        option_aliases=tuple(raw.get("option_aliases", {}).items()),
        section=raw.get("section", ""),
        help=raw.get("help", ""),
    )


def parse_schema(text: str) -> FormSchema:
    raw = tomllib.loads(text)
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
    )


def default_schema_text() -> str:
    return resources.files("rtr.form").joinpath("form.toml").read_text(encoding="utf-8")
