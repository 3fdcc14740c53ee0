from rtr.checking.supersede import Candidate, resolve


def c(id, passed=True, date=None, mtime=1000.0, path="a.xlsx", row=None):
    return Candidate(id, passed, date, mtime, path, "表", row)


def test_later_filled_date_counts():
    assert resolve([c(1, date="2024-07-05", mtime=9e9), c(2, date="2024-07-06")]) == {1: "superseded", 2: "accepted"}


def test_equal_or_blank_dates_fall_back_to_mtime_then_path():
    assert resolve([c(1, mtime=2000.0), c(2, mtime=1000.0)]) == {1: "accepted", 2: "superseded"}
    assert resolve([c(1, date="2024-07-05", mtime=5.0), c(2, date="2024-07-05", mtime=6.0)])[2] == "accepted"
    assert resolve([c(1, path="b.xlsx"), c(2, path="a.xlsx")]) == {1: "accepted", 2: "superseded"}


def test_rejected_never_supersedes_accepted():
    assert resolve([c(1, date="2024-07-05"), c(2, passed=False, date="2024-07-09")]) == {1: "accepted", 2: "rejected"}


def test_accepted_supersedes_earlier_rejected_and_rejected_replaces_rejected():
    assert resolve([c(1, passed=False, date="2024-07-01"), c(2, date="2024-07-05")]) == {1: "superseded", 2: "accepted"}
    assert resolve([c(1, passed=False, date="2024-07-01"), c(2, passed=False, date="2024-07-02")]) == {
        1: "superseded",
        2: "rejected",
    }


def test_roster_rows_in_one_file_order_by_row():
    assert resolve([c(1, row=5), c(2, row=9)]) == {1: "superseded", 2: "accepted"}


def test_order_does_not_depend_on_input_order():
    items = [
        c(1, date="2024-07-05"),
        c(2, mtime=3e9),
        c(3, passed=False, date="2024-08-01"),
        c(4, date="2024-07-05", mtime=2.0),
    ]
    assert resolve(items) == resolve(list(reversed(items)))
