"""Intake against real files and a real store: once only, nothing lost, nothing twice."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook as ox_load

from flows.files import read_original
from flows.setup import Setup, load_setup
from rtr.config import sqlite_url
from rtr.form.periods import Period
from rtr.store import Store
from rtr.store.tables import files, findings, returns
from tests import reliability
from tests.conftest import clean_values, form_bytes, valid_uscc
from tests.helpers import OLD, drop, in_folder, run_intake, run_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def setup() -> Setup:
    s = load_setup(ROOT / "config.toml")
    return replace(s, config=replace(s.config, settle_seconds=0.5))


def intake(setup: Setup, tmp: Path, roster=None, progress=None, **runner):
    return run_intake(in_folder(setup, tmp, roster=roster, **runner), progress=progress)


def table(tmp: Path, t) -> list[dict]:
    store = Store(sqlite_url(tmp / "store.sqlite"))
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(t.select().order_by(t.c.id))]
    store.close()
    return rows


def receipt_text(path: Path) -> str:
    ws = ox_load(path).active
    return "\n".join(" ".join(str(c.value) for c in row if c.value is not None) for row in ws.iter_rows())


def test_intake_stores_returns_findings_and_receipts(setup, tmp_path, schema):
    inbox = tmp_path / "inbox"
    bad = clean_values() | {"members": 40, "full_members": 39}
    drop(inbox, "广州市/好律所.xlsx", form_bytes(schema, clean_values()))
    drop(inbox, "深圳市/坏律所.xlsx", form_bytes(schema, bad | {"uscc": valid_uscc("31440000MD0999999")}))
    drop(inbox, "~$好律所.xlsx", b"lock")
    drop(inbox, "说明.docx", b"not a sheet")
    drop(inbox, "坏文件.xlsx", b"")
    result = intake(setup, tmp_path)
    assert (result.new, result.accepted, result.rejected, result.unreadable, result.ignored) == (3, 1, 1, 1, 2)
    assert "新文件 3 个" in result.line()
    ledger = {r["path"]: r for r in table(tmp_path, files)}
    assert set(ledger) == {"广州市/好律所.xlsx", "深圳市/坏律所.xlsx", "~$好律所.xlsx", "说明.docx", "坏文件.xlsx"}
    assert ledger["坏文件.xlsx"]["outcome"] == "unreadable" and ledger["~$好律所.xlsx"]["outcome"] == "ignored"
    for row in ledger.values():
        assert len(row["sha256"]) == 64
    stored = {r["path"]: r for r in table(tmp_path, returns)}
    assert stored["广州市/好律所.xlsx"]["status"] == "accepted" and stored["深圳市/坏律所.xlsx"]["status"] == "rejected"
    rules = {(f["rule"], f["cell"]) for f in table(tmp_path, findings)}
    assert ("E06", "D16") in rules and ("F01", None) in rules
    # one receipt per input file, laid out for the firm
    names = sorted(p.relative_to(tmp_path / "回执").as_posix() for p in (tmp_path / "回执").rglob("*.xlsx"))
    assert names == ["坏文件_回执.xlsx", "广州市/好律所_回执.xlsx", "深圳市/坏律所_回执.xlsx"]
    text = receipt_text(tmp_path / "回执/深圳市/坏律所_回执.xlsx")
    assert "退回修改" in text and "E06" in text and "D16" in text and "党员律师数（40）大于执业律师数（30）" in text
    assert "0 字节" in receipt_text(tmp_path / "回执/坏文件_回执.xlsx")


def test_originals_kept_byte_for_byte(setup, tmp_path, schema):
    data = form_bytes(schema, clean_values())
    drop(tmp_path / "inbox", "a.xlsx", data)
    intake(setup, tmp_path)
    (row,) = table(tmp_path, files)
    assert read_original(tmp_path / "originals", row["archived_as"]) == data
    assert hashlib.sha256(data).hexdigest() == row["sha256"]
    assert (tmp_path / "inbox/a.xlsx").read_bytes() == data  # the inbox is never modified


def test_worker_processes_read_as_here_without_prefect(setup, tmp_path, schema):
    """`kind = "processes"`: a batch read in a worker process is the batch read here, and what the
    workers import does not pull in Prefect (1.3 s of CPU a worker, the bulk of Prefect's share)."""
    import pickle
    import subprocess
    import sys

    from flows.bounded import Bounds
    from flows.files import list_inbox
    from flows.readers import ProcessReader
    from flows.reading import batch_payload, read_files

    drop(tmp_path / "inbox", "广州市/好律所.xlsx", form_bytes(schema, clean_values() | {"members": 40}))
    drop(tmp_path / "inbox", "坏文件.xlsx", b"")
    drop(tmp_path / "inbox", "说明.docx", b"not a sheet")
    batch, _ = list_inbox(tmp_path / "inbox")
    ctx = replace(setup, today=date(2026, 1, 15)).rule_context()
    here = read_files(batch, ctx, setup.config.limits, tmp_path / "originals")
    reader = ProcessReader(1, Bounds(2**31, 60))
    try:
        packed = reader.read(batch_payload(batch, ctx, setup.config.limits, tmp_path / "originals"))
    finally:
        reader.close()
    there = pickle.loads(packed)
    good = next(r for r in here if r.file.rel == "广州市/好律所.xlsx")
    assert there == here and len(here) == 3 and good.examined.returns[0].findings
    # the records that cross have no instance dict: pickling would make one per object, which the
    # storing process's garbage collector then walks for the whole run
    checked = good.examined.returns[0]
    records = [
        good,
        good.file,
        good.examined,
        checked,
        checked.raw,
        *checked.raw.cells.values(),
        checked.period,
        *checked.findings,
    ]
    assert [type(r).__name__ for r in records if hasattr(r, "__dict__")] == []
    code = "import sys, flows.bounded; print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'dask'}))"
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_intake_hides_its_long_lived_objects_from_the_collector_until_it_ends(setup, tmp_path, schema):
    """Full collections would otherwise walk the inbox listing (and a flow's Prefect modules) once per
    batch or so: ≈4–6 s of CPU at 40,000 files."""
    import gc

    for i in range(3):
        drop(
            tmp_path / "inbox",
            f"广州市/律所{i}.xlsx",
            form_bytes(schema, clean_values() | {"uscc": valid_uscc(f"3144000{i}MD0999999")}),
        )
    frozen: list[int] = []
    result = intake(setup, tmp_path, batch_size=1, progress=lambda done, total: frozen.append(gc.get_freeze_count()))
    assert result.accepted == 3 and result.receipts == 3
    assert len(frozen) == 3 and min(frozen) > 1000  # the listing and every module loaded so far
    assert gc.get_freeze_count() == 0  # given back: garbage cycles among them can be collected again


def test_what_a_killed_intake_left_is_swept_by_the_next_and_an_unchanged_scan_walks_no_output(setup, tmp_path, schema):
    from tests.flows.test_files import dead_pid

    def plant() -> list[Path]:
        left = [tmp_path / "回执" / "广州市" / f".tmp-{dead}-1-1.xlsx", tmp_path / "originals" / f".tmp-{dead}-1-2.zip"]
        for p in left:
            p.write_bytes(b"half")
        return left

    dead = dead_pid()
    drop(tmp_path / "inbox", "广州市/a.xlsx", form_bytes(schema, clean_values()))
    assert intake(setup, tmp_path).accepted == 1
    mark = tmp_path / "originals" / ".intake-unfinished"
    assert not mark.exists()  # an intake that ended removes its mark
    left = plant()
    assert intake(setup, tmp_path).new == 0 and all(
        p.exists() for p in left
    )  # nothing new: no walk of 回执 or the archive
    mark.touch()  # as a killed intake leaves it
    assert intake(setup, tmp_path).new == 0 and not any(p.exists() for p in left) and not mark.exists()
    # a killed intake's worker that is still there (dying, not yet reaped) when the next intake
    # starts: its file is left, and so is the mark, until a sweep finds the writer gone
    dying = tmp_path / "originals" / f".tmp-{os.getpid()}-1-3.zip"
    dying.write_bytes(b"half")
    mark.touch()
    assert intake(setup, tmp_path).new == 0 and dying.exists() and mark.exists()
    dying.rename(gone := dying.with_name(f".tmp-{dead}-1-3.zip"))
    assert intake(setup, tmp_path).new == 0 and not gone.exists() and not mark.exists()
    left = plant()
    drop(
        tmp_path / "inbox",
        "广州市/b.xlsx",
        form_bytes(schema, clean_values() | {"uscc": valid_uscc("31440000MD0999999")}),
    )
    # read with no worker lost (tests/flows/test_bounded.py counts those): nothing of this run's to sweep
    assert intake(setup, tmp_path).new == 1 and all(p.exists() for p in left)


def test_second_intake_changes_nothing(setup, tmp_path, schema):
    from rtr.form.periods import Period
    from sample.synthetic import make_sample

    sample = make_sample(schema, setup.config.cities, Period(2024, 1), 40, seed=3, messy=True)
    for f in sample.files:
        drop(tmp_path / "inbox", f.path, f.data)
    first = intake(setup, tmp_path)
    assert first.new > 40 and first.accepted > 20 and first.superseded == 1 and first.duplicate == 1
    before = [table(tmp_path, t) for t in (files, returns, findings)]
    receipts = {p: p.stat().st_mtime_ns for p in (tmp_path / "回执").rglob("*.xlsx")}
    second = intake(setup, tmp_path)
    assert (second.new, second.accepted, second.rejected, second.unreadable, second.ignored) == (0, 0, 0, 0, 0)
    assert [table(tmp_path, t) for t in (files, returns, findings)] == before
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "回执").rglob("*.xlsx")} == receipts


