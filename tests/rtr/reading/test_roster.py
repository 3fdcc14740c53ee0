from rtr.reading.roster import RosterFirm, parse_roster
from rtr.reading.values import city_index
from rtr.reading.workbook import Limits, load_workbook
from tests.conftest import grid_bytes, valid_uscc


def test_roster_workbook(schema):
    rows = [
        ["全省律师事务所名录"],
        ["律所名称", "统一社会信用代码", "所在地市", "所在区县"],
        ["甲所", valid_uscc("31440000MD0000001"), "广州", "天河区"],
        ["乙所", valid_uscc("31440000MD0000002").lower(), "深圳市", None],
        ["丙所（重复行）", valid_uscc("31440000MD0000001"), "广州市", None],
    ]
    loaded = load_workbook(grid_bytes(rows), ".xlsx", Limits())
    firms = parse_roster(loaded.sheets, schema, city_index(("广州市", "深圳市")))
    assert firms == [
        RosterFirm(valid_uscc("31440000MD0000001"), "甲所", "广州市", "天河区"),
        RosterFirm(valid_uscc("31440000MD0000002"), "乙所", "深圳市", ""),
    ]


def test_roster_contact_columns_under_any_accepted_label(schema):
    """联系邮箱 is read through the form's labels and aliases (电子邮箱, 邮箱, E-mail), like every column;
    a full-width ＠ is made @; 填报人 and 联系电话 give the contact's name and phone."""
    rows = [
        ["律所名称", "统一社会信用代码", "所在地市", "填报人", "联系电话", "电子邮箱"],
        ["甲所", valid_uscc("31440000MD0000001"), "广州", "王伟", "13800138000", "wang＠JiaSuo.CN"],
        ["乙所", valid_uscc("31440000MD0000002"), "深圳", None, None, None],
    ]
    loaded = load_workbook(grid_bytes(rows), ".xlsx", Limits())
    firms = parse_roster(loaded.sheets, schema, city_index(("广州市", "深圳市")))
    assert firms[0].contact_email == "wang@jiasuo.cn"
    assert (firms[0].contact_name, firms[0].contact_phone) == ("王伟", "13800138000")
    assert firms[1].contact_email == "" and firms[1].city == "深圳市"


def test_roster_email_column_by_its_label_and_other_aliases(schema):
    for head in ("联系邮箱", "邮箱", "E-mail", "H10"):
        rows = [["律所名称", "统一社会信用代码", "所在地市", head], ["甲所", valid_uscc(), "广州市", "a@b.cn"]]
        firms = parse_roster(load_workbook(grid_bytes(rows), ".xlsx", Limits()).sheets, schema, city_index(("广州市",)))
        assert [f.contact_email for f in firms] == ["a@b.cn"], head
