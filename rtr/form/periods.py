"""Half-year periods: `YYYYH1` (1 Jan – 30 Jun) and `YYYYH2` (1 Jul – 31 Dec)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rtr.form.textnorm import to_simplified

_DASH = "[-—–~～至到]"
# years in [0-9] (full-width ones are [0-9] after NFKC): \d would also take ٢٠٢٤ or २०२४
_FORMS = (
    (re.compile(r"^([0-9]{4})-?h([12])$"), lambda m: (int(m[1]), int(m[2]))),
    (re.compile(r"^([0-9]{4})年(?:度)?(上|下)半年(?:度)?$"), lambda m: (int(m[1]), 1 if m[2] == "上" else 2)),
    (
        re.compile(rf"^([0-9]{{4}})年(1|01|7|07)月?{_DASH}(6|06|12)月(?:份)?$"),
        lambda m: (
            int(m[1]),
            1 if int(m[2]) == 1 and int(m[3]) == 6 else 2 if int(m[2]) == 7 and int(m[3]) == 12 else 0,
        ),
    ),
)


@dataclass(frozen=True, order=True, slots=True)
class Period:
    year: int
    half: int

    @property
    def id(self) -> str:
        return f"{self.year}H{self.half}"

    @property
    def label(self) -> str:
        return f"{self.year}年{'上' if self.half == 1 else '下'}半年"

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    def previous(self) -> Period:
        """The half-year before (环比)."""
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def year_before(self) -> Period:
        """The same half of the previous year (同比)."""
        return Period(self.year - 1, self.half)

    def has_ended(self, today: date) -> bool:
        return today > self.end

    def __str__(self) -> str:
        return self.id


def parse_period(text: str) -> Period | None:
    """Every way a return may write its 报告期; None when it is none of them."""
    s = unicodedata.normalize("NFKC", text)
    s = to_simplified(re.sub(r"\s+", "", s)).casefold()
    for pattern, build in _FORMS:
        m = pattern.match(s)
        if m:
            year, half = build(m)
            if half in (1, 2) and 1900 < year < 2200:
                return Period(year, half)
    return None


def latest_ended(today: date) -> Period:
    """The most recent half-year that has ended on `today`."""
    return Period(today.year - 1, 2) if today.month <= 6 else Period(today.year, 1)
