"""Read time per file on a synthetic sample, in one run on the same files.

    python benchmarks/read_time.py --firms 1000 [--messy]

Columns: the calamine floor (every sheet into Python values, nothing else), the project's safe
load (zip checks + calamine), the full examine (load + layouts + every rule), and openpyxl.
"""

from __future__ import annotations

import argparse
import io
import time
from datetime import date

import openpyxl
import python_calamine as calamine

from rtr.checking.examine import SPREADSHEET, classify, examine
from rtr.checking.rules import RuleContext
from rtr.config import GUANGDONG
from rtr.form.periods import Period
from rtr.form.schema import default_schema_text, parse_schema
from rtr.reading.values import city_index
from rtr.reading.workbook import Limits, load_workbook
from sample.synthetic import make_sample


def floor(data: bytes) -> None:
    book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def naive(data: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=False)
    for ws in wb.worksheets:
        for _row in ws.iter_rows(values_only=True):
            pass


def timed(fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - start) / len(items) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=1000)
    parser.add_argument("--messy", action="store_true")
    args = parser.parse_args()
    schema = parse_schema(default_schema_text())
    sample = make_sample(schema, GUANGDONG, Period(2024, 1), args.firms, seed=1, messy=args.messy)
    files = [f for f in sample.files if classify(f.path) == SPREADSHEET and f.path.endswith((".xlsx", ".xlsm"))]
    ctx = RuleContext(schema, city_index(GUANGDONG), date.today())
    limits = Limits()
    datas = [f.data for f in files]
    rows = [
        ("calamine floor", timed(floor, datas)),
        ("safe load (checks + calamine)", timed(lambda d: load_workbook(d, ".xlsx", limits), datas)),
        ("examine (load + layouts + rules)", timed(lambda f: examine(f.path, f.data, ctx, limits), files)),
        ("openpyxl load + iterate", timed(naive, datas[: max(1, len(datas) // 5)])),
    ]
    print(f"{len(files)} .xlsx files ({'messy' if args.messy else 'clean'} sample)")
    base = rows[0][1]
    for name, ms in rows:
        print(f"{name:34s} {ms:7.3f} ms/file  {ms / base:5.2f}× floor")


if __name__ == "__main__":
    main()
