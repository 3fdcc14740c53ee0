"""Receipt names: safe, inside the receipts folder, within 255 bytes, and one per input path."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rtr.filenames import RECEIPT_BYTES, receipt_name, safe_component

# pairs that shared one receipt before: suffix case, characters made safe, cut names, a kept extension
CLASHING = [
    "广州市/报表.xlsx",
    "广州市/报表.xls",
    "广州市/报表.XLSX",
    "广州市/报表.xlsm",
    "广州市/报表_xls.xlsx",
    "广州市/报表.xls.xlsx",
    "广州市/报表",
    "广州市/报表.xlsx ",
    "广州市/报表..xlsx",
    "广州市/a<b.xlsx",
    "广州市/a>b.xlsx",
    "广州市/a_b.xlsx",
    "广州市/a\\b.xlsx",
    "广州市/a/b.xlsx",
    "广州市 /报表.xlsx",
    "广州市./报表.xlsx",
    "广州市/" + "律" * 83 + ".xlsx",
    "广州市/" + "律" * 82 + "师.xlsx",
    "广州市/" + "律" * 80 + "~0123456789.xlsx",
    "广州市/报表~0123456789.xlsx",
    "广州市/\udcff.xlsx",
    "广州市/\udcfe.xlsx",
    "广州市/./报表.xlsx",
    "广州市//报表.xlsx",
    "广州市/x/../报表.xlsx",
]


def test_ordinary_names_read_as_before():
    assert receipt_name("广州市/某所.xlsx") == "广州市/某所_回执.xlsx"
    assert receipt_name("某所（更正）.xlsx") == "某所（更正）_回执.xlsx"


def test_every_clashing_pair_gets_its_own_receipt():
    names = [receipt_name(p) for p in CLASHING]
    assert len(set(names)) == len(names), sorted(names)


def test_a_changed_name_keeps_its_extension_and_says_it_was_changed():
    name = receipt_name("广州市/某所.xls")
    assert name.startswith("广州市/某所.xls~") and name.endswith("_回执.xlsx")


def test_names_fit_the_file_system():
    for path in CLASHING:
        parts = receipt_name(path).split("/")
        assert len(parts[-1].encode()) <= RECEIPT_BYTES and all(len(p.encode()) <= 255 for p in parts), path


def test_nothing_climbs_out_or_hides():
    for path in ("../../etc/passwd", "/etc/passwd", "a/../../b.xlsx", ".hidden.xlsx", "..\\..\\x.xlsx"):
        name = receipt_name(path)
        assert not any(p in ("", ".", "..") or p.startswith(".") for p in name.split("/")), name
    assert not any(ch in receipt_name('a/b<c>:"|?*\x01.xlsx') for ch in '<>:"|?*\x01')


def test_safe_component_cuts_at_a_byte_budget_on_a_character_boundary():
    cut = safe_component("律" * 100, 200)
    assert len(cut.encode()) <= 200 and cut == "律" * 66


_names = st.one_of(
    st.sampled_from(["", ".", ".."]),
    st.text(alphabet=st.sampled_from('ab律._-~<>:" \\X0123456789lsx'), min_size=1, max_size=90),
)


@given(st.lists(st.lists(_names, min_size=1, max_size=3).map("/".join), min_size=2, max_size=8, unique=True))
def test_different_paths_never_share_a_receipt(paths):
    names = [receipt_name(p) for p in paths]
    assert len(set(names)) == len(names)
    assert all(len(part.encode()) <= 255 for name in names for part in name.split("/"))
