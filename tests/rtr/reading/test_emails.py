"""联系邮箱 as firms write it: the address read, and which address a firm's mail goes to."""

import pytest

from rtr.reading.emails import email_address, firm_address, normalise_email


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("wang@xinda-law.cn", "wang@xinda-law.cn"),
        ("wang＠Xinda.CN", "wang@xinda.cn"),  # full-width ＠, the domain in lower case
        ("ａｂｃ＠ＤＥＦ．ｃｎ", "abc@def.cn"),  # typed with a full-width input method
        ("  mailto:Wang.Wei@x.cn ", "Wang.Wei@x.cn"),  # the local part keeps its case
        ("<a@b.com>", "a@b.com"),
        ("王伟 <a@b.com>", "a@b.com"),
        ("a@b.cn；c@d.cn", "a@b.cn"),  # several: the first
        ("a@b", None),
        ("a@-b.cn", None),
        ("无", None),
        ("", None),
        (None, None),
        (12345, None),
    ],
)
def test_email_address(text, address):
    assert email_address(text) == address


def test_normalise_keeps_what_is_not_an_address():
    assert normalise_email("wang＠Xinda.CN") == "wang@xinda.cn"
    assert normalise_email(" 待补 ") == "待补"


def test_the_forms_address_wins_and_a_bad_one_falls_back_on_the_roster():
    assert firm_address("form@a.cn", "roster@b.cn") == "form@a.cn"
    assert firm_address(None, "roster@b.cn") == "roster@b.cn"
    assert firm_address("电话联系", "roster@b.cn") == "roster@b.cn"  # W12 on the form
    assert firm_address("form＠a.cn", "") == "form@a.cn"
    assert firm_address("", "") is None
