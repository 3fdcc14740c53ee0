"""Writing cells of workbooks the pipeline produces."""

from __future__ import annotations

from datetime import date

FORMULA_STARTS = ("=", "+", "-", "@")


def put_value(cell, value: object) -> None:
    """Sets a cell's value; text stays text, so `=HYPERLINK(...)` from a return never becomes a formula."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
