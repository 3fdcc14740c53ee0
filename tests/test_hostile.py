"""Hostile input through the real intake: every file answered in the ledger, none crashes, hangs or
exhausts the run's memory, and nothing outside the inbox is ever read."""

from __future__ import annotations

import os
import resource
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
from tests.hostile_corpus import OUTSIDE_MARKER, build

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
    from dataclasses import replace

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
