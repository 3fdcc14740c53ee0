from datetime import date, datetime

import pytest

from rtr.form.periods import Period, latest_ended, parse_period
from rtr.form.textnorm import match_key
from rtr.form.uscc import uscc_problem
from rtr.reading.values import city_index, read_amount, read_count, read_date, read_enum, read_value, read_yesno
from tests.conftest import valid_uscc


@pytest.mark.parametrize("raw", ["12", "12.0", "１２", " 12 ", "12人", "12 件", 12, 12.0])
def test_count_accepts(raw):
    expected = 12
    assert read_count(raw).value == expected


@pytest.mark.parametrize("raw", ["12.5", "-1", "十二", "约12", 12.5, -1, True, "12个半"])
def test_count_rejects(raw):
    read = read_count(raw)
    assert read.value is None and read.error


def test_count_minimum():
    assert read_count(0, minimum=1).error == "应不少于1"
    assert read_count(1, minimum=1).value == 1


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1,234.5", 1234.5), ("1234.5万元", 1234.5), (3.14159, 3.14), ("０.５", 0.5), (7, 7.0), ("2.005", 2.01)],
)
def test_amount(raw, value):
    assert read_amount(raw).value == value


@pytest.mark.parametrize("raw", ["-3", "很多", True])
def test_amount_rejects(raw):
    assert read_amount(raw).error


@pytest.mark.parametrize("raw", ["是", "有", "√", "✓", "Y", "y", "yes", "YES", "1", "TRUE", "true", True, 1, 1.0])
def test_yes(raw, schema):
    assert read_yesno(raw, schema).value is True


@pytest.mark.parametrize("raw", ["否", "无", "×", "✗", "N", "no", "0", "FALSE", False, 0])
def test_no(raw, schema):
    assert read_yesno(raw, schema).value is False


def test_yesno_other_is_error_and_blank_is_unknown(schema):
    assert read_yesno("也许", schema).error
    read = read_value(schema.by_key["charter"], "  ", schema)
    assert read.blank and read.value is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("独立党支部", "单独党支部"),
        ("单独建立党支部", "单独党支部"),
        ("党总支部", "党总支"),
        ("联合支部", "联合党支部"),
        ("未建", "未建立"),
        ("暂未建立", "未建立"),
        ("无", "未建立"),
        ("黨委", "党委"),
        (" 单独党支部 ", "单独党支部"),
    ],
)
def test_org_type_aliases(raw, value, schema):
    assert read_enum(raw, schema.by_key["org_type"]).value == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [("示范场所", "示范"), ("标准场所", "标准"), ("普通场所", "普通"), ("一般", "普通"), ("没有", "无")],
)
def test_venue_aliases(raw, value, schema):
    assert read_enum(raw, schema.by_key["venue"]).value == value


def test_enum_rejects(schema):
    assert "单独党支部" in read_enum("党小组", schema.by_key["org_type"]).error


@pytest.mark.parametrize(
    "raw",
    [
        datetime(2024, 7, 5, 0, 0),
        date(2024, 7, 5),
        45478,
        45478.0,
        "2024-07-05",
        "2024/7/5",
        "2024年7月5日",
        "２０２４-07-05",
    ],
)
def test_dates(raw):
    assert read_date(raw).value == date(2024, 7, 5)


@pytest.mark.parametrize("raw", ["2024-13-01", "下周", "2024年7月"])
def test_bad_dates(raw):
    assert read_date(raw).error


@pytest.mark.parametrize(
    "text",
    [
        "2024H1",
        "2024h1",
        "2024-H1",
        "2024年上半年",
        "2024年度上半年",
        "2024年1-6月",
        "2024年1月-6月",
        "2024年1—6月",
        "２０２４Ｈ１",
        "2024年上半年",
        "2024 年 上半年",
        "2024年1－6月",
    ],
)
def test_period_forms_h1(text):
    assert parse_period(text) == Period(2024, 1)


@pytest.mark.parametrize(
    "text",
    [
        "2024H2",
        "2024-H2",
        "2024年下半年",
        "2024年度下半年",
        "2024年7-12月",
        "2024年7月-12月",
        "2024年7—12月",
        "2024年下半年",
    ],
)
def test_period_forms_h2(text):
    assert parse_period(text) == Period(2024, 2)


@pytest.mark.parametrize("text", ["2024", "上半年", "2024年第三季度", "2024年1-12月", "2024H3", "2024年7-6月"])
def test_period_rejects(text):
    assert parse_period(text) is None


def test_period_arithmetic():
    p = Period(2024, 1)
    assert p.previous() == Period(2023, 2) and p.year_before() == Period(2023, 1)
    assert Period(2024, 2).previous() == Period(2024, 1)
    assert not p.has_ended(date(2024, 6, 30)) and p.has_ended(date(2024, 7, 1))
    assert latest_ended(date(2026, 1, 10)) == Period(2025, 2)
    assert latest_ended(date(2026, 7, 10)) == Period(2026, 1)
    assert p.label == "2024年上半年" and p.id == "2024H1"


def test_uscc():
    assert uscc_problem(valid_uscc()) is None
    good = valid_uscc()
    assert "校验位" in uscc_problem(good[:17] + ("0" if good[17] != "0" else "1"))
    assert "18位" in uscc_problem(good[:17])
    assert "I" in uscc_problem("31440000MI0123456X")
    # published example of a valid code
    assert uscc_problem("91350100M000100Y43") is None


def test_match_key_traditional_and_spacing():
    assert match_key("黨員律師數") == match_key("党员律师数")
    assert match_key(" 党 员 律 师 数： ") == match_key("党员律师数")
    assert match_key("廣州市") == "广州市"


def test_city_index():
    index = city_index(("广州市", "深圳市"))
    assert index[match_key("广州")] == "广州市"
    assert index[match_key("廣州市")] == "广州市"
    assert match_key("香港") not in index


# digits: the spec accepts Arabic (0–9) and full-width (０–９) digits only
@pytest.mark.parametrize("raw", ["١٢", "۱۲", "१२", "১২", "๑๒", "³", "①", "𝟏𝟐", "1٢"])
def test_digits_of_other_scripts_are_rejected_with_advice(raw):
    for read in (read_count(raw), read_amount(raw), read_date(f"{raw}-07-05")):
        assert read.value is None and "阿拉伯数字" in read.error


def test_arabic_and_full_width_digits_still_read():
    assert read_count("１２人").value == 12 and read_amount("１，２３４.５万元").value == 1234.5
    assert read_date("２０２４年７月５日").value == date(2024, 7, 5)


@pytest.mark.parametrize("text", ["٢٠٢٤H1", "२०२४年上半年", "2024H١"])
def test_periods_in_other_digits_are_not_read(text):
    assert parse_period(text) is None


@pytest.mark.parametrize("raw", ["-0", "-0.0", " -0 ", -0.0, "-0.00万元"])
def test_minus_zero_reads_as_zero_never_negative_zero(raw):
    import math

    for read in (read_count(raw), read_amount(raw)):
        assert read.error is None and read.value == 0 and math.copysign(1, read.value) == 1


def test_negative_zero_cells_and_tiny_negatives_are_not_negative_zero():
    import math

    assert math.copysign(1, read_amount(-0.0).value) == 1
    assert read_amount(-0.001).error  # a real negative amount stays an error
