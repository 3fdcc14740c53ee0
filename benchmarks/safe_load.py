"""Per-file cost of the safe load and of the whole examine, on a messy synthetic sample.

    python benchmarks/safe_load.py [--firms 300] [--repeats 5]

Each figure is the fastest of `repeats` passes over the same files (ms a file), by kind of file,
so a change to the safety checks can be measured before and after on the same machine.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import PurePosixPath

from rtr.checking.examine import SPREADSHEET, classify, examine
from rtr.checking.rules import RuleContext
from rtr.config import GUANGDONG
from rtr.form.periods import Period
from rtr.form.schema import default_schema_text, parse_schema
from rtr.reading.values import city_index
from rtr.reading.workbook import Limits, load_workbook
from sample.synthetic import make_sample


def fastest(fn, items, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - start)
    return best / max(len(items), 1) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    schema = parse_schema(default_schema_text())
    sample = make_sample(schema, GUANGDONG, Period(2024, 1), args.firms, seed=1, messy=True)
    files = [(f.path, f.data) for f in sample.files if classify(f.path) == SPREADSHEET]
    ctx = RuleContext(schema, city_index(GUANGDONG), date(2025, 1, 15))
    limits = Limits()
    kinds = sorted({PurePosixPath(p).suffix for p, _ in files})
    print(f"{len(files)} spreadsheet files, fastest of {args.repeats} passes, ms a file")
    print(f"{'kind':8} {'files':>6} {'load':>8} {'examine':>8}")
    for kind in [*kinds, "all"]:
        part = [(p, d) for p, d in files if kind == "all" or p.endswith(kind)]
        load = fastest(lambda f: load_workbook(f[1], PurePosixPath(f[0]).suffix, limits), part, args.repeats)
        full = fastest(lambda f: examine(f[0], f[1], ctx, limits), part, args.repeats)
        print(f"{kind:8} {len(part):6} {load:8.3f} {full:8.3f}")


if __name__ == "__main__":
    main()
