"""Reading one cell's value as its field's type. Returns the value or why it cannot be read."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from rtr.form.schema import Field, FormSchema
from rtr.form.textnorm import cell_text, match_key

_UNITS = ("人次", "万元", "人", "件", "次", "个", "家", "场", "名", "位", "元", "万")
# [0-9], not \d: \d (and int(), Decimal()) also take Arabic-Indic, Devanagari and other digits
_WHOLE = re.compile(r"^[0-9]+(?:\.0+)?$")
_DECIMAL = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_DATE_FORMS = (
    re.compile(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$"),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日?$"),
)
FOREIGN_DIGITS = "应使用阿拉伯数字 0–9 填写（不要用其他文字的数字）"
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class Read:
    """A value read from a cell. `blank` is true for an empty cell; `error` says why it is unreadable."""

    value: object = None
    blank: bool = False
    error: str | None = None


BLANK = Read(blank=True)


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def foreign_digits(text: str) -> bool:
    """Whether the text holds a digit other than 0–9 and full-width ０–９ (the spec's two forms):
    ٣ (Arabic-Indic), ३ (Devanagari), ³ or ① would otherwise be read as numbers by NFKC or int()."""
    return any(
        not ("0" <= ch <= "9" or "０" <= ch <= "９") and unicodedata.digit(ch, None) is not None
        for ch in text
        if not ch.isascii()
    )


def _number_text(raw: str, units: tuple[str, ...]) -> str:
    s = unicodedata.normalize("NFKC", raw)
    s = re.sub(r"\s+", "", s).replace(",", "")
    for unit in units:
        if s.endswith(unit):
            return s[: -len(unit)]
    return s


MAX_COUNT = 10**9  # beyond any firm's count; keeps sums over a whole country inside 64-bit integers


def read_count(raw: object, minimum: int | None = None) -> Read:
    if isinstance(raw, bool):
        return Read(error="应填写整数")
    if isinstance(raw, (int, float)):
        if raw != raw or not float(raw).is_integer():
            return Read(error="应填写整数，不能有小数")
        n = int(raw)
    elif isinstance(raw, str):
        if foreign_digits(raw):
            return Read(error=FOREIGN_DIGITS)
        s = _number_text(raw, _UNITS)
        if s.startswith("-") and _DECIMAL.match(s[1:]) and Decimal(s[1:]) != 0:  # "-0" is 0
            return Read(error="不能为负数")
        s = s.removeprefix("-") if s.startswith("-") and _DECIMAL.match(s[1:]) else s
        if not _WHOLE.match(s):
            if _DECIMAL.match(s):
                return Read(error="应填写整数，不能有小数")
            return Read(error="应填写阿拉伯数字（如 12），不要写汉字、“约”或其他文字")
        n = int(Decimal(s))  # exact for any length (float would overflow on hundreds of digits)
    else:
        return Read(error="应填写整数")
    if n < 0:
        return Read(error="不能为负数")
    if n > MAX_COUNT:
        return Read(error="数值过大，请核对")
    if minimum is not None and n < minimum:
        return Read(error=f"应不少于{minimum}")
    return Read(value=n)


def read_amount(raw: object) -> Read:
    if isinstance(raw, bool):
        return Read(error="应填写金额（万元）")
    if isinstance(raw, (int, float)):
        if raw != raw:
            return Read(error="应填写金额（万元）")
        d = Decimal(str(raw))
    elif isinstance(raw, str):
        if foreign_digits(raw):
            return Read(error=FOREIGN_DIGITS)
        s = _number_text(raw, ("万元", "万"))
        if s.startswith("-") and _DECIMAL.match(s[1:]) and Decimal(s[1:]) != 0:  # "-0" is 0
            return Read(error="不能为负数")
        s = s.removeprefix("-") if s.startswith("-") and _DECIMAL.match(s[1:]) else s
        if not _DECIMAL.match(s):
            return Read(error="应填写以万元为单位的数字（如 12.5），不要写文字")
        try:
            d = Decimal(s)
        except InvalidOperation:
            return Read(error="应填写以万元为单位的数字")
    else:
        return Read(error="应填写金额（万元）")
    if not d.is_finite():
        return Read(error="应填写金额（万元）")
    if d < 0:
        return Read(error="不能为负数")
    try:
        # + 0.0 turns a negative zero (-0.0 from a cell, or -0.001 rounded) into 0.0
        return Read(value=float(d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) + 0.0)
    except InvalidOperation:  # more digits than any amount has: a unit or typing mistake
        return Read(error="金额数值过大，请核对单位（万元）")


def read_yesno(raw: object, schema: FormSchema) -> Read:
    if isinstance(raw, bool):
        return Read(value=raw)
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return Read(value=bool(raw))
    key = match_key(cell_text(raw))
    if key in schema.yes_tokens:
        return Read(value=True)
    if key in schema.no_tokens:
        return Read(value=False)
    return Read(error=f"应选择“{schema.yes_label}”或“{schema.no_label}”")


def read_enum(raw: object, field: Field) -> Read:
    key = match_key(cell_text(raw))
    for option in field.options:
        if key == match_key(option):
            return Read(value=option)
    for alias, option in field.option_aliases:
        if key == match_key(alias):
            return Read(value=option)
    return Read(error="应从下拉列表中选择：" + "、".join(field.options))


def read_date(raw: object) -> Read:
    if isinstance(raw, datetime):
        return Read(value=raw.date())
    if isinstance(raw, date):
        return Read(value=raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 1 <= raw < 2958466:
            return Read(value=_EXCEL_EPOCH + timedelta(days=int(raw)))
        return Read(error="不是有效日期")
    if isinstance(raw, str):
        if foreign_digits(raw):
            return Read(error=FOREIGN_DIGITS)
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw))
        for form in _DATE_FORMS:
            m = form.match(s)
            if m:
                try:
                    return Read(value=date(int(m[1]), int(m[2]), int(m[3])))
                except ValueError:
                    break
    return Read(error="应填写日期，如 2024-07-05")


def read_text(raw: object) -> Read:
    if isinstance(raw, datetime):
        return Read(value=raw.date().isoformat())
    if isinstance(raw, date):
        return Read(value=raw.isoformat())
    return Read(value=cell_text(raw))


def city_index(cities: tuple[str, ...]) -> dict[str, str]:
    """`广州`, `广州市` and `廣州市` all name 广州市."""
    index: dict[str, str] = {}
    for city in cities:
        key = match_key(city)
        index[key] = city
        for suffix in ("市", "地区", "州", "盟"):
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                index.setdefault(key[: -len(suffix)], city)
                break
    return index


def read_value(field: Field, raw: object, schema: FormSchema) -> Read:
    """Any cell content gives a Read; never raises. City, period and USCC are checked by the rules."""
    if is_blank(raw):
        return BLANK
    kind = field.kind
    if kind == "count":
        return read_count(raw, field.minimum)
    if kind == "amount":
        return read_amount(raw)
    if kind == "yesno":
        return read_yesno(raw, schema)
    if kind == "enum":
        return read_enum(raw, field)
    if kind == "date":
        return read_date(raw)
    if kind in ("uscc",):
        return Read(value=unicodedata.normalize("NFKC", cell_text(raw)).replace(" ", "").upper())
    return read_text(raw)
