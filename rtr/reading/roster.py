"""The 名录: every firm expected to report (律所名称, 统一社会信用代码, 所在地市; optionally 所在区县,
and the firm's contact: 联系邮箱, 填报人, 联系电话, under any label or code the form accepts for them)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rtr.form.schema import FormSchema
from rtr.form.textnorm import cell_text, match_key
from rtr.reading.emails import normalise_email
from rtr.reading.layouts import ROSTER, find_returns
from rtr.reading.workbook import Sheet


@dataclass(frozen=True)
class RosterFirm:
    uscc: str
    firm_name: str
    city: str
    district: str = ""
    contact_email: str = ""  # as written, normalised (full-width ＠ → @); see emails.firm_address
    contact_name: str = ""
    contact_phone: str = ""


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
            RosterFirm(
                uscc,
                text.get("firm_name", ""),
                cities.get(match_key(city), city),
                text.get("district", ""),
                normalise_email(text.get("contact_email", "")),
                text.get("contact_name", ""),
                text.get("contact_phone", ""),
            ),
        )
    return list(firms.values())
