"""docs/form.md and docs/rules.md, rendered from form.toml and the rule catalogue. Pure: text out;
`tools/write_docs.py` writes the files (`make docs`), and tests/rtr/test_docs.py fails when the
committed ones are out of date."""

from __future__ import annotations

from rtr.checking.catalogue import CATALOGUE, Catalogue, Rule
from rtr.checking.findings import ERROR, FILE, SEVERITY_LABELS, SUPERSEDED, WARNING
from rtr.checking.predicates import FIELD_PREDICATES, RETURN_PREDICATES
from rtr.checking.rules import Thresholds
from rtr.form.schema import Field, FormSchema

FORM_DOC, RULES_DOC = "docs/form.md", "docs/rules.md"
_GENERATED = "Generated from {sources} by `make docs` (`tools/write_docs.py`); edit those, not this file."
_SEVERITY_WORDS = {
    FILE: "the file cannot be read; nothing in it counts",
    ERROR: "the return is rejected (退回修改) and does not count; the firm fixes it and sends it again",
    WARNING: "the return counts; the finding is listed for the firm to confirm or explain in 备注",
    SUPERSEDED: "another return of the same firm and period counts instead",
}
_KINDS = {
    "text": "text, trimmed",
    "uscc": "统一社会信用代码: 18 characters, upper-cased, spaces removed (checked by E03, W05)",
    "period": "a half-year: `2024H1`, `2024-H1`, `2024年上半年`, `2024年度上半年`, `2024年1-6月`, `2024年1月-6月`, "
    "`2024年1—6月` and the H2 / 下半年 / 7-12月 forms, Traditional characters and full-width digits too; kept "
    "by its id (`2024H1`); unreadable or not yet ended is E04",
    "city": "a city of `[province] cities` in config.toml, with or without 市 (`广州` is `广州市`); another is E05",
    "date": "a real Excel date, an Excel serial number, `2024-07-05`, `2024/7/5` or `2024年7月5日`",
    "phone": "text (checked by W09)",
    "count": "a whole number ≥ 0: `12`, `12.0`, `１２`, ` 12 `, `12人`, `12 件`; not `12.5`, `-1`, `十二`, `约12` (E02); "
    "blank is 0 when optional, unknown (E01) when required",
    "amount": "a number ≥ 0 in 万元, two decimals kept: `1,234.5`, `1234.5万元`; blank is 0",
    "yesno": "yes or no (the tokens under Yes / no); blank is unknown; anything else is E02",
    "enum": "one of its choices (under Choices) or their aliases; anything else is E02",
}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ") if text not in (None, "") else "—"


def _type(f: Field) -> str:
    kind = f.kind
    if kind == "count" and f.minimum:
        kind += f" ≥ {f.minimum}"
    if f.normalize:
        kind += f" ({f.normalize}: full-width ＠ is stored as @)"
    return kind


def _field_rows(fields: tuple[Field, ...]) -> list[str]:
    rows = ["| code | key | label | aliases | unit | type | required |", "|---|---|---|---|---|---|---|"]
    for f in fields:
        rows.append(
            f"| {f.code} | `{f.key}` | {_cell(f.label)} | {_cell('、'.join(f.aliases))} | {_cell(f.unit)} "
            f"| {_cell(_type(f))} | {'yes' if f.required else 'no'} |"
        )
    return rows


def form_markdown(schema: FormSchema) -> str:
    lines = [
        f"# The return form: {schema.title} ({schema.form_no})",
        "",
        _GENERATED.format(sources="`rtr/form/form.toml`"),
        "",
        f"Every law firm fills in this form twice a year. The blank form (`python -m flows template`: sheet "
        f"「{schema.sheet_name}」 and a 「{schema.instructions_sheet}」 sheet), the reader and the rules "
        "(`docs/rules.md`) all read the same definitions, so a field is added in one place. Stock figures "
        "(人数, 设置情况) are as of the last day of the half-year (30 June / 31 December); flow figures "
        "(次, 件, 人次, 万元) cover the half-year.",
        "",
        "A row of the indicator table is found by its 代码 first, by its label or an alias second; labels, "
        "choices and city names are matched after NFKC and Traditional→Simplified conversion, without spaces "
        "and case-insensitively (`黨員律師數` is `党员律师数`). A return may also come as a roster: a header row of "
        "labels or codes, then one row per firm, each row a return of its own.",
        "",
        f"## Header block ({schema.header[0].code}–{schema.header[-1].code})",
        "",
        *_field_rows(schema.header),
        "",
        "## Indicator table",
    ]
    sections: dict[str, list[Field]] = {}
    for f in schema.indicators:
        sections.setdefault(f.section, []).append(f)
    for section, fields in sections.items():
        lines += ["", f"### {section}", "", *_field_rows(tuple(fields))]
    lines += [
        "",
        "The 备注 cell of an indicator row is the firm's remark: a warning about that field shows it beside the "
        "finding as the firm's explanation.",
        "",
        "## Types",
        "",
        *(f"- `{kind}`: {words}" for kind, words in _KINDS.items()),
        "",
        "A formula counts by its cached value; a formula with no cached value is E02, with the advice to open "
        "and save the file in Excel or WPS.",
        "",
        "## Choices",
        "",
    ]
    for f in schema.fields:
        if f.kind != "enum":
            continue
        lines.append(f"- **{f.label}** (`{f.key}`, {f.code}): {' / '.join(f.options)}")
        if f.option_aliases:
            lines.append("  - also read: " + "; ".join(f"{alias} → {option}" for alias, option in f.option_aliases))
        for name, members in f.option_groups:
            lines.append(f"  - group `{name}`: {' / '.join(members)}")
    yes = sorted(schema.yes_tokens)
    no = sorted(schema.no_tokens)
    lines += [
        "",
        "The org_type groups are what the rules and the report's metrics mean by a firm with its own Party "
        "organisation (`own`), one covered by a joint branch (`joint`) and one with none (`none`).",
        "",
        "## Yes / no",
        "",
        f"Yes: {', '.join(f'`{t}`' for t in yes)}. No: {', '.join(f'`{t}`' for t in no)} "
        f"(case-insensitive; the blank form offers {schema.yes_label} / {schema.no_label}).",
        "",
        "## The indicator table's columns",
        "",
        "| column | headings read |",
        "|---|---|",
        *(f"| {name} | {_cell('、'.join(labels))} |" for name, labels in schema.table_columns.items()),
        "",
        f"## 填报要求 (the 「{schema.instructions_sheet}」 sheet, before the rules)",
        "",
        *(f"{i}. {note}" for i, note in enumerate(schema.notes, start=1)),
        "",
    ]
    return "\n".join(lines)


