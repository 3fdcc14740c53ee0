"""The rule catalogue (rules.toml) and the predicates keep in step with each other, with form.toml and
with the thresholds: a rule naming a field or threshold that does not exist, a predicate without an
entry or an entry without a predicate, a template asking for a value nobody supplies, all fail here."""

import ast
import dataclasses
import importlib
import inspect
import string
import textwrap

import pytest

from rtr.checking.catalogue import CATALOGUE, DEFAULT_MESSAGE, WARNING_RULES, parse_catalogue
from rtr.checking.predicates import FIELD_PREDICATES, RETURN_PREDICATES, Values
from rtr.checking.rules import RuleContext, Thresholds, check_return
from rtr.config import GUANGDONG
from rtr.form.schema import default_schema_text, parse_schema
from rtr.reading.values import city_index
from rtr.workbooks.receipts import receipt_from_rows
from tests.conftest import TODAY, clean_values, form_bytes, read_returns

ENGINE_PLACEHOLDERS = {"where", "label", "sheet", "where_of", "cell_of", "label_of"}  # what rules._Emitter supplies
THRESHOLD_KEYS = {f.name for f in dataclasses.fields(Thresholds)}
_FORMATTER = string.Formatter()


def test_the_catalogue_lists_every_rule_of_the_contract():
    expected = ["F01", *(f"E{i:02d}" for i in range(1, 16)), *(f"W{i:02d}" for i in range(1, 13)), "S01"]
    assert list(CATALOGUE.ids()) == expected
    assert tuple(f"W{i:02d}" for i in range(1, 13)) == WARNING_RULES
    for rule in CATALOGUE:
        assert rule.explain and rule.summary and rule.messages, rule.id


def test_every_field_a_rule_names_is_in_form_toml(schema):
    for rule in CATALOGUE:
        keys = rule.field_keys(schema)
        assert set(keys) <= set(schema.by_key), (rule.id, set(keys) - set(schema.by_key))
        if rule.severity in ("error", "warning"):
            assert keys, f"{rule.id} reads no field"


def test_every_threshold_a_rule_names_is_a_thresholds_field_and_each_is_used():
    named = {key for rule in CATALOGUE for key in rule.thresholds}
    assert named <= THRESHOLD_KEYS, named - THRESHOLD_KEYS
    assert named == THRESHOLD_KEYS, THRESHOLD_KEYS - named  # a [rules] key no rule reads


def test_every_predicate_has_an_entry_and_every_entry_a_predicate_or_a_check():
    field, whole = set(FIELD_PREDICATES), set(RETURN_PREDICATES)
    assert not field & whole
    assert field | whole <= set(CATALOGUE.ids()), (field | whole) - set(CATALOGUE.ids())
    for rule in CATALOGUE:
        has_predicate = rule.id in field | whole
        assert has_predicate != bool(rule.check), f"{rule.id}: a predicate, or a check naming its function"
        if rule.check:
            module, name = rule.check.rsplit(".", 1)
            assert callable(getattr(importlib.import_module(module), name)), rule.check
    assert {r.id for r in CATALOGUE if r.check} == {"F01", "W08", "W10", "S01"}


def _function(fn) -> ast.FunctionDef:
    return ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]


def _attributes_of(func: ast.FunctionDef, param: str) -> set[str]:
    return {
        n.attr
        for n in ast.walk(func)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == param
    }