def test_same_content_again_counts_once(setup, tmp_path, schema):
    data = form_bytes(schema, clean_values())
    drop(tmp_path / "inbox", "广州市/a.xlsx", data)
    intake(setup, tmp_path)
    drop(tmp_path / "inbox", "重发/a副本.xlsx", data)  # the same file under another name
    drop(tmp_path / "inbox", "广州市/a.xlsx", data, mtime=OLD + 60)  # saved again, same bytes
    result = intake(setup, tmp_path)
    assert result.duplicate == 1 and result.accepted == 0
    assert len(table(tmp_path, returns)) == 1
    outcomes = sorted(r["outcome"] for r in table(tmp_path, files))
    assert outcomes == ["duplicate", "processed"]
    assert "内容完全相同" in receipt_text(tmp_path / "回执/重发/a副本_回执.xlsx")


def test_resubmission_supersedes_and_rewrites_the_old_receipt(setup, tmp_path, schema):
    drop(tmp_path / "inbox", "a.xlsx", form_bytes(schema, clean_values()))
    intake(setup, tmp_path)
    corrected = clean_values() | {"filled_date": date(2024, 7, 20), "cases": 801}
    drop(tmp_path / "inbox", "a（更正）.xlsx", form_bytes(schema, corrected))
    result = intake(setup, tmp_path)
    assert result.accepted == 1
    statuses = {r["path"]: r["status"] for r in table(tmp_path, returns)}
    assert statuses == {"a.xlsx": "superseded", "a（更正）.xlsx": "accepted"}
    text = receipt_text(tmp_path / "回执/a_回执.xlsx")
    assert "S01" in text and "a（更正）.xlsx" in text
    # a later, rejected return does not unseat the accepted one
    broken = corrected | {"filled_date": date(2024, 7, 25), "members": 99}
    drop(tmp_path / "inbox", "a（再次）.xlsx", form_bytes(schema, broken))
    intake(setup, tmp_path)
    statuses = {r["path"]: r["status"] for r in table(tmp_path, returns)}
    assert statuses["a（更正）.xlsx"] == "accepted" and statuses["a（再次）.xlsx"] == "rejected"


