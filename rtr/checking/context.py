"""What the rules check a return against, besides the return: the form, the cities, the day, the
configured thresholds and the roster. Its own module so that the catalogue, the predicates and the
rules all read it without importing one another in a circle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rtr.form.schema import FormSchema


@dataclass(frozen=True)
class Thresholds:
    own_org_min_full_members: int = 3  # E08, W01
    min_member_meetings: int = 2  # W07
    min_party_lectures: int = 2
    min_theme_days: int = 6
    history_change_ratio: float = 0.5  # W08
    history_min_base: int = 5
    max_text_chars: int = 2000  # W11


@dataclass(frozen=True)
class RuleContext:
    schema: FormSchema
    cities: dict[str, str]  # match key → configured city name (see values.city_index)
    today: date
    thresholds: Thresholds = Thresholds()
    roster: frozenset[str] | None = None  # USCCs of the 名录, when configured
