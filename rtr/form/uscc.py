"""统一社会信用代码 (GB 32100-2015): alphabet and check character."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def check_char(first17: str) -> str:
    total = sum(_INDEX[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None when `code` is a well-formed USCC, else what is wrong with it, in Chinese."""
    if len(code) != 18:
        return f"应为18位，实为{len(code)}位"
    bad = sorted({c for c in code if c not in _INDEX})
    if bad:
        return "含有不允许的字符" + "、".join(bad) + "（不使用I、O、S、V、Z）"
    if check_char(code[:17]) != code[17]:
        return "校验位不正确"
    return None
