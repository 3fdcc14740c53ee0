"""The 名录: every firm expected to report (律所名称, 统一社会信用代码, 所在地市, 所在区县)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rtr.form.schema import FormSchema
from rtr.form.textnorm import cell_text, match_key
from rtr.reading.layouts import ROSTER, find_returns
from rtr.reading.workbook import Sheet


@dataclass(frozen=True)
class RosterFirm:
    uscc: str
    firm_name: str
    city: str
    district: str = ""


def parse_roster(sheets: list[Sheet], schema: FormSchema, cities: dict[str, str]) -> list[RosterFirm]:
    """Reads the roster with the same header matching as a roster-layout return."""
    firms: dict[str, RosterFirm] = {}
    for raw in find_returns("名录", sheets, schema):
        if raw.layout != ROSTER:
            continue

        text = {key: cell_text(cell.raw) for key, cell in raw.cells.items()}
        uscc = unicodedata.normalize("NFKC", text.get("uscc", "")).replace(" ", "").upper()
        if not uscc:
            continue
        city = text.get("city", "")
        firms.setdefault(
            uscc,
            RosterFirm(uscc, text.get("firm_name", ""), cities.get(match_key(city), city), text.get("district", "")),
        )
    return list(firms.values())
