"""Hostile input through the real intake: every file answered in the ledger, none crashes, hangs or
exhausts the run's memory, and nothing outside the inbox is ever read."""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from flows.listing import list_new
from flows.reading import read_files
from flows.setup import load_setup
from flows.storing import IntakeResult, store_reads
from rtr.filenames import receipt_name
from rtr.store import Store
from tests import reliability
from tests.conftest import clean_values, form_bytes
from tests.helpers import run_intake
from tests.hostile_corpus import OUTSIDE_MARKER, build, build_reading

ROOT = Path(__file__).resolve().parent.parent
TIME_LIMIT = 240  # seconds for the whole intake of the corpus
MEMORY_LIMIT = 3 * 2**30  # address space of each process of the run (the run, its workers, its Prefect server)


def write_config(folder: Path, inbox: Path) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f'[paths]\ninbox = "{inbox}"\noutputs = "out"\nreceipts = "out/回执"\nstore = "returns.sqlite"\n'
        f'archive = "originals"\n[intake]\nsettle_seconds = 0\n',
        encoding="utf-8",
    )
    return path


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


@pytest.mark.slow
def test_hostile_corpus_through_a_real_intake(tmp_path, schema, harness):
    entries = build(tmp_path / "inbox", form_bytes(schema, clean_values()), tmp_path / "outside")
    config = write_config(tmp_path, tmp_path / "inbox")
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_API_URL": harness}
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "flows", "intake", "--config", str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=TIME_LIMIT,
        preexec_fn=_limit_memory,
    )
    seconds = time.monotonic() - start
    assert proc.returncode in (0, 2), proc.stderr.decode()[-3000:]

    with sqlite3.connect(tmp_path / "returns.sqlite") as db:
        ledger = {
            path: (outcome, message or "")
            for path, outcome, message in db.execute("SELECT path, outcome, message FROM files")
        }
    assert len(ledger) == len(entries), sorted(set(ledger) ^ {e.rel for e in entries})
    receipts = (tmp_path / "out" / "回执").resolve()
    for e in entries:
        outcome, message = ledger[e.rel]
        assert outcome == e.outcome, (e.what, outcome, message)
        assert e.message in message, (e.what, message)
        if outcome in ("processed", "unreadable", "duplicate"):
            receipt = (receipts / receipt_name(e.rel)).resolve()
            assert receipt.is_file() and receipt.is_relative_to(receipts), (e.what, receipt)
        reliability.record(
            "Hostile input",
            e.what,
            1,
            f"{outcome}: {message[:60] or '—'}",
            "one ledger row for the file, outcome and message as expected; a receipt where it has one",
        )

    # the secret behind the symlinks never read: its bytes are in no file the run wrote
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()]
    leaked = [p for p in written if not p.is_relative_to(tmp_path / "outside") and OUTSIDE_MARKER in p.read_bytes()]
    assert leaked == []
    reliability.record(
        "Hostile input",
        "the whole corpus in one intake",
        1,
        f"finished in {seconds:.0f} s (limit {TIME_LIMIT} s) under a {MEMORY_LIMIT // 2**30} GB address-space limit per process",
        "every file one ledger row; the symlinks' secret found in no archived file, receipt or store",
    )
    reliability.record(
        "Security",
        "symlinks to a file and a folder outside the inbox",
        2,
        "ledger: ignored (符号链接), target never opened",
        "the target's marker bytes searched for in every file the run wrote: absent",
    )


def test_a_file_that_vanishes_or_is_swapped_between_listing_and_reading(tmp_path, schema):
    """Gone: left for the next scan (not in the ledger, nothing lost: it is read when it is back).
    Swapped for a symlink or a pipe: never followed, never blocks."""
    inbox = tmp_path / "inbox"
    (inbox / "广州市").mkdir(parents=True)
    good = form_bytes(schema, clean_values())
    names = ["消失.xlsx", "换成链接.xlsx", "换成管道.xlsx"]
    for name in names:
        (inbox / "广州市" / name).write_bytes(good + name.encode())  # distinct content (trailing bytes after the zip)
    (tmp_path / "secret.xlsx").write_bytes(OUTSIDE_MARKER)
    setup = load_setup(write_config(tmp_path, inbox))
    store = Store(setup.config.store_url)
    try:
        result = IntakeResult()
        todo = list_new(store, inbox, 0).todo
        assert len(todo) == 3
        (inbox / "广州市" / names[0]).unlink()
        (inbox / "广州市" / names[1]).unlink()
        os.symlink(tmp_path / "secret.xlsx", inbox / "广州市" / names[1])
        (inbox / "广州市" / names[2]).unlink()
        os.mkfifo(inbox / "广州市" / names[2])
        ctx = replace(setup, today=date(2026, 1, 15)).rule_context()
        reads = read_files(todo, ctx, setup.config.limits, setup.config.archive)
        assert [r.digest for r in reads] == [None, None, None]
        store_reads(ctx, store, reads, result)
        assert result.waiting == 3
        assert _ledger(store) == []
        # back (or still swapped) at the next scan: the file is read, the link and the pipe are answered
        (inbox / "广州市" / names[0]).write_bytes(good)
        (inbox / "广州市" / names[2]).unlink()
        again = IntakeResult()
        todo = list_new(store, inbox, 0).todo
        store_reads(ctx, store, read_files(todo, ctx, setup.config.limits, setup.config.archive), again)
        outcomes = {rel: outcome for rel, outcome in _ledger(store)}
        assert outcomes == {"广州市/消失.xlsx": "processed", "广州市/换成链接.xlsx": "ignored"}
    finally:
        store.close()
    reliability.record(
        "Hostile input",
        "a file that vanishes, or is swapped for a symlink or a pipe, between listing and reading",
        3,
        "left for the next scan (no ledger row); a swapped-in symlink is never followed, a pipe never blocks",
        "the next scan reads the file that came back: one ledger row, processed",
    )


