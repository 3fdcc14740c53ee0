"""Text from returns stays text: never a formula in a workbook we write, never broken XML in a
document, never part of a path outside the outputs."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document

from flows.setup import load_setup
from rtr.config import sqlite_url
from rtr.form.periods import Period
from rtr.store import Store
from tests import reliability
from tests.conftest import clean_values, form_bytes, valid_uscc
from tests.helpers import drop, in_folder, run_report

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def setup(tmp_path):
    s = load_setup(ROOT / "config.toml")
    return in_folder(replace(s, config=replace(s.config, settle_seconds=0)), tmp_path)


HOSTILE = {
    "firm_name": '=HYPERLINK("http://evil.example","点我")&<w:p/>]]>律师事务所',
    "district": "+SUM(1,2)",
    "contact_name": "@cmd|' /C calc'!A0",
    "highlights": "-2+3 </w:t></w:r></w:p><w:p>{{ secret }}{% raw %}&amp;",
}


def _sheet_xml(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]


def test_hostile_text_stays_text_in_every_output(setup, tmp_path, schema):
    values = {**clean_values(), **HOSTILE}
    drop(tmp_path / "inbox", "广州市/恶意.xlsx", form_bytes(schema, values))
    other = {**clean_values(), "uscc": valid_uscc("31440000MD0999999"), "firm_name": "../../../etc/passwd"}
    drop(tmp_path / "inbox", "深圳市/正常.xlsx", form_bytes(schema, other))
    result = run_report(setup, Period(2024, 1), documents=True)
    assert result.summary["metrics"]["firms"] == 2
    folder = tmp_path / "out" / "2024H1"

    workbooks = [*folder.rglob("*.xlsx"), *setup.config.receipts.rglob("*.xlsx")]
    assert len(workbooks) >= 3  # the 汇总表 and two receipts at least
    for path in workbooks:
        for xml in _sheet_xml(path):
            assert not re.search(rb"<f[\s>/]", xml), path  # no formula of any kind
    seen_as_text = any(
        b"=HYPERLINK(&quot;http://evil.example" in xml or b'=HYPERLINK("http://evil.example' in xml
        for p in workbooks
        for xml in _sheet_xml(p)
    )
    assert seen_as_text  # the name is there, as an inline string

    documents = sorted(folder.rglob("*.docx"))
    assert documents
    literal = 0
    for path in documents:
        doc = Document(str(path))  # parses: the XML is whole
        text = "\n".join(
            [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for row in t.rows for c in row.cells]
        )
        literal += HOSTILE["highlights"] in text
    assert literal  # shown character for character: neither rendered as a template nor taken as XML

    # every file the run wrote is below its folders, whatever the names said
    for path in tmp_path.rglob("*"):
        assert ".." not in path.relative_to(tmp_path).parts
        assert path.resolve().is_relative_to(tmp_path.resolve())
    reliability.record(
        "Security",
        "formula text in a return (=, +, -, @)",
        len(workbooks),
        "written as inline strings; no <f> element in any sheet of the 汇总表 or the receipts",
        "each sheet's XML searched for <f>; the text itself found as a string",
    )
    reliability.record(
        "Security",
        "XML and template syntax in a return (<w:p/>, ]]>, {{ }}, {% %}, &)",
        len(documents),
        "documents parse; the text shows character for character",
        "each .docx parsed; the hostile text found verbatim",
    )
    reliability.record(
        "Security",
        "path syntax in file and firm names (../, /etc/passwd)",
        2,
        "every output below the run's folders",
        "every path the run wrote resolved and compared with its folder",
    )


def test_store_is_private_and_holds_no_password(tmp_path):
    """Kept with the delivery tests' check that the SMTP password is never recorded; here the file mode."""
    store = Store(sqlite_url(tmp_path / "s.sqlite"))
    store.close()
    mode = (tmp_path / "s.sqlite").stat().st_mode & 0o777
    assert mode & 0o077 == 0
    reliability.record(
        "Security", "store file permissions", 1, f"created {oct(mode)} (owner only)", "stat of the new file"
    )
