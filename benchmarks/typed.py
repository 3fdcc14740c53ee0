"""What a typed command costs, against `python -m flows --help` in the same run (issue 20's targets).

    .venv/bin/python benchmarks/typed.py --firms 5000    # a province
    .venv/bin/python benchmarks/typed.py --firms 40000   # the whole country

Each command runs as staff type it (no Prefect server configured), in its own process; CPU and peak
RSS are that process's own (its worker processes' CPU is not in it). Times are the fastest of --repeat runs (this machine drifts by ±15 %). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = os.environ | {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
ENV.pop("PREFECT_API_URL", None)


def timed(*args: str) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of `python -m flows ARGS` (os.wait4: this child's own usage);
    fails loudly when the command does."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "flows", *args],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = child.stderr.read() if child.stderr else b""
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(args)} → {child.returncode}\n{stderr.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def best(repeat: int, *args: str) -> tuple[float, float, float]:
    runs = [timed(*args) for _ in range(repeat)]
    return min(runs, key=lambda r: r[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/rtr-typed"))
    a = parser.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    inbox, empty, db = a.work / "inbox", a.work / "empty", a.work / "store" / "r.sqlite"
    empty.mkdir(parents=True)
    timed("sample", "--period", "2024H1", "--firms", str(a.firms), "--seed", "11", "--out", str(inbox))
    rows = [("`python -m flows --help`", *best(a.repeat, "--help"))]
    help_wall = rows[0][1]
    rows.append(
        ("empty inbox: `intake`", *best(a.repeat, "intake", "--inbox", str(empty), "--db", str(a.work / "e.sqlite")))
    )
    full = timed("intake", "--inbox", str(inbox), "--db", str(db))
    rows.append((f"first intake of {a.firms:,} files", *full))
    rows.append(
        (
            f"unchanged inbox of {a.firms:,}: `intake` (a scan)",
            *best(a.repeat, "intake", "--inbox", str(inbox), "--db", str(db)),
        )
    )
    one = sorted(inbox.rglob("*.xlsx"))[0]
    shutil.copy(one, one.with_name("新增一家.xlsx"))
    os.utime(one.with_name("新增一家.xlsx"), (time.time() - 60, time.time() - 60))
    rows.append(
        (f"one new file into {a.firms:,} stored: `intake`", *timed("intake", "--inbox", str(inbox), "--db", str(db)))
    )
    rows.append(
        (
            f"`report --no-email` at {a.firms:,}",
            *timed("report", "--period", "2024H1", "--no-email", "--inbox", str(inbox), "--db", str(db)),
        )
    )
    print(f"| step ({a.firms:,} returns, {os.cpu_count()} cores) | wall s | × help | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, wall, cpu, rss in rows:
        print(f"| {name} | {wall:.2f} | {wall / help_wall:.1f} | {cpu:.2f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