def _strings(func: ast.FunctionDef) -> set[str]:
    return {n.value for n in ast.walk(func) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _hits(func: ast.FunctionDef) -> list[tuple[str, set[str]]]:
    """(message name, keyword names) of each `hit(...)` the predicate builds."""
    found = []
    for n in ast.walk(func):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "hit":
            assert len(n.args) < 2 or isinstance(n.args[1], ast.Constant), "name a message by a literal"
            message = n.args[1].value if len(n.args) > 1 else DEFAULT_MESSAGE
            found.append((message, {k.arg for k in n.keywords}))
    return found


@pytest.mark.parametrize("rule_id", sorted(RETURN_PREDICATES))
def test_a_return_predicate_reads_exactly_its_entrys_fields_and_thresholds(schema, rule_id):
    rule, func = CATALOGUE[rule_id], _function(RETURN_PREDICATES[rule_id])
    values, thresholds = (a.arg for a in func.args.args)
    methods = {name for name in vars(Values) if not name.startswith("__")}
    read = (_attributes_of(func, values) - methods) | (_strings(func) & set(schema.by_key))
    assert read == set(rule.fields), (rule_id, read ^ set(rule.fields))
    assert _attributes_of(func, thresholds) == set(rule.thresholds), rule_id


@pytest.mark.parametrize("rule_id", sorted({*FIELD_PREDICATES, *RETURN_PREDICATES}))
def test_every_message_is_used_and_gets_every_value_it_asks_for(rule_id):
    rule = CATALOGUE[rule_id]
    fn = RETURN_PREDICATES.get(rule_id) or FIELD_PREDICATES[rule_id].predicate
    func = _function(fn)
    hits = _hits(func)
    assert {m for m, _ in hits} == set(rule.messages), rule_id
    for message, supplied in hits:
        asked = {name for _, name, _, _ in _FORMATTER.parse(rule.messages[message]) if name}
        asked = {name.split("[", 1)[0] for name in asked}
        missing = asked - ENGINE_PLACEHOLDERS - set(rule.thresholds) - supplied
        assert not missing, (rule_id, message, missing)
    for name, template in rule.items.items():
        assert any(name in supplied for _, supplied in hits), (rule_id, name)
        asked = {n for _, n, _, _ in _FORMATTER.parse(template) if n}
        assert asked <= {"label"} | _strings(func), (rule_id, name)


def test_values_have_no_attribute_a_field_key_would_hide(schema):
    assert not {f.key for f in schema.fields} & set(dir(Values))
    assert not any(f.key.startswith("_") for f in schema.fields)


def _renamed(old: str, new: str) -> str:
    text = default_schema_text()
    assert f'key = "{old}"' in text
    return text.replace(f'key = "{old}"', f'key = "{new}"')


def test_renaming_a_field_in_form_toml_does_not_switch_its_rules_off_silently():
    schema = parse_schema(_renamed("members", "party_members"))
    ctx = RuleContext(schema, city_index(GUANGDONG), TODAY)
    (raw,) = read_returns(schema, form_bytes(schema, clean_values()))
    with pytest.raises(ValueError, match=r"rule E06 reads \['members'\]"):
        check_return(raw, ctx)


def test_the_catalogue_refuses_what_it_does_not_know():
    ok = 'id = "X01"\ntitle = "x"\nseverity = "warning"\nfields = ["uscc"]\nexplain = "x"\nmessage = "x"\n'
    assert parse_catalogue("[[rule]]\n" + ok)["X01"].messages == {DEFAULT_MESSAGE: "x"}
    with pytest.raises(ValueError, match="unknown keys: treshold"):
        parse_catalogue("[[rule]]\n" + ok + "treshold = 1\n")
    with pytest.raises(ValueError, match="severity"):
        parse_catalogue("[[rule]]\n" + ok.replace('"warning"', '"notice"'))
    with pytest.raises(ValueError, match="twice"):
        parse_catalogue("[[rule]]\n" + ok + "[[rule]]\n" + ok)
    with pytest.raises(ValueError, match="title"):
        parse_catalogue("[[rule]]\n" + ok.replace('title = "x"\n', ""))


def test_every_rule_has_a_title_lists_can_show():
    titles = [rule.titled(4) for rule in CATALOGUE]
    assert CATALOGUE["E06"].titled() == "E06 党员律师数大于执业律师数"
    assert "E08 单独建立党组织但正式党员不足4人" in titles
    assert all("{" not in t for t in titles) and len(set(titles)) == len(titles)


def test_explanations_fill_in_thresholds_fields_and_groups(schema):
    t = Thresholds(history_change_ratio=0.3, max_text_chars=1500)
    assert "变化超过30%" in CATALOGUE["W08"].explanation(schema, t)
    assert (
        CATALOGUE["W11"].explanation(schema, t)
        == "特色做法和成效、存在问题和困难、下一步工作打算每项不超过1500字，超过的请精简。"
    )
    assert "单独党支部、党总支、党委" in CATALOGUE["E08"].explanation(schema, t)
    for rule in CATALOGUE:
        assert "{" not in rule.explanation(schema, t), rule.id


def test_the_receipts_s01_wording_is_the_catalogues():
    """receipts.py words S01 itself; until it reads the catalogue, the two must say the same."""
    file_row = {"path": "广州市/a.xlsx", "seen_at": "2024-07-05", "sha256": "0", "outcome": "read", "message": None}
    ret = {
        "id": 1,
        "status": "superseded",
        "sheet": "党建工作情况表",
        "firm_name": "甲",
        "uscc": "x",
        "period": "2024H1",
    }
    messages = CATALOGUE["S01"].messages
    named = receipt_from_rows(file_row, [ret | {"row": None}], [], {1: {"path": "广州市/b.xlsx", "sheet": "表"}})
    assert named.returns[0].findings[0].message == messages["replaced"].format(path="广州市/b.xlsx", other_sheet="表")
    unnamed = receipt_from_rows(file_row, [ret | {"row": None}], [], {})
    assert unnamed.returns[0].findings[0].message == messages["replaced_unknown"]
