from rtr.reporting.phrasing import against_label, count_change, joined, pct, rate_change
from rtr.reporting.report_context import pick_highlights, problem_quotes, warning_counts


def test_phrases_as_such_reports_write_them():
    assert count_change({"delta": 9, "relative": 0.125}, "家", "yoy", "上年同期") == "同比增长12.5%"
    assert count_change({"delta": -3, "relative": -0.1}, "家", "hoh", "上半年") == "较上半年减少3家"
    assert count_change({"delta": 0, "relative": 0.0}, "家", "yoy", "上年同期") == "与上年同期持平"
    assert count_change({"delta": 4, "relative": None}, "人", "yoy", "上年同期") == "较上年同期增加4人"
    assert rate_change({"delta_pp": 2.06}, "hoh", "上半年") == "较上半年提高2.1个百分点"
    assert rate_change({"delta_pp": -0.5}, "yoy", "上年同期") == "同比降低0.5个百分点"
    assert rate_change({"delta_pp": 0.01}, "yoy", "上年同期") == "与上年同期持平"
    assert rate_change({"delta_pp": None}, "yoy", "上年同期") == "" and count_change(None, "家", "yoy", "x") == ""
    assert joined("同比增长12.5%", "", "较上半年减少3家") == "，同比增长12.5%，较上半年减少3家"
    assert pct(None) == "—" and pct(0.3333) == "33.3%" and pct(1.0) == "100.0%"
    assert against_label("hoh", "2023年下半年") == "上年下半年" and against_label("hoh", "2024年上半年") == "上半年"


def test_highlights_rule():
    firms = [
        {"uscc": "3", "city": "甲", "org_type": "联合党支部", "members": 50, "highlights": "联合", "firm_name": "c"},
        {"uscc": "2", "city": "甲", "org_type": "党委", "members": 10, "highlights": "  党委\n做法 ", "firm_name": "b"},
        {"uscc": "1", "city": "甲", "org_type": "单独党支部", "members": 30, "highlights": "支部", "firm_name": "a"},
        {"uscc": "4", "city": "乙", "org_type": "未建立", "members": 0, "highlights": "", "firm_name": "d"},
        {"uscc": "5", "city": "丙", "org_type": "联合党支部", "members": 1, "highlights": "长" * 300, "firm_name": "e"},
    ]
    picked = pick_highlights(firms)
    assert [(h["firm_name"], h["city"]) for h in picked] == [("a", "甲"), ("e", "丙")]
    assert picked[1]["text"].endswith("……") and len(picked[1]["text"]) == 202


def test_problem_quotes_and_warning_counts():
    assert problem_quotes([{"problems": "b"}, {"problems": "a"}, {"problems": "b"}, {"problems": None}]) == ["b", "a"]
    subs = [
        {"status": "accepted", "findings": [{"rule": "W07"}, {"rule": "W07"}, {"rule": "W01"}]},
        {"status": "rejected", "findings": [{"rule": "W07"}]},
    ]
    counts = warning_counts(subs)
    assert counts["W07"] == 1 and counts["W01"] == 1 and counts["W03"] == 0


def test_city_reports_pick_one_per_district():
    firms = [
        {
            "uscc": str(i),
            "city": "甲",
            "district": d,
            "org_type": "党委",
            "members": 10 - i,
            "highlights": "x",
            "firm_name": f"所{i}",
        }
        for i, d in enumerate(["东区", "东区", "西区", "南区"])
    ]
    assert [h["firm_name"] for h in pick_highlights(firms, "district")] == ["所0", "所2", "所3"]
    assert [h["firm_name"] for h in pick_highlights(firms)] == ["所0"]
