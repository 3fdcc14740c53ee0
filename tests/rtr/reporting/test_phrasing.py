"""Numbers and changes phrased as such reports phrase them; the phrase always agrees with the figure."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rtr.reporting.metrics import shown_pp
from rtr.reporting.phrasing import (
    against_label,
    amount,
    change_phrase,
    chinese,
    direction,
    joined,
    number,
    pct,
    single_phrase,
)

AGAINST = {"yoy": "上年同期", "hoh": "上年下半年"}


def count(delta: int, base: int) -> dict:
    return {"delta": delta, "relative": delta / base if base else None}


def test_numbers_in_one_style():
    assert number(1745) == "1,745" and number(22991) == "22,991" and number(999) == "999" and number(0) == "0"
    assert number(4353.65) == "4,353.65" and number(12.0) == "12"
    assert amount(4353.65) == "4,353.65万元" and amount(1641688.06) == "164.17亿元" and amount(0.5) == "0.50万元"
    assert pct(None) == "—" and pct(0.3333) == "33.3%" and pct(1.0) == "100.0%"
    assert [chinese(n) for n in (1, 3, 10, 12, 20, 21)] == ["一", "三", "十", "十二", "二十", "二十一"]
    assert against_label("hoh", "2023年下半年") == "上年下半年" and against_label("hoh", "2024年上半年") == "上半年"


def test_a_count_is_a_percentage_from_a_base_of_100_and_absolute_below():
    kw = {"is_rate": False, "unit": "家", "against": "上年同期"}
    assert single_phrase("yoy", count(9, 72), **kw) == "较上年同期增加9家"
    assert single_phrase("yoy", count(9, 180), **kw) == "同比增长5.0%"
    assert (
        single_phrase("hoh", count(-12, 240), is_rate=False, unit="人", against="上年下半年") == "较上年下半年下降5.0%"
    )
    assert single_phrase("yoy", count(0, 50), **kw) == "与上年同期持平"
    assert single_phrase("yoy", count(4, 0), **kw) == "较上年同期增加4家"  # no base: no percentage
    assert single_phrase("yoy", count(1, 5000), **kw) == "较上年同期增加1家"  # 0.0% would say nothing
    money = {"is_rate": False, "unit": "万元", "against": "上年同期"}
    assert single_phrase("yoy", {"delta": -120.5, "relative": -0.01}, **money) == "同比下降1.0%"
    assert single_phrase("yoy", {"delta": 35000.0, "relative": None}, **money) == "较上年同期增加3.50亿元"
    assert single_phrase("yoy", None, **kw) == ""
    rate = {"is_rate": True, "unit": "", "against": "上年同期"}
    assert single_phrase("yoy", {"delta_pp": 2.06}, **rate) == "同比提高2.1个百分点"
    assert (
        single_phrase("hoh", {"delta_pp": -0.5}, is_rate=True, unit="", against="上半年") == "较上半年降低0.5个百分点"
    )
    assert single_phrase("yoy", {"delta_pp": 0.01}, **rate) == "与上年同期持平"
    assert single_phrase("yoy", {"delta_pp": None}, **rate) == ""
    # 88.14% against 88.08%: both print as 88.1%, so the reader sees no change
    a, b = 0.8814, 0.8808
    assert single_phrase("yoy", {"delta_pp": (a - b) * 100, "shown_pp": shown_pp(a, b)}, **rate) == "与上年同期持平"
    assert shown_pp(0.8816, 0.8804) == 0.2 and shown_pp(None, 0.5) is None


def test_both_comparisons_said_once():
    c = {"is_rate": False, "unit": "家", "against": AGAINST}
    assert change_phrase(count(0, 50), count(0, 40), **c) == "与上年同期和上年下半年均持平"
    assert change_phrase(count(0, 50), count(0, 40), **c, headline=False) == ""
    assert change_phrase(count(3, 50), count(1, 40), **c) == "比上年同期和上年下半年分别增加3家和1家"
    assert change_phrase(count(2, 50), count(2, 40), **c) == "比上年同期和上年下半年均增加2家"
    assert change_phrase(count(30, 300), count(-6, 300), **c) == "同比增长10.0%，但较上年下半年下降2.0%"
    assert change_phrase(count(3, 50), count(0, 40), **c) == "较上年同期增加3家，与上年下半年持平"
    assert change_phrase(count(3, 50), count(0, 40), **c, headline=False) == "较上年同期增加3家"
    assert change_phrase(count(3, 50), count(1, 40), **c, headline=False) == "较上年同期增加3家"
    assert change_phrase(None, count(-1, 40), **c) == "较上年下半年减少1家"
    assert change_phrase(None, None, **c) == ""
    r = {"is_rate": True, "unit": "", "against": AGAINST}
    assert (
        change_phrase({"delta_pp": -1.04}, {"delta_pp": -1.8}, **r)
        == "比上年同期和上年下半年分别降低1.0个和1.8个百分点"
    )
    assert (
        change_phrase({"delta_pp": 0.6}, {"delta_pp": -0.1}, **r)
        == "同比提高0.6个百分点，但较上年下半年降低0.1个百分点"
    )
    assert joined("同比增长12.5%", "", "较上半年减少3家") == "，同比增长12.5%，较上半年减少3家"


UP, DOWN = re.compile("增长|增加|提高"), re.compile("下降|减少|降低")
change = st.one_of(
    st.none(),
    st.builds(count, st.integers(-500, 500), st.integers(0, 2000)),
)
rate_change = st.one_of(
    st.none(), st.builds(lambda pp: {"delta_pp": pp}, st.floats(-30, 30).map(lambda x: round(x, 2)))
)


@settings(max_examples=300, deadline=None)
@given(st.booleans(), st.booleans(), st.data())
def test_the_words_of_a_phrase_agree_with_the_signs(is_rate, headline, data):
    strategy = rate_change if is_rate else change
    yoy, hoh = data.draw(strategy), data.draw(strategy)
    text = change_phrase(yoy, hoh, is_rate=is_rate, unit="家", against=AGAINST, headline=headline)
    ways = [w for w in (direction(yoy, is_rate), direction(hoh, is_rate)) if w]
    if not ways or (not headline and set(ways) == {"flat"}):
        assert text == ""
        return
    if "up" not in ways:
        assert not UP.search(text)
    if "down" not in ways:
        assert not DOWN.search(text)
    if ways[0] != "flat":  # the first comparison is always said
        assert (UP if ways[0] == "up" else DOWN).search(text)
    assert text.count("持平") <= 1
    if set(ways) == {"up", "down"}:
        assert "但" in text
