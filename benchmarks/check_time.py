"""Time of `check_return` alone (reading every field's value + every single-return rule), per return.

    .venv/bin/python benchmarks/check_time.py [--firms 400] [--repeat 7]

The workbooks are loaded and their returns found once, outside the timing; each repeat checks every
return of a messy sample (about a fifth break a rule) and the fastest repeat counts, in CPU time
(`time.process_time`: on a shared machine wall time varies by half under contention).
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from rtr.checking.examine import SPREADSHEET, classify
from rtr.checking.rules import RuleContext, check_return
from rtr.config import GUANGDONG
from rtr.form.periods import Period
from rtr.form.schema import default_schema_text, parse_schema
from rtr.reading.layouts import find_returns
from rtr.reading.values import city_index
from rtr.reading.workbook import Limits, load_workbook
from sample.synthetic import make_sample


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    schema = parse_schema(default_schema_text())
    sample = make_sample(schema, GUANGDONG, Period(2024, 1), args.firms, seed=3, messy=True)
    raws = []
    for f in sample.files:
        if classify(f.path) != SPREADSHEET:
            continue
        loaded = load_workbook(f.data, "." + f.path.rsplit(".", 1)[1], Limits())
        if loaded.problem is None:
            raws.extend(find_returns(f.path, loaded.sheets or [], schema))
    ctx = RuleContext(schema, city_index(GUANGDONG), date(2025, 1, 1))
    best = float("inf")
    for _ in range(args.repeat):
        start = time.process_time()
        for raw in raws:
            check_return(raw, ctx)
        best = min(best, time.process_time() - start)
    findings = sum(len(check_return(raw, ctx).findings) for raw in raws)
    print(
        f"{len(raws)} returns, {findings} findings: check_return {best / len(raws) * 1e6:.1f} µs/return (best of {args.repeat})"
    )


if __name__ == "__main__":
    main()
