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


def _changing_chars(converter: OpenCC) -> frozenset[str]:
    """One character of every dictionary entry that changes its text (the first that differs). A text
    with none of them is its own conversion, exactly: no changing entry can match anywhere in it. Most
    cells are already Simplified, and the converter is pure Python (≈2 % of reading a return went to
    firm names and free text that it returned unchanged). Empty if the converter's tables are not where
    this version keeps them."""
    try:
        converter._init_dict()
        tables = [table for group in converter._dict_chain_data for _, _, table in group]
    except (AttributeError, TypeError, ValueError):
        return frozenset()
    chars = set()
    for table in tables:
        for key, value in table.items():
            if key != value:
                differ = (
                    [a for a, b in zip(key, value, strict=True) if a != b]
                    if len(key) == len(value)
                    else [a for a in key if a not in value]
                )
                chars.add((differ or list(key))[0])
    return frozenset(chars)


_T2S_CHANGING = _changing_chars(_T2S)


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    # the changing characters include Traditional ones beyond the BMP (𠁞), which a test for Han
    # characters in the BMP alone would let through unconverted
    unchanged = _T2S_CHANGING.isdisjoint(text) if _T2S_CHANGING else not _HAN.search(text)
    if unchanged:
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
    """A cell's value as display text: whole floats without `.0`, a TRUE/FALSE cell as 是/否 (the
    form's words: a receipt quoting `True` tells a clerk nothing)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
