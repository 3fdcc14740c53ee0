from __future__ import annotations

import io
import os

# as make test and .ci/run set them: no telemetry from the Prefect servers the tests start
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
from collections.abc import Iterator
from datetime import date

import pytest
from openpyxl import Workbook

from rtr.checking.rules import RuleContext, check_return
from rtr.config import GUANGDONG
from rtr.form.schema import FormSchema, default_schema_text, parse_schema
from rtr.form.uscc import check_char
from rtr.reading.layouts import find_returns
from rtr.reading.values import city_index
from rtr.reading.workbook import Limits, load_workbook
from rtr.workbooks.formfill import FormFiller, form_filler
from rtr.workbooks.formgen import build_form, workbook_bytes

TODAY = date(2026, 1, 15)


def valid_uscc(body: str = "31440000MD0123456") -> str:
    return body + check_char(body)


def clean_values() -> dict[str, object]:
    """A return that breaks no rule: a firm with its own branch."""
    return {
        "firm_name": "广东信达&合诚律师事务所",
        "uscc": valid_uscc(),
        "period": "2024年上半年",
        "city": "广州市",
        "district": "天河区",
        "org_form": "普通合伙",
        "contact_name": "王伟",
        "contact_phone": "13800138000",
        "filled_date": date(2024, 7, 5),
        "contact_email": "dangjian@xinda-law.cn",
        "lawyers": 30,
        "partners": 8,
        "director_is_member": True,
        "members": 12,
        "full_members": 11,
        "probationary": 1,
        "member_partners": 4,
        "members_elsewhere": 1,
        "new_members": 1,
        "activists": 2,
        "applicants": 3,
        "org_type": "单独党支部",
        "joint_branch": None,
        "secretary_is_director": True,
        "secretary_in_management": True,
        "charter": True,
        "funds_in_budget": False,
        "instructor": False,
        "venue": "标准",
        "funds": 3.5,
        "member_meetings": 2,
        "committee_meetings": 6,
        "group_meetings": 4,
        "party_lectures": 2,
        "theme_days": 6,
        "training": 40,
        "appraisal": True,
        "legal_aid": 20,
        "legal_aid_by_members": 9,
        "pro_bono": 5,
        "consultations": 120,
        "village_advisers": 3,
        "enterprise_checkups": 4,
        "gov_advisers": 2,
        "petitions": 6,
        "lectures": 7,
        "revenue": 1234.56,
        "cases": 800,
        "complaints": 1,
        "sanctions": 0,
        "highlights": "党建引领所建。",
        "problems": None,
        "plans": None,
    }


