"""The Word reports: every template variable supplied, the text for a fixed sample (golden), hostile
names intact, and the files opening in LibreOffice.

Regenerate the golden texts on purpose only: UPDATE_GOLDEN=1 pytest tests/test_documents.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate

from flows.documents import plan_documents, write_documents
from flows.setup import load_setup
from rtr.form.periods import Period
from sample.synthetic import make_sample
from tests.conftest import clean_values, form_bytes
from tests.helpers import drop, in_folder, run_report

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
HOSTILE = "信达&合诚<联合>律师事务所"


def doc_text(path: Path) -> str:
    """Paragraphs and table cells, in order: what a reader sees, not the bytes."""
    doc = Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(c.text for c in row.cells))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def made(tmp_path_factory, schema):
    tmp = tmp_path_factory.mktemp("docs")
    base = load_setup(ROOT / "config.toml")
    setup = in_folder(replace(base, config=replace(base.config, settle_seconds=0)), tmp)
    for period, n, messy in ((Period(2024, 1), 120, True), (Period(2023, 2), 100, False), (Period(2023, 1), 90, False)):
        for f in make_sample(schema, setup.config.cities, period, n, seed=7, messy=messy).files:
            drop(tmp / "inbox", f"{period.id}/{f.path}", f.data)
    hostile = clean_values() | {
        "firm_name": HOSTILE,
        "members": 25,
        "full_members": 24,
        "lawyers": 60,
        "highlights": "坚持“党建+业务”双融合 & <示范> 岗位建设。",
    }
    drop(tmp / "inbox", "2024H1/广州市/hostile.xlsx", form_bytes(schema, hostile))
    captured = {}

    def documents(setup_, data, summary, folder):
        captured["jobs"] = plan_documents(setup_, data, summary, folder)
        return write_documents(captured["jobs"])

    result = run_report(setup, Period(2024, 1), documents=documents)
    return result, captured["jobs"]


def test_every_document_is_written(made):
    result, _ = made
    names = sorted(p.relative_to(result.folder).as_posix() for p in result.documents)
    assert "2024年上半年全省律师行业党建工作情况报告.docx" in names
    assert "分地市/广州市.docx" in names and "分地市/云浮市.docx" in names
    assert len([n for n in names if n.startswith("分地市/")]) == 21
    assert "summary.json" in names and "汇总表.xlsx" in names


def test_every_template_variable_is_supplied(made):
    _, jobs = made
    for job in (jobs[0], jobs[1]):
        tpl = DocxTemplate(str(job.template))
        missing = tpl.get_undeclared_template_variables(context={**job.context, **job.images})
        assert missing == set(), (job.template.name, missing)


@pytest.mark.parametrize("name", ["2024年上半年全省律师行业党建工作情况报告.docx", "分地市/广州市.docx"])
def test_document_text_matches_golden(made, name):
    result, _ = made
    text = doc_text(result.folder / name)
    golden = GOLDEN / (name.replace("/", "_") + ".txt")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_text_reads_like_a_report(made):
    result, _ = made
    text = doc_text(result.folder / "2024年上半年全省律师行业党建工作情况报告.docx")
    assert text.startswith("2024年上半年全省律师行业党建工作情况报告\n")
    for heading in ("一、基本情况", "二、主要做法和成效", "三、存在问题", "四、下半年工作安排", "附件1", "附件2"):
        assert heading in text
    assert "较上年下半年" in text and ("同比" in text or "与上年同期持平" in text)
    assert "{{" not in text and "{%" not in text


def test_hostile_firm_name_renders_intact(made):
    result, _ = made
    text = doc_text(result.folder / "2024年上半年全省律师行业党建工作情况报告.docx")
    assert HOSTILE in text and "& <示范>" in text
    assert "四、下半年工作安排" in text  # nothing after the name was lost
    city = doc_text(result.folder / "分地市/广州市.docx")
    assert HOSTILE in city


def test_fonts_and_page_setup_come_from_the_template_styles(made):
    from docx.shared import Mm

    result, _ = made
    doc = Document(str(result.folder / "2024年上半年全省律师行业党建工作情况报告.docx"))
    section = doc.sections[0]
    assert (
        round(section.top_margin.mm),
        round(section.bottom_margin.mm),
        round(section.left_margin.mm),
        round(section.right_margin.mm),
    ) == (37, 35, 28, 26)
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)

    def east_asia(style_name):
        rfonts = doc.styles[style_name].element.rPr.rFonts
        return rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")

    assert east_asia("公文标题") == "方正小标宋简体" and doc.styles["公文标题"].font.size.pt == 22
    assert east_asia("公文正文") == "仿宋_GB2312" and doc.styles["公文正文"].font.size.pt == 16
    assert east_asia("公文一级标题") == "黑体" and east_asia("公文二级标题") == "楷体_GB2312"
    assert east_asia("公文页码") == "宋体" and doc.styles["公文页码"].font.size.pt == 14
    assert round(doc.styles["公文正文"].paragraph_format.line_spacing.pt, 2) == 28.95
    footer = section.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert 'w:instr=" PAGE "' in footer._p.xml


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_documents_convert_to_pdf(made, tmp_path):
    result, _ = made
    source = result.folder / "2024年上半年全省律师行业党建工作情况报告.docx"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = tmp_path / (source.stem + ".pdf")
    assert pdf.stat().st_size > 20000
