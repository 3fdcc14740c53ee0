"""docs/form.md and docs/rules.md are what form.toml and the rule catalogue say (`make docs` writes them)."""

from pathlib import Path

import pytest

from rtr.checking.catalogue import CATALOGUE
from rtr.checking.rules import Thresholds
from rtr.docs import FORM_DOC, RULES_DOC, documents, form_markdown, rules_markdown

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", [FORM_DOC, RULES_DOC])
def test_committed_docs_are_up_to_date(schema, path):
    committed = (ROOT / path).read_text(encoding="utf-8")
    assert committed == documents(schema)[path], f"{path} is out of date: run `make docs`"


def test_form_doc_lists_every_field(schema):
    text = form_markdown(schema)
    for f in schema.fields:
        row = next(line for line in text.splitlines() if line.startswith(f"| {f.code} | `{f.key}` | {f.label} |"))
        assert ("| yes |" if f.required else "| no |") in row and all(a in row for a in f.aliases), f.key
        assert (f.unit or "—") in row and f.kind in row


def test_rules_doc_lists_every_rule_with_fields_thresholds_and_explanation(schema):
    text = rules_markdown(schema)
    defaults = Thresholds()
    for rule in CATALOGUE:
        row = next(line for line in text.splitlines() if line.startswith(f"| {rule.id} | {rule.severity} |"))
        assert rule.explanation(schema, defaults) in row, rule.id
        for key in rule.thresholds:
            assert f"`{key}` = {getattr(defaults, key)}" in row
        if isinstance(rule.fields, tuple):
            assert all(f"`{k}`" in row for k in rule.fields), rule.id
        assert f"### {rule.titled()} ({rule.severity})" in text