def _ledger(store: Store) -> list[tuple[str, str]]:
    with sqlite3.connect(store.sqlite_path) as db:
        return list(db.execute("SELECT path, outcome FROM files ORDER BY id"))


def test_a_file_over_the_size_limit_is_hashed_but_neither_read_nor_archived(tmp_path, schema):
    inbox = tmp_path / "inbox"
    (inbox / "广州市").mkdir(parents=True)
    data = form_bytes(schema, clean_values())
    (inbox / "广州市" / "大文件.xlsx").write_bytes(data)
    setup = load_setup(write_config(tmp_path, inbox))
    limits = replace(setup.config.limits, max_file_bytes=len(data) - 1)
    ctx = replace(setup, today=date(2026, 1, 15)).rule_context()
    store = Store(setup.config.store_url)
    try:
        (read,) = read_files(list_new(store, inbox, 0).todo, ctx, limits, setup.config.archive)
    finally:
        store.close()
    assert read.size == len(data) and read.archived_as is None
    assert read.examined.problem.startswith("文件过大") and not read.examined.returns
    from flows.files import sha256

    assert read.digest == sha256(data)  # hashed in chunks, the same hash as when read whole
    assert not (tmp_path / "originals").exists()


# ---- issue 21: reading. The corpus of `build_reading` next to good files, in one real intake run
# in a child process under an address-space limit and a time limit: a check that misses ends that
# child (calamine aborts rather than raising), not the test run.

READ_TIME_LIMIT = 180  # seconds for one intake of the reading corpus (≈ 10–30 s here, alone)
READ_MEMORY_LIMIT = 3 * 2**30
# root reads a file of mode 000; without these capabilities it is refused like anyone else (EACCES)
SETPRIV = shutil.which("setpriv")
AS_A_USER = [SETPRIV, "--bounding-set=-dac_override,-dac_read_search"] if SETPRIV else []


def intake_child(folder: str) -> None:
    """What the child runs: a real intake (`run_intake`) of folder/inbox under the memory limit."""
    resource.setrlimit(resource.RLIMIT_AS, (READ_MEMORY_LIMIT, READ_MEMORY_LIMIT))
    if os.geteuid() == 0 and not SETPRIV:  # no way to drop root's override: refuse mode-000 files as the kernel would
        real_open = os.open

        def open_as_a_user(path, flags, *args, **kwargs):
            fd = real_open(path, flags, *args, **kwargs)
            if os.fstat(fd).st_mode & 0o444 == 0:
                os.close(fd)
                raise PermissionError(13, "Permission denied", str(path))
            return fd

        os.open = open_as_a_user
    root = Path(folder)
    setup = replace(load_setup(root / "config.toml"), today=date(2026, 1, 15))
    print(run_intake(setup).line())


def run_intake_in_child(folder: Path) -> float:
    """Seconds the child took; fails the test if it died, overran or failed."""
    start = time.monotonic()
    proc = subprocess.run(
        [
            *AS_A_USER,
            sys.executable,
            "-c",
            f"from tests.test_hostile import intake_child; intake_child({str(folder)!r})",
        ],
        cwd=ROOT,
        env={**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
        capture_output=True,
        timeout=READ_TIME_LIMIT,
    )
    assert proc.returncode == 0, (proc.returncode, proc.stderr.decode()[-3000:])
    return time.monotonic() - start


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


def _good_sample(schema, inbox: Path, n: int) -> None:
    from rtr.config import GUANGDONG
    from rtr.form.periods import Period
    from sample.synthetic import make_sample

    for f in make_sample(schema, GUANGDONG, Period(2025, 2), n, seed=21, messy=True).files:
        path = inbox / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.data)


def _accepted(db: Path, exclude: str | None = None) -> set[tuple]:
    rows = _rows(
        db,
        "SELECT path, sheet, row, uscc, period, values_json FROM returns WHERE status = 'accepted'",
    )
    return {r for r in rows if exclude is None or not r[0].startswith(exclude)}


