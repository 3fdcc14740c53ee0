"""textnorm: the Traditional→Simplified shortcut gives exactly what the converter gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtr.form import textnorm
from rtr.form.textnorm import _T2S, _T2S_CHANGING, match_key

convert = textnorm.to_simplified.__wrapped__  # uncached, so each call takes the path under test


def _entries() -> list[tuple[str, str]]:
    return [(k, v) for group in _T2S._dict_chain_data for _, _, table in group for k, v in table.items()]


def test_every_changing_dictionary_entry_is_still_converted():
    changing = [k for k, v in _entries() if k != v]
    assert len(changing) > 4000 and _T2S_CHANGING
    for key in changing:
        for text in (key, f"广州市{key}律师事务所"):
            assert convert(text) == _T2S.convert(text), text


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(sorted(_T2S_CHANGING)[:200] + list("广州市律师事务所党支部一目了然上链 ：，（）ab1")),
        max_size=30,
    )
)
def test_mixed_text_converts_as_the_converter_does(text):
    assert convert(text) == _T2S.convert(text)


def test_simplified_text_skips_the_converter(monkeypatch):
    def refuse(text):
        raise AssertionError(f"converter called for {text!r}")

    monkeypatch.setattr(_T2S, "convert", refuse)
    for text in ("广州市越秀区某某律师事务所", "北京市金杜（广州）律师事务所", "坚持党建引领，开展主题党日活动六次"):
        assert convert(text) == text
    with pytest.raises(AssertionError):
        convert("黨員律師數")


def test_traditional_labels_match_their_simplified_form():
    assert match_key("黨員律師數：") == match_key(" 党员律师数") == "党员律师数"
