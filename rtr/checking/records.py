"""Plain records passed between the core and the store."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache

from rtr.checking.findings import Finding


@dataclass(frozen=True)
class NewReturn:
    """A checked return, flattened for storing."""

    sheet: str
    row: int | None
    layout: str
    uscc: str | None
    firm_name: str | None
    city: str | None
    district: str | None
    period: str | None
    passed: bool
    filled_date: str | None
    values: dict
    findings: list[Finding]
    # (place, text read, remark) of the fields W08 and W10 point at, so they can be re-derived later
    cells: dict[str, tuple[str | None, str | None, str | None]] = field(default_factory=dict)


@cache
def _text_value(key: str) -> re.Pattern:
    # inside a JSON string every `"` is escaped, so `"key":` only matches the key itself
    return re.compile(rf'"{re.escape(key)}":\s*("(?:[^"\\]|\\.)*")')


def stored_text(values_json: str | None, key: str) -> str | None:
    """One text value of a stored return's values_json (json.dumps of its values), found rather than
    the whole JSON parsed: receipts and progress read a field or two of every return of a run."""
    m = _text_value(key).search(values_json or "")
    return (json.loads(m[1]) or None) if m else None