def test_reading_corpus_next_to_good_files(tmp_path, schema):
    """Each file of the reading corpus gets its own outcome (F01 with its message, or its return
    read as it should be) and its own receipt, in one intake with good files that are read as if
    it were not there; the run stays within its time and memory limits."""
    good = form_bytes(schema, clean_values())
    inbox = tmp_path / "inbox"
    entries = build_reading(inbox / "hostile", good)
    entries = [replace(e, rel="hostile/" + e.rel) for e in entries]
    (inbox / "东莞市").mkdir(parents=True)
    (inbox / "东莞市" / "正常报表.xlsx").write_bytes(good)  # a control, first in inbox order
    write_config(tmp_path, inbox)
    seconds = run_intake_in_child(tmp_path)

    db = tmp_path / "returns.sqlite"
    ledger = {
        path: (outcome, message or "", fid)
        for fid, path, outcome, message in _rows(db, "SELECT id, path, outcome, message FROM files")
    }
    assert ledger["东莞市/正常报表.xlsx"][0] == "processed"
    passed = {fid: bool(p) for fid, p in _rows(db, "SELECT file_id, passed FROM returns")}
    found: dict[int, list[str]] = {}
    for fid, message in _rows(db, "SELECT file_id, message FROM findings"):
        found.setdefault(fid, []).append(message)
    receipts = (tmp_path / "out" / "回执").resolve()
    names = set()
    for e in entries:
        assert e.rel in ledger, e.what
        outcome, message, fid = ledger[e.rel]
        assert outcome == e.outcome, (e.what, outcome, message, found.get(fid))
        assert e.message in message, (e.what, message)
        if e.passed is not None:
            assert passed[fid] is e.passed, (e.what, found.get(fid))
        if e.finding:
            assert any(e.finding in m for m in found.get(fid, [])), (e.what, found.get(fid))
        name = receipt_name(e.rel)
        assert (receipts / name).is_file(), (e.what, name)
        assert all(len(part.encode()) <= 255 for part in name.split("/"))
        names.add(name)
        reliability.record(
            "Hostile input",
            e.what,
            1,
            f"{outcome}: {(message or '; '.join(found.get(fid, [])) or 'accepted')[:70]}",
            "one ledger row and its own receipt, next to good files read normally, under a "
            f"{READ_MEMORY_LIMIT // 2**30} GB address-space limit in a child process",
        )
    assert len(names) == len(entries)  # one receipt per input file
    reliability.record(
        "Hostile input",
        "the reading corpus (issue 21) in one intake",
        1,
        f"finished in {seconds:.0f} s (limit {READ_TIME_LIMIT} s) under {READ_MEMORY_LIMIT // 2**30} GB",
        f"{len(entries)} files, one ledger row and one receipt each; the control file processed",
    )


def test_a_mixed_inbox_accepts_what_the_good_files_alone_accept(tmp_path, schema):
    """300 good sample files plus every hostile file of the reading corpus: the same accepted
    returns as the 300 alone (300, not 1,000, to keep the suite fast)."""
    alone, mixed = tmp_path / "alone", tmp_path / "mixed"
    for folder in (alone, mixed):
        _good_sample(schema, folder / "inbox", 300)
        write_config(folder, folder / "inbox")
    build_reading(mixed / "inbox" / "zz-hostile", form_bytes(schema, clean_values()))
    run_intake_in_child(alone)
    run_intake_in_child(mixed)
    expected = _accepted(alone / "returns.sqlite")
    assert len(expected) > 200
    assert _accepted(mixed / "returns.sqlite", exclude="zz-hostile/") == expected
    hostile = [p for (p,) in _rows(mixed / "returns.sqlite", "SELECT path FROM files") if p.startswith("zz-hostile/")]
    assert len(hostile) == len(list((mixed / "inbox" / "zz-hostile").rglob("*.*")))
    reliability.record(
        "Hostile input",
        "300 good sample files + every file of the reading corpus in one inbox",
        1,
        f"the same {len(expected)} accepted returns as the good files alone",
        "accepted returns (path, sheet, row, USCC, period, values) compared between the two stores",
    )


def test_a_file_without_read_permission_is_answered_not_awaited(tmp_path, schema, monkeypatch):
    """EACCES: recorded unreadable (F01) with a message that says so, in this process too."""
    inbox = tmp_path / "inbox"
    (inbox / "广州市").mkdir(parents=True)
    path = inbox / "广州市" / "无权限.xlsx"
    path.write_bytes(form_bytes(schema, clean_values()))
    real_open = os.open

    def refuse(p, flags, *args, **kwargs):
        if Path(p) == path:
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(p, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    setup = load_setup(write_config(tmp_path, inbox))
    store = Store(setup.config.store_url)
    try:
        result = IntakeResult()
        ctx = replace(setup, today=date(2026, 1, 15)).rule_context()
        store_reads(
            ctx,
            store,
            read_files(list_new(store, inbox, 0).todo, ctx, setup.config.limits, setup.config.archive),
            result,
        )
    finally:
        store.close()
    assert result.waiting == 0 and result.unreadable == 1
    ((outcome, message),) = _rows(tmp_path / "returns.sqlite", "SELECT outcome, message FROM files")
    assert outcome == "unreadable" and "没有读取权限" in message
