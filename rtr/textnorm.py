"""Normalising text for matching: NFKC, Traditional→Simplified, no spaces, case-folded.

Used for labels, codes, enum values and city names; never for text that is displayed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")
_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    if not _HAN.search(text):
        return text
    return _T2S.convert(text)


@lru_cache(maxsize=65536)
def match_key(text: str) -> str:
    """The form of a label or token that matching compares: `黨員律師數：` and ` 党员律师数` are equal."""
    s = unicodedata.normalize("NFKC", text)
    s = _SPACES.sub("", s)
    s = to_simplified(s)
    return s.strip(":*").casefold()


def cell_text(value: object) -> str:
    """A cell's value as display text: whole floats without `.0`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
