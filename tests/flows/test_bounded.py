"""Reading under limits: a file that hangs, aborts or exhausts a worker costs only its own F01."""

from __future__ import annotations

import pickle
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from flows.bounded import BoundedWorkers, Bounds
from flows.files import list_inbox, read_original
from flows.reading import batch_payload, read_files
from flows.setup import load_setup
from tests import reliability
from tests.conftest import clean_values, form_bytes, valid_uscc
from tests.helpers import drop

ROOT = Path(__file__).resolve().parents[2]
MISBEHAVING = ("-m", "tests.misbehaving_worker")


@pytest.fixture
def setup():
    return replace(load_setup(ROOT / "config.toml"), today=date(2026, 1, 15))


def _inbox(tmp: Path, schema, names: list[str]) -> list:
    for i, name in enumerate(names):
        values = clean_values() | {"uscc": valid_uscc(f"3144000{i:02d}MD099999"[:17])}
        drop(tmp / "inbox", name, form_bytes(schema, values))
    return list_inbox(tmp / "inbox")[0]


def _read(setup, tmp: Path, files, *, seconds: float = 3, size: int = 2, lost: int | None = None) -> list:
    """The reads of one batch; `lost`: how many workers must have died or been cut off meanwhile
    (the intake sweeps the temporary files of a run that lost one)."""
    # 512 MB: a hog reaches it in well under the time bound (touching memory costs ≈3 s a GB here)
    pool = BoundedWorkers(size, Bounds(2**29, seconds), MISBEHAVING)
    try:
        packed = pool.read(batch_payload(files, setup.rule_context(), setup.config.limits, tmp / "originals"))
    finally:
        pool.close()
    if lost is not None:
        assert pool.lost == lost
    return pickle.loads(packed)


@pytest.mark.parametrize(("name", "what"), [("hang.xlsx", "时间"), ("abort.xlsx", "内存"), ("hog.xlsx", "内存")])
def test_one_misbehaving_file_costs_its_own_f01_and_the_batch_is_read(setup, tmp_path, schema, name, what):
    files = _inbox(tmp_path, schema, ["a.xlsx", name, "z.xlsx"])
    start = time.monotonic()
    # hang and abort cost the batch's worker, then the one reading the file alone; a hog's
    # MemoryError may be caught inside its worker, which lives on
    reads = _read(setup, tmp_path, files, lost={"hang.xlsx": 2, "abort.xlsx": 2}.get(name))
    seconds = time.monotonic() - start
    assert [r.file.rel for r in reads] == ["a.xlsx", name, "z.xlsx"]  # in the batch's order
    good = [r for r in reads if r.file.rel != name]
    assert all(r.examined.problem is None and r.examined.returns[0].accepted for r in good)
    (bad,) = [r for r in reads if r.file.rel == name]
    assert bad.examined.problem.startswith(f"文件读取时超出资源限制（{what}）")
    assert read_original(tmp_path / "originals", bad.archived_as) == (tmp_path / "inbox" / name).read_bytes()
    assert seconds < 60, seconds
    reliability.record(
        "Hostile input",
        f"a file whose reading {'never ends' if what == '时间' else 'kills or exhausts the worker'} ({name}), between two good ones",
        1,
        f"F01 超出资源限制（{what}）in {seconds:.1f} s; the two others read normally",
        "three reads in the batch's order; the bad file's original archived byte for byte",
    )


def test_a_worker_that_dies_once_reads_the_file_on_the_retry(setup, tmp_path, schema, monkeypatch):
    monkeypatch.setenv("RTR_TEST_MARKERS", str(tmp_path))
    files = _inbox(tmp_path, schema, ["once.xlsx", "z.xlsx"])
    reads = _read(setup, tmp_path, files, lost=1)
    assert [r.examined.problem for r in reads] == [None, None]


def test_reads_in_a_bounded_worker_equal_reads_here(setup, tmp_path, schema):
    files = _inbox(tmp_path, schema, ["a.xlsx", "b.xlsx"])
    here = read_files(files, setup.rule_context(), setup.config.limits, tmp_path / "here")
    pool = BoundedWorkers(1, Bounds(2**31, 30))
    try:
        there = pickle.loads(
            pool.read(batch_payload(files, setup.rule_context(), setup.config.limits, tmp_path / "there"))
        )
    finally:
        pool.close()
    assert [(r.digest, r.examined) for r in there] == [(r.digest, r.examined) for r in here]


def test_frames_that_arrive_together_are_each_taken_at_once():
    """A fast worker's STARTING and DONE can reach the pipe before a busy supervisor reads the
    first: the second must come from what was already read, not be waited for (it was: the whole
    per-file clock, then the file read again; seen as a 60 s test under load)."""
    from flows.bounded import DONE, STARTING, _Worker

    both = STARTING + (4).to_bytes(4, "little") + (7).to_bytes(4, "little") + DONE + (2).to_bytes(4, "little") + b"ok"
    script = f"import sys; sys.stdout.buffer.write({both!r}); sys.stdout.buffer.flush(); sys.stdin.read()"
    worker = _Worker(2**31, ("-c", script))
    try:
        assert worker.receive(10) == (STARTING, (7).to_bytes(4, "little"))
        start = time.monotonic()
        assert worker.receive(3) == (DONE, b"ok")
        assert time.monotonic() - start < 1
        assert worker.receive(0.2) is False  # nothing more: the clock runs out
    finally:
        worker.kill()
