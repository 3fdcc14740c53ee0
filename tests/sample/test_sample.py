"""The synthetic sample: deterministic, realistic, and every messy variation reads back as meant."""

import collections

import pytest

from rtr.checking.examine import SPREADSHEET, classify, examine
from rtr.checking.rules import check_return
from rtr.config import GUANGDONG
from rtr.form.groups import OWN
from rtr.form.periods import Period
from rtr.reading.workbook import Limits
from sample.synthetic import BREAKERS, RULE_BREAKS, SINGLE_RETURN_RULES, break_rule, make_sample, synth_firm
from tests.conftest import form_bytes, read_returns

P = Period(2024, 1)


def test_deterministic_by_seed(schema):
    a = make_sample(schema, GUANGDONG, P, 12, seed=5)
    b = make_sample(schema, GUANGDONG, P, 12, seed=5)
    c = make_sample(schema, GUANGDONG, P, 12, seed=6)
    assert [f.values for f in a.firms] == [f.values for f in b.firms]
    assert [f.values for f in a.firms] != [f.values for f in c.firms]
    assert all(f.path.count("/") == 1 and f.path.split("/")[0] in GUANGDONG for f in a.files)


def test_distribution_looks_national(schema):
    import random

    rng = random.Random(1)
    firms = [synth_firm(rng, P, "广州市", f"律所{i}") for i in range(4000)]
    small = sum(f["lawyers"] <= 10 for f in firms) / len(firms)
    share = sum(f["members"] for f in firms) / sum(f["lawyers"] for f in firms)
    assert 0.60 < small < 0.70
    assert 0.30 <= share <= 0.45
    own = [f for f in firms if f["org_type"] in OWN]
    assert all(f["full_members"] >= 3 for f in own)
    with_email = [f["contact_email"] for f in firms if f["contact_email"]]
    assert 0.8 < len(with_email) / len(firms) < 0.9 and all("@" in e for e in with_email)
    # a clerk's name: a surname and one or two given characters, and many different ones
    assert all(2 <= len(f["contact_name"]) <= 3 for f in firms)
    assert len({f["contact_name"] for f in firms}) > 500


@pytest.fixture(scope="module")
def messy(schema):
    return make_sample(schema, GUANGDONG, P, 150, seed=11, messy=True)


@pytest.fixture(scope="module")
def examined(messy, ctx):
    out = {}
    for f in messy.files:
        if classify(f.path) == SPREADSHEET:
            out[f.path] = examine(f.path, f.data, ctx, Limits())
    return out


def test_messy_clean_returns_read_back_exactly(messy, examined):
    """Full-width digits, units, √/×, Traditional labels, aliases, reordered columns, roster files,
    .xls, instruction sheets first...: the values read are the values meant, with no finding."""
    layouts = collections.Counter()
    checked_firms = 0
    for firm in messy.firms:
        if firm.breaks is not None:
            continue
        result = examined[firm.path]
        match = [c for c in result.returns if c.values.get("uscc") == firm.values["uscc"]]
        assert len(match) == 1, firm.path
        got = match[0]
        assert got.findings == [], (firm.path, [f.message for f in got.findings])
        assert got.values == firm.expected, firm.path
        layouts[(got.raw.layout, firm.path.rsplit(".", 1)[1])] += 1
        checked_firms += 1
    assert checked_firms > 100
    assert {("form", "xlsx"), ("form", "xls"), ("roster", "xlsx")} <= set(layouts)


def test_messy_breaks_every_rule(messy, examined):
    fired = collections.defaultdict(set)
    for firm in messy.firms:
        if firm.breaks in (None, "S01"):
            continue
        for c in examined[firm.path].returns:
            fired[firm.breaks] |= {f.rule for f in c.findings}
    for rule in RULE_BREAKS:
        assert rule in fired[rule], rule


def test_messy_junk(messy, examined):
    assert {v for v in messy.junk.values()} == {"duplicate", "ignored", "unreadable"}
    for path, outcome in messy.junk.items():
        if outcome == "unreadable":
            assert examined[path].problem
        if outcome == "ignored":
            assert classify(path) != SPREADSHEET


def test_every_rule_a_single_return_can_break_has_a_breaker():
    """Every E and W rule with a single-return predicate (all but W08, W10) is in the catalogue
    order of RULE_BREAKS; a new rule without a breaker fails here."""
    assert "E01" in SINGLE_RETURN_RULES and "W12" in SINGLE_RETURN_RULES
    assert "W08" not in SINGLE_RETURN_RULES and "W10" not in SINGLE_RETURN_RULES
    assert set(BREAKERS) == set(SINGLE_RETURN_RULES)
    assert RULE_BREAKS == SINGLE_RETURN_RULES


@pytest.mark.parametrize("rule", SINGLE_RETURN_RULES)
def test_each_breaker_breaks_its_rule(schema, ctx, rule):
    import random

    rng = random.Random(rule)
    for i in range(5):
        v = synth_firm(rng, P, "广州市", f"广州律所{i}律师事务所")
        break_rule(rule, v, rng, P)
        values = {k: ("是" if x is True else "否" if x is False else x) for k, x in v.items()}
        (raw,) = read_returns(schema, form_bytes(schema, values))
        assert rule in {f.rule for f in check_return(raw, ctx).findings}, (rule, i)
