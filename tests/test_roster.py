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
