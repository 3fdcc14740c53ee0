"""Property tests (hypothesis) for reading values and checking returns, and a bounded fuzz of the
reader over mutated workbook bytes: any input gives a value or a finding, never an exception."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import date, datetime
from datetime import time as dtime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtr.checking.examine import examine
from rtr.checking.rules import check_return
from rtr.reading.layouts import RawCell, find_returns
from rtr.reading.values import read_value
from rtr.reading.workbook import Limits, load_workbook
from tests import reliability
from tests.conftest import clean_values, form_bytes

# what a cell can hold after calamine: text, numbers (incl. nan and inf), booleans, dates, times, nothing
cell_content = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "是",
            "否",
            "有",
            "无",
            "１２",
            "12人",
            "3.5万元",
            "-1",
            "1e309",
            "NaN",
            "#N/A",
            "=A1+1",
            "2024-07-05",
            "2024年7月5日",
            "二〇二四年",
            "9144030071526726XX",
            "\x00\x1f",
            "全角　空格",
            "9" * 400,
            "9" * 400 + ".0",
            "1" + "0" * 30 + "万元",
        ]
    ),
    st.sampled_from([1e26, 1e300, -1e26, 2**70, float("inf")]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.times().map(lambda t: dtime(t.hour, t.minute)),
)

_cases = {"read": 0, "check": 0}


@pytest.fixture(scope="module")
def clean_raw(schema):
    loaded = load_workbook(form_bytes(schema, clean_values()), ".xlsx", Limits())
    return find_returns("clean.xlsx", loaded.sheets, schema)[0]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), raw=cell_content)
def test_any_cell_content_reads_as_a_value_a_blank_or_an_error(schema, data, raw):
    field = data.draw(st.sampled_from(schema.fields))
    read = read_value(field, raw, schema)
    assert read.blank or read.error is not None or read.value is not None, (field.key, raw, read)
    if read.error is not None:
        assert isinstance(read.error, str) and read.error
    _cases["read"] += 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_return_content_gives_values_or_findings(schema, ctx, clean_raw, data):
    """Some cells of a good return replaced by anything: checking never raises, and each field that
    cannot be read gets a finding that names it."""
    keys = data.draw(st.lists(st.sampled_from(sorted(clean_raw.cells)), min_size=1, max_size=8, unique=True))
    cells = dict(clean_raw.cells)
    for key in keys:
        cells[key] = RawCell(cells[key].cell, data.draw(cell_content))
    checked = check_return(replace(clean_raw, cells=cells), ctx)
    by_field = {f.field for f in checked.findings}
    for key in keys:
        field = schema.by_key[key]
        read = read_value(field, cells[key].raw, schema)
        if read.error is not None:
            assert key in by_field, (key, cells[key].raw, read.error)
    _cases["check"] += 1


def test_record_property_counts():
    """Runs after the two above (file order): puts how many cases they tried into the reliability table."""
    if _cases["read"]:
        reliability.record(
            "Property tests and fuzzing",
            "any cell content, any field (hypothesis)",
            _cases["read"],
            "a value, a blank or a reason; never an exception",
            "every case: one of the three holds",
        )
    if _cases["check"]:
        reliability.record(
            "Property tests and fuzzing",
            "1–8 cells of a good return replaced by anything (hypothesis)",
            _cases["check"],
            "checked; each unreadable field has a finding naming it",
            "every case: findings compared with the fields that could not be read",
        )


def _mutations(good: bytes, rng: random.Random, n: int):
    for i in range(n):
        data = bytearray(good)
        kind = i % 4
        if kind == 0:  # flip bytes
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif kind == 1:  # cut
            del data[rng.randrange(len(data)) :]
        elif kind == 2:  # insert junk
            at = rng.randrange(len(data))
            data[at:at] = rng.randbytes(rng.randint(1, 200))
        else:  # overwrite a run with one repeated byte
            at = rng.randrange(len(data))
            data[at : at + rng.randint(1, 500)] = bytes([rng.randrange(256)]) * rng.randint(1, 500)
        yield bytes(data)


def test_bounded_fuzz_of_the_reader(schema, ctx):
    """600 mutated copies of a good form (fixed seed): each gives returns or a reason, quickly."""
    good = form_bytes(schema, clean_values())
    outcomes = {"returns": 0, "reason": 0}
    slowest = 0.0
    for data in _mutations(good, random.Random(20261121), 600):
        start = time.perf_counter()
        examined = examine("fuzz.xlsx", data, ctx, Limits())
        slowest = max(slowest, time.perf_counter() - start)
        assert examined.returns if examined.problem is None else not examined.returns
        outcomes["returns" if examined.problem is None else "reason"] += 1
    assert slowest < 5.0
    assert outcomes["reason"] > 0 and outcomes["returns"] > 0  # the mutations do reach both sides
    reliability.record(
        "Property tests and fuzzing",
        "mutated workbook bytes (flips, cuts, inserts, runs; fixed seed)",
        600,
        f"{outcomes['returns']} still read with their findings, {outcomes['reason']} answered with a reason; "
        f"slowest {slowest * 1000:.0f} ms",
        "every case: returns or a reason, never an exception",
    )


def test_load_workbook_never_raises_on_random_bytes():
    rng = random.Random(7)
    for n in range(300):
        data = rng.randbytes(rng.randint(0, 3000))
        if n % 3 == 0:
            data = b"PK\x03\x04" + data
        assert load_workbook(data, ".xlsx", Limits()).problem
