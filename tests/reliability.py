"""The reliability table (docs/reliability.md), filled in by the tests that try each fault.

A test calls `record(...)` for what it tried; at the end of the session conftest.py merges the rows
into reliability.json (the rows of tests that ran are replaced, those of tests not run this time are
kept) and writes the table from it. No row is written by hand. A test run writes them under the
ignored build/reliability/, so `make test` leaves the clone as it was; `make reliability` runs the
suite with RTR_RELIABILITY_OUT=docs to refresh the committed table.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "reliability.json"
OUT = ROOT / os.environ.get("RTR_RELIABILITY_OUT", "build/reliability")
JSON = OUT / "reliability.json"
TABLE = OUT / "reliability.md"
LOCK = ROOT / "build" / "reliability.lock"  # ignored, wherever OUT is
SECTIONS = ("Crash safety", "Concurrency", "Hostile input", "Property tests and fuzzing", "Security")


@dataclass(frozen=True)
class Row:
    section: str
    fault: str  # the fault or input tried
    times: int  # how many times
    outcome: str
    nothing_lost: str  # how "nothing lost" (or "nothing leaked") was checked
    test: str = ""
    day: str = ""


_rows: list[Row] = []


def record(section: str, fault: str, times: int, outcome: str, nothing_lost: str) -> None:
    assert section in SECTIONS, section
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
    _rows.append(Row(section, fault, times, outcome, nothing_lost, test, date.today().isoformat()))


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write() -> None:
    """Merges this session's rows into the stored ones and rewrites the table (only if any were
    recorded). Under pytest-xdist each worker merges its own rows, one worker at a time."""
    if not _rows:
        return
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _merge()


def _merge() -> None:
    stored = {}
    base = JSON if JSON.exists() else COMMITTED
    if base.exists():
        stored = {(r["section"], r["fault"]): r for r in json.loads(base.read_text(encoding="utf-8"))}
    ran = {row.test for row in _rows}
    stored = {k: r for k, r in stored.items() if r["test"] not in ran}  # a test's rows are replaced as a whole
    for row in _rows:
        stored[(row.section, row.fault)] = asdict(row)
    rows = sorted(stored.values(), key=lambda r: (SECTIONS.index(r["section"]), r["test"], r["fault"]))
    JSON.parent.mkdir(parents=True, exist_ok=True)
    tmp = JSON.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, JSON)
    lines = [
        "# Reliability",
        "",
        "Written by the test suite (`tests/reliability.py`), not by hand: each row is a fault or input a test",
        "tried, how many times, what happened, and how the test checked that nothing was lost (or leaked).",
        "Refreshed by `make reliability`; the `test` column names the test that wrote the row.",
        "",
    ]
    for section in SECTIONS:
        part = [r for r in rows if r["section"] == section]
        if not part:
            continue
        lines += [
            f"## {section}",
            "",
            "| fault or input | times | outcome | nothing lost, checked how | test | run |",
            "|---|---:|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(r['fault'])} | {r['times']} | {_cell(r['outcome'])} | {_cell(r['nothing_lost'])} | "
            f"`{_cell(r['test'].split('::')[-1])}` | {r['day']} |"
            for r in part
        ]
        lines.append("")
    tmp = TABLE.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(tmp, TABLE)