def _fields_text(rule: Rule, schema: FormSchema) -> str:
    keys = rule.field_keys(schema)
    if not isinstance(rule.fields, tuple):
        selector = (
            "every field"
            if isinstance(rule.fields, str)
            else "fields with " + ", ".join(f"{k} = {_toml(v)}" for k, v in rule.fields.items())
        )
        if len(keys) > 8:
            return f"{selector} ({len(keys)})"
        return f"{selector}: " + ", ".join(f"`{k}`" for k in keys)
    return ", ".join(f"`{k}`" for k in keys) or "—"


def _toml(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else f'"{value}"' if isinstance(value, str) else str(value)


def _thresholds_text(rule: Rule, defaults: Thresholds) -> str:
    return ", ".join(f"`{k}` = {getattr(defaults, k)}" for k in rule.thresholds) or "—"


def _checked_by(rule: Rule) -> str:
    if rule.check:
        return f"`{rule.check}`"
    if rule.id in FIELD_PREDICATES:
        check = FIELD_PREDICATES[rule.id]
        return f"`{check.predicate.__name__}` (rtr/checking/predicates.py), on each field read as {check.outcome}"
    return f"`{RETURN_PREDICATES[rule.id].__name__}` (rtr/checking/predicates.py)"


def rules_markdown(schema: FormSchema, catalogue: Catalogue = CATALOGUE, defaults: Thresholds = Thresholds()) -> str:
    severities = [s for s in (FILE, ERROR, WARNING, SUPERSEDED) if any(r.severity == s for r in catalogue)]
    lines = [
        "# The rules",
        "",
        _GENERATED.format(sources="`rtr/checking/rules.toml` and `rtr/form/form.toml`"),
        "",
        "Every finding names the file, sheet, cell, field and value read, and says in Chinese what to fix. "
        "Rule ids are stable. Severities:",
        "",
        *(f"- **{s}** ({SEVERITY_LABELS[s]}): {_SEVERITY_WORDS[s]}." for s in severities),
        "",
        "Thresholds are the `[rules]` keys of config.toml; the defaults are shown. The explanation is what the "
        "blank form's 填报说明 sheet says (with the configured thresholds).",
        "",
        "| id | severity | fields | thresholds (default) | explanation |",
        "|---|---|---|---|---|",
    ]
    for rule in catalogue:
        lines.append(
            f"| {rule.id} | {rule.severity} | {_cell(_fields_text(rule, schema))} | "
            f"{_cell(_thresholds_text(rule, defaults))} | {_cell(rule.explanation(schema, defaults))} |"
        )
    lines += ["", "## Each rule", ""]
    for rule in catalogue:
        lines += [
            f"### {rule.titled()} ({rule.severity})",
            "",
            f"- When: {rule.summary}",
            f"- Fields: {_fields_text(rule, schema)}",
            f"- Thresholds: {_thresholds_text(rule, defaults)}",
            f"- Checked by: {_checked_by(rule)}",
        ]
        if rule.note:
            lines.append(f"- Decision: {rule.note}")
        for name, template in rule.messages.items():
            lines.append(f"- Message ({name}): `{template}`")
        for name, template in rule.items.items():
            lines.append(f"- Each of `{name}`: `{template}`")
        lines.append("")
    lines += [
        "## Adding a rule",
        "",
        "1. An entry in `rtr/checking/rules.toml` (id, severity, fields, thresholds, summary, explain, message).",
        "2. One predicate in `rtr/checking/predicates.py`, registered under the id, reading the entry's fields "
        "as `v.<key>` and giving `hit(field, **values)` for each finding.",
        "3. A breaker in `sample/synthetic.py` if a single return can break it, a case in `tests/rtr/checking/test_rules.py`, "
        "and `make docs`.",
        "",
        "Nothing else changes: the blank form's 填报说明, the report's warning counts (`w.<id>` in the Word "
        "templates) and these docs read the catalogue. `tests/rtr/checking/test_catalogue.py` fails when an entry names a "
        "field form.toml does not have or a threshold `Thresholds` does not have, when a predicate reads a field "
        "its entry does not name, and when a predicate has no entry or an entry no predicate.",
        "",
    ]
    return "\n".join(lines)


def documents(schema: FormSchema) -> dict[str, str]:
    """Path (from the repository's root) → the text it should hold."""
    return {FORM_DOC: form_markdown(schema), RULES_DOC: rules_markdown(schema)}
