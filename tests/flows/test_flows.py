"""The Prefect flows, run for real under prefect_test_harness (started once, only for these tests)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rtr.config import GUANGDONG
from rtr.form.periods import Period
from sample.synthetic import make_sample
from tests.flows.test_delivery import Server
from tests.helpers import drop


def write_config(
    tmp: Path, *, port: int | None = None, cities=("广州市", "深圳市", "佛山市"), batch_size: int = 2000
) -> Path:
    text = (
        '[province]\nname = "广东省"\ncities = [' + ", ".join(f'"{c}"' for c in cities) + "]\n"
        '[paths]\ninbox = "inbox"\noutputs = "out"\nreceipts = "out/回执"\nstore = "data/r.sqlite"\narchive = "data/orig"\n'
        f"[intake]\nsettle_seconds = 0\n[runner]\nbatch_size = {batch_size}\n"
    )
    if port:
        text += (
            f'[email]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nsender = "bot@example.org"\n'
            'province_recipients = ["sheng@example.org"]\nmax_attempts = 1\n[email.city_recipients]\n"广州市" = ["gz@example.org"]\n'
        )
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.prefect
def test_intake_flow_in_chunks_matches_one_pass(harness, tmp_path, schema):
    from flows.pipeline import intake_flow

    sample = make_sample(schema, GUANGDONG, Period(2024, 1), 30, seed=8, messy=True)
    for run in ("chunked", "single"):
        for f in sample.files:
            drop(tmp_path / run / "inbox", f.path, f.data)
    chunked = intake_flow(str(write_config(tmp_path / "chunked", cities=GUANGDONG, batch_size=7)))
    single = intake_flow(str(write_config(tmp_path / "single", cities=GUANGDONG, batch_size=1000)))
    assert chunked["line"] == single["line"] and chunked["accepted"] >= 10

    def stored(run):
        db = sqlite3.connect(tmp_path / run / "data/r.sqlite")
        return sorted(db.execute("SELECT path, sheet, uscc, period, status FROM returns").fetchall())

    assert stored("chunked") == stored("single")
    again = intake_flow(str(write_config(tmp_path / "chunked", cities=GUANGDONG, batch_size=7)))
    assert again["new"] == 0 and again["accepted"] == 0


def test_receipts_that_fail_to_write_stay_due_and_no_batch_is_stored_twice(tmp_path, schema, monkeypatch):
    import flows.steps as pipeline
    from flows.setup import load_setup
    from tests.helpers import run_intake

    sample = make_sample(schema, GUANGDONG, Period(2024, 1), 12, seed=9)
    for f in sample.files:
        drop(tmp_path / "inbox", f.path, f.data)
    calls = {"store": 0, "receipts": 0}
    store_reads, write_receipts = pipeline.store_reads, pipeline.write_receipts

    def counted_store(*args):
        calls["store"] += 1
        return store_reads(*args)

    def flaky_receipts(*args):
        calls["receipts"] += 1
        if calls["receipts"] <= 2:
            raise OSError(28, "No space left on device")
        return write_receipts(*args)

    monkeypatch.setattr(pipeline, "store_reads", counted_store)
    monkeypatch.setattr(pipeline, "write_receipts", flaky_receipts)
    result = run_intake(load_setup(write_config(tmp_path, cities=GUANGDONG, batch_size=4)))
    assert calls["store"] == 3 and result.new == len(sample.files)  # the failures retried no store
    db = sqlite3.connect(tmp_path / "data/r.sqlite")
    assert db.execute("SELECT count(*), count(DISTINCT path), sum(receipt_due) FROM files").fetchone() == (12, 12, 0)
    assert len(list((tmp_path / "out/回执").rglob("*_回执.xlsx"))) == 12  # the first batches' by a later write


@pytest.mark.prefect
def test_report_flow_end_to_end_with_artifacts_and_email(harness, tmp_path, schema):
    from prefect.artifacts import Artifact

    from flows.pipeline import report_flow

    server = Server()
    server.up()
    try:
        config = write_config(tmp_path, port=server.port)
        for f in make_sample(schema, ("广州市", "深圳市", "佛山市"), Period(2024, 1), 15, seed=2).files:
            drop(tmp_path / "inbox", f.path, f.data)
        result = report_flow(str(config), period="2024H1")
    finally:
        server.down()
    assert result["period"] == "2024H1" and result["firms"] == 15 and result["intake"]["accepted"] == 15
    folder = Path(result["folder"])
    assert (folder / "2024年上半年全省律师行业党建工作情况报告.docx").is_file() and (
        folder / "分地市/广州市.docx"
    ).is_file()
    assert sorted(d["status"] for d in result["delivered"]) == ["sent", "sent"]
    assert sorted(r for rcpts, _ in server.inbox.messages for r in rcpts) == ["gz@example.org", "sheng@example.org"]
    report = Artifact.get("report-2024h1")
    assert report is not None and "已采用报表 **15** 份" in report.data and "分地市/广州市.docx" in report.data
    findings = Artifact.get("intake-findings")
    assert findings is not None and findings.type == "table"


def test_intake_on_processes_and_dask_matches_threads(tmp_path, schema):
    """Where batches are read is configuration: the same store contents and the same summary on each."""
    from flows.report import write_outputs
    from flows.setup import load_setup
    from rtr.store import Store
    from tests.helpers import run_intake

    sample = make_sample(schema, GUANGDONG, Period(2024, 1), 40, seed=9, messy=True)
    results = {}
    for kind in ("threads", "processes", "dask"):
        folder = tmp_path / kind
        for f in sample.files:
            drop(folder / "inbox", f.path, f.data)
        config = write_config(folder, cities=GUANGDONG, batch_size=9)
        text = config.read_text(encoding="utf-8").replace("[runner]\n", f'[runner]\nkind = "{kind}"\nworkers = 2\n')
        config.write_text(text, encoding="utf-8")
        setup = load_setup(config)
        assert setup.config.runner.kind == kind
        line = run_intake(setup).line()
        store = Store(setup.config.store_url)
        try:
            _, summary, _ = write_outputs(setup, Period(2024, 1), store=store)
        finally:
            store.close()
        summary.pop("generated_at")
        db = sqlite3.connect(folder / "data/r.sqlite")
        stored = (
            sorted(db.execute("SELECT path, outcome, sha256 FROM files").fetchall()),
            sorted(db.execute("SELECT path, sheet, uscc, period, status, values_json FROM returns").fetchall()),
            sorted(db.execute("SELECT rule, cell, message FROM findings").fetchall()),
        )
        results[kind] = (line, summary, stored)
    assert results["processes"] == results["threads"]
    assert results["dask"] == results["threads"]
    assert results["threads"][1]["metrics"]["firms"] >= 20


@pytest.mark.prefect
def test_a_scheduled_report_with_nothing_to_report_ends_failed_and_sends_nothing(harness, tmp_path):
    """Shown red in the Prefect UI: the outputs are written, no mail leaves."""
    from flows.pipeline import report_flow

    server = Server()
    server.up()
    try:
        (tmp_path / "inbox").mkdir()
        state = report_flow(str(write_config(tmp_path, port=server.port)), period="2024H1", return_state=True)
    finally:
        server.down()
    assert state.is_failed() and "没有已采用的报表" in state.message
    assert (tmp_path / "out/2024H1/summary.json").is_file() and server.inbox.messages == []