@pytest.fixture(scope="session")
def harness() -> Iterator[str]:
    """Prefect's test harness, started once per session and only for the tests that ask for it;
    yields its API URL, for the CLI runs a test starts in subprocesses."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


@pytest.fixture(scope="session")
def schema() -> FormSchema:
    return parse_schema(default_schema_text())


@pytest.fixture(scope="session")
def ctx(schema) -> RuleContext:
    return RuleContext(schema, city_index(GUANGDONG), TODAY)


def as_cells(values: dict[str, object]) -> dict[str, object]:
    return {k: ("是" if v is True else "否" if v is False else v) for k, v in values.items()}


_FILLERS: dict[int, tuple[FormSchema, FormFiller]] = {}


def form_bytes(schema: FormSchema, values: dict[str, object], remarks: dict[str, str] | None = None) -> bytes:
    """The published form with `values` filled in, by the fast filler (tests/rtr/workbooks/test_formfill.py shows
    it reads back exactly as the form openpyxl fills; ≈1 ms instead of ≈140 ms a form)."""
    if (known := _FILLERS.get(id(schema))) is None or known[0] is not schema:
        known = _FILLERS[id(schema)] = (schema, form_filler(schema, GUANGDONG))
    return known[1].fill(as_cells(values), remarks)


def openpyxl_form_bytes(schema: FormSchema, values: dict[str, object], remarks: dict[str, str] | None = None) -> bytes:
    """The same form filled by openpyxl, as `flows template` builds it."""
    wb, _ = build_form(schema, GUANGDONG, (), values=as_cells(values), remarks=remarks)
    return workbook_bytes(wb)


def grid_bytes(
    rows: list[list[object]],
    *,
    title: str = "Sheet1",
    extra: dict[str, list[list[object]]] | None = None,
    hidden: set[str] = frozenset(),
) -> bytes:
    """A workbook whose first sheet holds `rows` as written (row 1 = rows[0])."""
    wb = Workbook()
    sheets = [(title, rows), *(extra or {}).items()]
    for i, (name, grid) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet(name)
        ws.title = name
        for r, row in enumerate(grid, 1):
            for c, value in enumerate(row, 1):
                if value is not None:
                    ws.cell(r, c, value)
        if name in hidden:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_returns(schema: FormSchema, data: bytes, suffix: str = ".xlsx", name: str = "t.xlsx"):
    loaded = load_workbook(data, suffix, Limits())
    assert loaded.problem is None, loaded.problem
    return find_returns(name, loaded.sheets, schema)


def check(ctx: RuleContext, values: dict[str, object], remarks: dict[str, str] | None = None):
    """Writes `values` into the published form, reads it back and checks it."""
    (raw,) = read_returns(ctx.schema, form_bytes(ctx.schema, values, remarks))
    return check_return(raw, ctx)


def rules_of(checked) -> set[str]:
    return {f.rule for f in checked.findings}


def pytest_sessionfinish(session, exitstatus):
    from tests import reliability

    reliability.write()


# What `-m "not slow"` leaves out (the quick loop; `make test` runs everything): tests that start
# Prefect, LibreOffice, PostgreSQL or the CLI and worker processes.
_SLOW_MODULES = {
    *("test_cli", "test_crash", "test_serve_live", "test_serve", "test_hostile", "test_bounded"),
    *("test_postgres", "test_documents", "test_order", "test_flows"),
}


# Under pytest-xdist (`make test`: two workers, `--dist loadgroup`), the modules whose tests share a
# set-up run on one worker: the session's Prefect server (started once, not once a worker) and each
# module's own module- or session-scoped fixtures. Every other test goes to whichever worker is free.
# Checked at collection: a module that sets something up for its tests must be listed here.
_SHARED = {
    **dict.fromkeys(("test_cli", "test_flows", "test_hostile"), "prefect"),
    **{m: m for m in ("test_crash", "test_documents", "test_order", "test_postgres", "test_sample")},
    **{m: m for m in ("test_progress", "test_delivery", "test_workbook", "test_rules", "test_formgen")},
    "test_properties": "test_properties",
}
# ... and the ones that take tens of seconds start first, so that none is left to finish alone.
_LONG_FIRST = ("test_crash", "test_serve_live", "prefect", "test_documents", "test_order")


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")


def _needs_sharing(item) -> bool:
    """Whether the item uses the Prefect harness or a module- or session-scoped fixture of its module's own."""
    if "harness" in item.fixturenames:
        return True
    own = item.module.__name__
    return any(
        d.scope in ("module", "session") and getattr(d.func, "__module__", None) == own
        for defs in item._fixtureinfo.name2fixturedefs.values()
        for d in defs
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = _module(item.nodeid)
        uses = set(getattr(item, "fixturenames", ()))
        if (
            module in _SLOW_MODULES
            or uses & {"harness"}
            or item.get_closest_marker("prefect")
            or item.get_closest_marker("libreoffice")
        ):
            item.add_marker(pytest.mark.slow)
        if _needs_sharing(item) and module not in _SHARED:
            raise pytest.UsageError(f"tests/conftest.py: add {module} to _SHARED (its tests share a set-up)")
        if "harness" in uses and _SHARED[module] != "prefect":
            raise pytest.UsageError(f"tests/conftest.py: {module} uses the Prefect harness: its group is prefect")
    first = {name: i for i, name in enumerate(_LONG_FIRST)}
    items.sort(key=lambda item: first.get(_SHARED.get(m := _module(item.nodeid), m), len(first)))  # stable


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` by the table above: pytest 9 ignores the nodeid suffix by which
    pytest-xdist 3.8 groups `xdist_group` marks, so the groups come from the module's name here."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedSetups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _SHARED.get(_module(nodeid), nodeid)

    return SharedSetups(config, log)