def test_a_slip_of_the_period_counts_as_sent_back_for_the_half_year_being_collected(setup, tmp_path, schema):
    july = date(2024, 7, 20)  # 2024H1 is being collected
    drop(tmp_path / "inbox", "typo.xlsx", form_bytes(schema, clean_values() | {"period": "2029年上半年"}))
    other = {"period": "2024年第三季度", "uscc": valid_uscc("31440000MD0999999")}
    drop(tmp_path / "inbox", "blank.xlsx", form_bytes(schema, clean_values() | other))
    intake(setup, tmp_path, today=july)
    rows = {r["path"]: (r["period"], r["status"]) for r in table(tmp_path, returns)}
    assert rows == {"typo.xlsx": ("2024H1", "rejected"), "blank.xlsx": ("2024H1", "rejected")}
    assert not (tmp_path / "out/2029H1").exists()  # no 报送进度 of a half-year nobody collects
    text = receipt_text(tmp_path / "回执/typo_回执.xlsx")
    assert "本期报送的是2024年上半年的报表" in text and "计入报告期" in text  # the half-year it counts in
    # the corrected return counts instead of the slip
    corrected = clean_values() | {"filled_date": date(2024, 7, 20)}
    drop(tmp_path / "inbox", "typo（更正）.xlsx", form_bytes(schema, corrected))
    intake(setup, tmp_path, today=july)
    statuses = {r["path"]: r["status"] for r in table(tmp_path, returns)}
    assert statuses["typo（更正）.xlsx"] == "accepted" and statuses["typo.xlsx"] == "superseded"


def test_w08_against_the_stored_previous_half_year(setup, tmp_path, schema):
    drop(tmp_path / "inbox", "2023H2.xlsx", form_bytes(schema, clean_values() | {"period": "2023H2", "lawyers": 15}))
    drop(tmp_path / "inbox", "2024H1.xlsx", form_bytes(schema, clean_values()))
    intake(setup, tmp_path)
    w08 = [f for f in table(tmp_path, findings) if f["rule"] == "W08"]
    assert [(f["field"], f["cell"]) for f in w08] == [("lawyers", "D12")]


