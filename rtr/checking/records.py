"""Plain records passed between the core and the store."""

from __future__ import annotations

from dataclasses import dataclass

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
