"""Results never depend on the order files arrive in: W08 (against the previous half-year) and W10
(against the roster) are found from the store as it stands, whenever what they depend on arrives."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook as ox_load

import flows.listing
from flows.setup import load_setup
from rtr.form.periods import Period
from rtr.reading.roster import RosterFirm
from sample.synthetic import make_sample
from tests import reliability
from tests.conftest import form_bytes
from tests.helpers import drop, in_folder, run_intake, run_report

ROOT = Path(__file__).resolve().parents[1]
CITIES = ("广州市", "深圳市", "佛山市")
NOW, BEFORE = Period(2024, 1), Period(2023, 2)


def _files(schema) -> tuple[dict[str, bytes], dict[str, bytes], list[RosterFirm]]:
    """This half-year's messy sample under 广州市/… and the like, and the same firms' returns for the
    half-year before under 往期/… (which sorts after them), a third with lawyers ×3 (W08)."""
    sample = make_sample(schema, CITIES, NOW, 36, seed=12, messy=True)
    # not the copy of a file sent twice: which of two identical files is the copy is when it came (by design)
    current = {f.path: f.data for f in sample.files if not f.path.startswith("重复发送/")}
    earlier = {}
    for i, firm in enumerate(f for f in sample.firms if f.breaks is None):
        v = dict(firm.values) | {"period": BEFORE.label, "filled_date": date(2024, 1, 5)}
        if i % 3 == 0:
            v |= {"lawyers": int(v["lawyers"]) * 3}
        v = {k: ("是" if x is True else "否" if x is False else x) for k, x in v.items()}
        earlier[f"往期/{i:02d}.xlsx"] = form_bytes(schema, v)
    roster = [
        RosterFirm(str(f.values["uscc"]), str(f.values["firm_name"]), str(f.values["city"])) for f in sample.firms
    ]
    return current, earlier, roster[3:]  # three firms not in the roster: W10


def _outcome(setup, folder: Path) -> tuple:
    summary = json.loads((folder / "out/2024H1/summary.json").read_text(encoding="utf-8"))
    summary.pop("generated_at")
    receipts = {}
    for path in sorted((folder / "回执").rglob("*_回执.xlsx")):
        rows = ox_load(path).active.iter_rows(values_only=True)
        text = [" ".join(str(c) for c in row if c is not None) for row in rows]
        receipts[path.relative_to(folder).as_posix()] = [line for line in text if not line.startswith("收到时间")]
    return summary, receipts


def _report(setup, folder: Path):
    run_report(setup, NOW)
    return _outcome(setup, folder)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, schema):
    current, earlier, roster = _files(schema)
    base = load_setup(ROOT / "config.toml")
    base = replace(base, config=replace(base.config, cities=CITIES, settle_seconds=0))
    tmp = tmp_path_factory.mktemp("order")
    got = {}

    def setup_for(name: str):
        return in_folder(base, tmp / name, roster=roster, batch_size=7)

    def put(name: str, files: dict[str, bytes]) -> None:
        for rel, data in files.items():
            drop(tmp / name / "inbox", rel, data)

    put("path order", current | earlier)
    got["path order"] = _report(setup_for("path order"), tmp / "path order")

    put("reverse order", current | earlier)
    with pytest.MonkeyPatch.context() as mp:
        listed = flows.listing.list_inbox

        def reversed_listing(inbox, seen):
            fresh, known = listed(inbox, seen)
            return list(reversed(fresh)), known

        mp.setattr(flows.listing, "list_inbox", reversed_listing)
        got["reverse order"] = _report(setup_for("reverse order"), tmp / "reverse order")

    for name, first, second in (("history first", earlier, current), ("current first", current, earlier)):
        put(name, first)
        run_intake(setup_for(name))
        put(name, second)
        got[name] = _report(setup_for(name), tmp / name)
    return got


def test_the_order_files_arrive_in_changes_nothing(runs):
    reference = runs["path order"]
    summary, receipts = reference
    w08 = [f for s in summary["submissions"] for f in s["findings"] if f["rule"] == "W08"]
    w10 = [f for s in summary["submissions"] for f in s["findings"] if f["rule"] == "W10"]
    assert len(w08) >= 3 and len(w10) >= 2  # what the comparison is about is there
    for name, outcome in runs.items():
        for a, b in zip(outcome[0]["submissions"], summary["submissions"], strict=True):
            assert a == b, (name, a, b)
        assert outcome[0] == summary, name  # findings, statuses, metrics: summary.json less its time
        assert outcome[1] == receipts, name  # every receipt, less the time it was received
    reliability.record(
        "Concurrency",
        "one inbox (36 returns of this half-year, 30 of the one before, a roster) taken in path order, in reverse order, "
        "and as two intakes, history first and current first",
        4,
        f"identical summary.json and receipts; {len(w08)} W08 and {len(w10)} W10 findings in each",
        "summary.json (less generated_at) and every receipt's text (less 收到时间) compared with the path-order run",
    )


def test_a_new_roster_finds_every_w10_again(tmp_path, schema):
    """W10 follows the roster of the run: firms left out of a new roster get it, on returns stored long before."""
    current, _, roster = _files(schema)
    base = load_setup(ROOT / "config.toml")
    base = replace(base, config=replace(base.config, cities=CITIES, settle_seconds=0))
    for rel, data in current.items():
        drop(tmp_path / "inbox", rel, data)

    def w10(firms) -> set[str]:
        run_report(in_folder(base, tmp_path, roster=firms), NOW)
        summary = _outcome(None, tmp_path)[0]
        return {s["uscc"] for s in summary["submissions"] for f in s["findings"] if f["rule"] == "W10"}

    first = w10(roster)
    smaller = w10(roster[3:])  # three more firms left out of the roster
    assert first and smaller > first and smaller - first <= {f.uscc for f in roster[:3]}
    assert w10(None) == set()  # no roster: no W10 at all