def test_w10_with_a_roster(setup, tmp_path, schema):
    from rtr.reading.roster import RosterFirm

    drop(tmp_path / "inbox", "a.xlsx", form_bytes(schema, clean_values()))
    intake(setup, tmp_path, roster=[RosterFirm("31440000MD000000X", "别的所", "广州市")])
    assert [f["rule"] for f in table(tmp_path, findings)] == ["W10"]


def test_file_still_being_written_is_left_for_the_next_scan(setup, tmp_path, schema):
    import threading

    data = form_bytes(schema, clean_values())
    path = drop(tmp_path / "inbox", "a.xlsx", data[:100], mtime=time.time())
    done = threading.Event()

    def keep_copying():  # a copy in progress: the file grows until intake has finished looking
        while not done.wait(0.05):
            with path.open("ab") as handle:
                handle.write(b"\0")

    writer = threading.Thread(target=keep_copying)
    writer.start()
    try:
        result = intake(setup, tmp_path)
    finally:
        done.set()
        writer.join()
    assert result.waiting == 1 and result.new == 0 and table(tmp_path, files) == []
    drop(tmp_path / "inbox", "a.xlsx", data)  # the copy completes
    assert intake(setup, tmp_path).accepted == 1


def _intake_in_process(tmp: str) -> None:
    s = load_setup(ROOT / "config.toml")
    intake(replace(s, config=replace(s.config, settle_seconds=0)), Path(tmp))


def test_two_intakes_at_once_count_each_return_once(tmp_path, schema):
    from rtr.form.periods import Period
    from sample.synthetic import make_sample

    sample = make_sample(schema, load_setup(ROOT / "config.toml").config.cities, Period(2024, 1), 30, seed=9)
    for f in sample.files:
        drop(tmp_path / "inbox", f.path, f.data)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_intake_in_process, args=(str(tmp_path),)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    stored = table(tmp_path, returns)
    assert len(stored) == 30 and len({r["uscc"] for r in stored}) == 30
    assert len(table(tmp_path, files)) == 30
    reliability.record(
        "Concurrency",
        "two intakes started at once on one inbox and SQLite store (two processes)",
        1,
        "one takes the intake lock and does the work, the other waits, then finds nothing new",
        "30 files → 30 ledger rows, 30 returns, 30 distinct USCCs",
    )


def test_store_file_is_private(setup, tmp_path):
    (tmp_path / "inbox").mkdir()
    intake(setup, tmp_path)
    assert (tmp_path / "store.sqlite").stat().st_mode & 0o077 == 0


def test_a_name_that_is_not_utf8_is_read_kept_and_shown(setup, tmp_path, schema):
    """Bytes from an old Windows share (GBK 报表): read like any file, stored under its bytes so the
    next scan knows it, shown with U+FFFD in the ledger, receipts, summary.json and 汇总表."""
    inbox = tmp_path / "inbox"
    (inbox / "广州市").mkdir(parents=True)
    raw = os.fsencode(inbox / "广州市") + b"/\xb1\xa8\xb1\xed.xlsx"
    with open(raw, "wb") as handle:
        handle.write(form_bytes(schema, clean_values() | {"members": 40, "full_members": 39}))  # sent back
    os.utime(raw, (OLD, OLD))
    drop(inbox, "深圳市/好律所.xlsx", form_bytes(schema, clean_values() | {"uscc": valid_uscc("31440000MD0999999")}))

    first = intake(setup, tmp_path)
    assert (first.new, first.accepted, first.rejected) == (2, 1, 1)
    assert intake(setup, tmp_path).new == 0  # found again by its bytes
    ledger_rows = {r["path"]: r["raw_path"] for r in table(tmp_path, files)}
    assert ledger_rows == {
        "广州市/\ufffd\ufffd\ufffd\ufffd.xlsx": b"\xe5\xb9\xbf\xe5\xb7\x9e\xe5\xb8\x82/\xb1\xa8\xb1\xed.xlsx",
        "深圳市/好律所.xlsx": None,
    }
    assert (tmp_path / "回执" / "广州市" / "\ufffd\ufffd\ufffd\ufffd_回执.xlsx").exists()

    report = run_report(in_folder(setup, tmp_path), Period(2024, 1))
    summary = (report.folder / "summary.json").read_text("utf-8")
    assert json.loads(summary)["metrics"]["firms"] == 1
    problems = [str(c.value) for row in ox_load(report.folder / "汇总表.xlsx")["审核问题"].iter_rows() for c in row]
    assert any("广州市/\ufffd\ufffd\ufffd\ufffd.xlsx" in v for v in problems)
