"""Charts: nothing drawn when there is nothing to show, axes fitted to the data, never a warning."""

from __future__ import annotations

import warnings

import pytest

from flows.documents import chart_font
from rtr.reporting.charts import _label_places, coverage_by_area, fitted_range, trend

PNG = b"\x89PNG"


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's "No artists with labels…" would fail here
        yield


def test_no_chart_when_there_is_nothing_to_draw():
    font = chart_font()
    assert coverage_by_area(["甲市"], [0.9], 0.9, "全省", font) is None  # one area: nothing to compare
    assert coverage_by_area(["甲市", "乙市"], [None, None], None, "全省", font) is None
    assert trend(["2024年上半年"], {"单独组建率": [0.5]}, font) is None  # one half-year: no trend
    assert trend(["2023年下半年", "2024年上半年"], {"单独组建率": [None, None]}, font) is None
    assert trend(["2023年下半年", "2024年上半年"], {"单独组建率": [None, 0.5]}, font) is None


def test_charts_draw_without_warnings():
    font = chart_font()
    assert coverage_by_area(["甲市", "乙市", "丙市"], [0.9, None, 0.97], 0.93, "全省", font).startswith(PNG)
    series = {"党的组织覆盖率": [0.88, 0.9, 0.874], "党的工作覆盖率": [1.0, 1.0, 0.991], "空": [None, None, None]}
    assert trend(["2023年上半年", "2023年下半年", "2024年上半年"], series, font).startswith(PNG)


def test_axes_fit_the_data():
    assert fitted_range([85.7, 100.0, 93.3]) == (80.0, 100.0)
    assert fitted_range([52.1, 99.1]) == (45.0, 100.0)
    assert fitted_range([3.0, 4.0]) == (0.0, 10.0)
    assert fitted_range([99.5, 99.9]) == (90.0, 100.0)


def test_value_labels_never_sit_on_each_other():
    places = _label_places([("a", 100.0), ("b", 100.0), ("c", 98.0), ("d", 60.0)])
    assert [(label, above) for label, _, above in places] == [("a", True), ("c", False), ("d", True)]
