"""The Word reports, read as the office reads them: every template variable supplied, the text for a
fixed sample (golden), GB/T 9704 layout, nothing empty, nothing twice, nothing contradictory, the
one-page notice for a city without returns, the 未报送 / 退回 split, no warning while rendering, and
the files opening in LibreOffice.

Two module-scoped runs of the real path (intake, store, report): `made`, a 120-firm messy sample
with two earlier half-years of other firms (counts not compared) and a hostile name; `office`, the
45-firm case of tests/report_cases.py (a roster, returns sent back, the same firms a year before,
one city whose only return was sent back).

Regenerate the golden texts on purpose only: UPDATE_GOLDEN=1 pytest tests/flows/test_documents.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import warnings
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from openpyxl import load_workbook as ox_load

from flows.documents import plan_documents, write_documents
from flows.setup import load_setup
from rtr.form.periods import Period
from rtr.reporting.metrics import UNKNOWN_CITY
from sample.synthetic import make_sample
from tests.conftest import clean_values, form_bytes
from tests.helpers import drop, in_folder, run_report
from tests.report_cases import OFFICE_CITIES, case_setup, office_case, run_case

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
HOSTILE = "信达&合诚<联合>律师事务所"
PROVINCE_DOC = "2024年上半年全省律师行业党建工作情况报告.docx"
ZERO = re.compile(r"(?<![\d.,])0(家|份|项|人|个)")


def doc_text(path: Path) -> str:
    """Paragraphs and table cells, in order: what a reader sees, not the bytes."""
    doc = Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(c.text for c in row.cells))
    return "\n".join(lines) + "\n"


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def capturing(captured: dict):
    """The documents step, keeping its jobs and every warning raised while rendering."""

    def documents(setup_, data, summary, folder):
        captured.update(setup=setup_, data=data, summary=summary, folder=folder)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            captured["jobs"] = plan_documents(setup_, data, summary, folder)
            written = write_documents(captured["jobs"])
        captured["warnings"] = [str(w.message) for w in caught]
        return written

    return documents


@pytest.fixture(scope="module")
def made(tmp_path_factory, schema):
    tmp = tmp_path_factory.mktemp("docs")
    base = load_setup(ROOT / "config.toml")
    report = base.config.report.model_copy(update={"date": date(2024, 7, 20)})
    setup = in_folder(replace(base, config=replace(base.config, settle_seconds=0, report=report)), tmp)
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
    captured: dict = {}
    result = run_report(setup, Period(2024, 1), documents=capturing(captured))
    return result, captured


@pytest.fixture(scope="module")
def office(tmp_path_factory, schema):
    tmp = tmp_path_factory.mktemp("office")
    setup = case_setup(tmp, OFFICE_CITIES)
    roster = office_case(schema, setup.config.cities, tmp / "inbox")
    captured: dict = {}
    result = run_case(setup, tmp, roster, capturing(captured))
    return result, captured


def documents_of(result) -> dict[str, str]:
    return {p.relative_to(result.folder).as_posix(): doc_text(p) for p in result.documents if p.suffix == ".docx"}


def test_every_document_is_written(made):
    result, _ = made
    names = sorted(p.relative_to(result.folder).as_posix() for p in result.documents)
    assert PROVINCE_DOC in names
    assert "分地市/广州市.docx" in names and "分地市/云浮市.docx" in names
    props = Document(str(result.folder / PROVINCE_DOC)).core_properties  # Word's 信息 pane
    assert props.author == "中共广东省律师行业委员会" and "python-docx" not in (props.comments or "")
    assert props.title.startswith("2024年上半年全省律师行业") and props.created.date() == date(2024, 7, 20)
    assert len([n for n in names if n.startswith("分地市/")]) == 21
    assert "summary.json" in names and "汇总表.xlsx" in names


def test_every_template_variable_is_supplied(made, office):
    jobs = [*made[1]["jobs"], *office[1]["jobs"]]
    by_template = {job.template.name: job for job in jobs}
    assert set(by_template) == {"province_report.docx", "city_report.docx", "city_notice.docx"}
    for job in [*made[1]["jobs"][:2], *office[1]["jobs"][:2], by_template["city_notice.docx"]]:
        tpl = DocxTemplate(str(job.template))
        missing = tpl.get_undeclared_template_variables(context={**job.context, "chart_coverage": 1, "chart_trend": 1})
        assert missing == set(), (job.template.name, job.target.name, missing)


@pytest.mark.parametrize(
    ("fixture", "name"),
    [
        ("made", PROVINCE_DOC),
        ("made", "分地市/广州市.docx"),
        ("office", PROVINCE_DOC),
        ("office", "分地市/韶关市.docx"),
    ],
)
def test_document_text_matches_golden(request, fixture, name):
    result, _ = request.getfixturevalue(fixture)
    text = doc_text(result.folder / name)
    golden = GOLDEN / ((f"{fixture}_" if fixture != "made" else "") + name.replace("/", "_") + ".txt")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_text_reads_like_a_report(made, office):
    for result, _ in (made, office):
        text = doc_text(result.folder / PROVINCE_DOC)
        assert text.startswith("2024年上半年全省律师行业\n党建工作情况报告\n")  # broken by meaning
        for heading in ("一、基本情况", "二、主要做法和成效", "三、存在问题", "四、下半年工作安排", "附件1", "附件2"):
            assert heading in text
        assert "{{" not in text and "{%" not in text
        basics = section(text, "一、基本情况", "二、")
        assert re.search(r"共收到律师事务所2024年上半年党建工作情况半年报表[\d,]+份，采用[\d,]+份", basics)


def test_received_accepted_sent_back_come_first_and_counts_compare_like_for_like(office, made):
    text = doc_text(office[0].folder / PROVINCE_DOC)
    s = office[0].summary
    m = s["metrics"]
    first = section(text, "一、基本情况", "截至2024年6月30日")
    assert f"共收到律师事务所2024年上半年党建工作情况半年报表{m['returns_received']}份，采用{m['firms']}份" in first
    # 应报 = 已采用 + 退回待修改 + 未报送 over the roster, and 报送率 says what it divides
    roster = re.search(
        r"应报律所(\d+)家，其中报表已采用(\d+)家(?:、退回待修改(\d+)家)?(?:、未报送(\d+)家)?，报送率（已采用", first
    )
    assert roster and (int(roster[1]), int(roster[2])) == (m["expected_firms"], m["reported_firms"])
    assert int(roster[1]) == sum(int(g or 0) for g in roster.groups()[1:])
    # and the firms outside the roster that reported, so the 退回待修改 of 三 and 附件3 add up too
    listed = {f.uscc for f in office[1]["setup"].roster}
    outside = {
        x["uscc"] or x["file"] for x in s["submissions"] if x["status"] != "superseded" and x["uscc"] not in listed
    }
    said = re.search(r"另有名录外律所(\d+)家报送了报表", first)
    assert outside and said and int(said[1]) == len(outside)
    assert m["returns_rejected"] == int(roster[3] or 0) + len(outside) - (m["firms"] - m["reported_firms"])
    assert int(roster[4] or 0) == len(
        [f for f in s["missing"] if f["firm_name"] not in {x["firm_name"] for x in s["submissions"]}]
    )
    base = s["changes"]["yoy"]["like_for_like"]["base_firms"]
    assert s["changes"]["yoy"]["basis"] == "like_for_like" and f"同口径计算（均为{base}家）" in first
    lawyers = s["changes"]["yoy"]["like_for_like"]["lawyers"]
    assert f"{lawyers['relative'] * 100:.1f}%" in section(text, "截至2024年6月30日", "从规模看")
    # other firms a year before: no count is compared, and the report says why
    other = doc_text(made[0].folder / PROVINCE_DOC)
    assert made[0].summary["changes"]["yoy"]["basis"] == "totals"
    assert "数量指标不与其比较" in other
    people = section(other, "截至2024年6月30日", "从规模看")
    assert not re.search(r"(执业律师|党员律师)[\d,]+人，(同比|比上年|较上年|与上年)", people)
    assert re.search(r"党员律师占比[\d.]+%，(同比|比上年|较上年|与上年)", people)  # rates compare as rates


def test_no_paragraph_appears_twice(made, office):
    for result, _ in (made, office):
        for name, text in documents_of(result).items():
            paragraphs = [p for p in Document(str(result.folder / name)).paragraphs if len(p.text) > 12]
            seen = [p.text for p in paragraphs]
            assert len(seen) == len(set(seen)), (name, [t for t in seen if seen.count(t) > 1][:2])
            # and no figure flat on both sides said over and over
            assert text.count("均持平") <= 2 and text.count("持平") <= 4, name


ZERO_DONE = re.compile(r"(?<![\d.,])0(家|份|项|人次|人|个|次|件|场)")


def test_no_zero_is_stated_as_something_done(made, office):
    """A small city's report said 召开支部委员会会议0次、开展民主评议党员的律所0家、本期发展党员0人:
    a 0 is left out, or said in words (尚无、未、没有)."""
    for result, _ in (made, office):
        for name, text in documents_of(result).items():
            if "二、主要做法和成效" not in text:
                continue  # the one-page notice
            body = section(text, "一、基本情况", "附件：")
            assert not ZERO_DONE.search(body), (name, body[max(0, ZERO_DONE.search(body).start() - 40) :][:80])
            headings = re.findall(r"（[一二三四五六七八九十]+）", section(text, "二、主要做法和成效", "三、存在问题"))
            assert headings == [f"（{c}）" for c in "一二三四五六七八九十"[: len(headings)]], name  # no gap


def test_problems_are_only_what_exists_and_trace_to_the_summary_workbook(made, office):
    for result, _ in (made, office):
        texts = documents_of(result)
        for name, text in texts.items():
            if "三、存在问题" in text:
                problems = section(text, "三、存在问题", "四、下半年工作安排")
                assert not ZERO.search(problems), (name, ZERO.search(problems))
        text = texts[PROVINCE_DOC]
        problems = section(text, "三、存在问题", "四、下半年工作安排")
        sheet = ox_load(result.folder / "汇总表.xlsx")["全省汇总"]
        rows = {str(r[0].value): r[1].value for r in sheet.iter_rows(min_row=4) if r[0].value}
        # "共N项" only when it says more than the number of returns
        quality = re.search(r"已采用的报表中有([\d,]+)份存在需核实说明的问题(?:，共([\d,]+)项)?", problems)
        assert (quality is not None) == bool(rows["核实性问题（项）"])
        if quality:
            assert int(quality[1].replace(",", "")) == rows["有核实性问题的报表（份）"]
            assert int((quality[2] or quality[1]).replace(",", "")) == rows["核实性问题（项）"]
            assert quality[2] is None or quality[2] != quality[1]
        issues = ox_load(result.folder / "汇总表.xlsx")["审核问题"]
        warned = sum(
            1 for r in issues.iter_rows(min_row=2, values_only=True) if r[4] == "已采用" and r[6] == "核实性审核"
        )
        assert warned == rows["核实性问题（项）"]
        for rule, words in (("W07", "组织生活未达到基本要求"), ("W03", "未建立党组织也未选派党建工作指导员的律所")):
            hit = re.search(rf"有?([\d,]+)家{words}" if rule == "W07" else rf"{words}([\d,]+)家", problems)
            key = next((k for k in rows if k.startswith(rule)), None)
            assert (hit is None) == (key is None), rule
            if hit:
                assert int(hit[1].replace(",", "")) == rows[key]


def test_weakest_cities_are_named(made):
    text = doc_text(made[0].folder / PROVINCE_DOC)
    by_city = made[0].summary["by_city"]
    rated = sorted((m["org_coverage_rate"], c) for c, m in by_city.items() if m["firms"])
    named = re.search(r"党的组织覆盖率较低的地市是(.+?)。", text)[1]
    assert named.startswith(f"{rated[0][1]}（{rated[0][0] * 100:.1f}%）") and named.count("（") <= 3


def test_a_city_without_accepted_returns_gets_a_one_page_notice(office):
    result, _ = office
    notice = doc_text(result.folder / "分地市/韶关市.docx")
    m = result.summary["by_city"]["韶关市"]
    assert m["firms"] == 0 and m["returns_received"] == 1
    assert notice.startswith("2024年上半年韶关市律师事务所\n党建工作情况报表报送情况说明\n")
    head = "共收到韶关市律师事务所2024年上半年党建工作情况半年报表1份，未通过强制性审核（E13 党组织设置不是“未建立”但党员律师数为0）"
    assert head in notice
    back = next(s["firm_name"] for s in result.summary["submissions"] if s["city"] == "韶关市")
    assert f"已退回{back}修改" in notice and "退回的报表修改后重新报送" in notice
    assert f"韶关市应报送半年报表的律师事务所{m['expected_firms']}家" in notice
    # the city gets no 汇总表: the firms that sent nothing are named in the notice itself
    never = [f["firm_name"] for f in result.summary["missing"] if f["city"] == "韶关市"]
    sent = {s["firm_name"] for s in result.summary["submissions"]}
    named = [n for n in never if n not in sent]
    assert named and f"其中尚未报送的{len(named)}家：{'、'.join(named)}。" in notice and "汇总表" not in notice
    assert "省律师行业党委办公室 张敏 020-83838383" in notice and "中共广东省律师行业委员会\n2024年7月20日" in notice
    assert (
        "0家" not in notice
        and "附件" not in notice
        and len(Document(str(result.folder / "分地市/韶关市.docx")).tables) == 0
    )
    province = doc_text(result.folder / PROVINCE_DOC)
    assert "韶关市本期没有采用的报表（韶关市收到的1份报表未通过审核）" in province


def test_skip_leaves_the_empty_city_out(office):
    _, captured = office
    job = next(j for j in captured["jobs"] if j.target.name == "韶关市.docx")
    assert job.template.name == "city_notice.docx"
    setup = captured["setup"]
    skip = replace(
        setup, config=replace(setup.config, report=setup.config.report.model_copy(update={"empty_city": "skip"}))
    )
    jobs = plan_documents(skip, captured["data"], captured["summary"], captured["folder"])
    assert [j.target.name for j in jobs if j.target.parent.name == "分地市"] == [
        f"{c}.docx" for c in OFFICE_CITIES if c != "韶关市"
    ]


def test_unreported_and_sent_back_are_listed_apart(office):
    result, _ = office
    doc = Document(str(result.folder / PROVINCE_DOC))
    text = doc_text(result.folder / PROVINCE_DOC)
    assert "附件3\n未报送和退回待修改律所名单\n未报送的律所（" in text
    unreported, sent_back = doc.tables[-2], doc.tables[-1]
    never = {r.cells[2].text for r in unreported.rows[1:]}
    back = [(r.cells[1].text, r.cells[2].text, r.cells[4].text) for r in sent_back.rows[1:]]
    submitted = {s["firm_name"] for s in result.summary["submissions"]}
    assert never and not never & submitted  # nobody who sent a return is listed as not reporting
    titled = r"E\d\d [^；E]+"  # each rule by id and title: the office reads what to fix
    assert back and all(re.fullmatch(rf"{titled}(；{titled})*", rules) for _, _, rules in back)
    order = [*OFFICE_CITIES, UNKNOWN_CITY]
    assert [order.index(c) for c, _, _ in back] == sorted(order.index(c) for c, _, _ in back)
    rejected = {s["firm_name"] or "（未填写）" for s in result.summary["submissions"] if s["status"] == "rejected"}
    assert {name for _, name, _ in back} <= rejected


def test_highlights_are_distinct_from_firms_without_warnings(made, office):
    for result, captured in (made, office):
        warned = {
            s["firm_name"]
            for s in result.summary["submissions"]
            if s["status"] == "accepted" and any(f["severity"] == "warning" for f in s["findings"])
        }
        for job in captured["jobs"]:
            highlights = job.context.get("highlights", [])
            texts = [h["text"] for h in highlights]
            assert len(texts) == len(set(texts)) and not {h["firm_name"] for h in highlights} & warned
            if highlights:
                text = doc_text(job.target)
                assert f"现摘录{job.context['highlights_count']}例如下" in text
                assert text.count("：") >= len(highlights)
    guangzhou = doc_text(office[0].folder / "分地市/广州市.docx")
    assert "（广州市）" not in section(guangzhou, "（七）特色做法", "三、存在问题")


def test_headings_of_this_run_follow_their_figures(office):
    text = doc_text(office[0].folder / PROVINCE_DOC)
    heading = re.search(r"（二）(.+)。\n(.+)\n", text)
    assert "“一肩挑”" in heading[1]
    said = heading[2]
    if "稳步提高" in heading[1]:
        assert "降低" not in said and "提高" in said
    elif "有所下降" in heading[1]:
        assert "提高" not in said and "降低" in said


def test_rendering_emits_no_warnings(made, office):
    assert made[1]["warnings"] == [] and office[1]["warnings"] == []


def test_hostile_firm_name_renders_intact(made):
    result, _ = made
    text = doc_text(result.folder / PROVINCE_DOC)
    assert HOSTILE in text and "& <示范>" in text
    assert "四、下半年工作安排" in text  # nothing after the name was lost
    city = doc_text(result.folder / "分地市/广州市.docx")
    assert HOSTILE in city


def test_layout_follows_gb_t_9704(office):
    from docx.shared import Mm

    result, _ = office
    doc = Document(str(result.folder / PROVINCE_DOC))
    section_ = doc.sections[0]
    assert (
        round(section_.top_margin.mm),
        round(section_.bottom_margin.mm),
        round(section_.left_margin.mm),
        round(section_.right_margin.mm),
    ) == (37, 35, 28, 26)
    assert abs(section_.page_width - Mm(210)) < Mm(1) and abs(section_.page_height - Mm(297)) < Mm(1)
    grid = section_._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars" and grid.get(qn("w:linePitch")) == "579"
    width_pt = (section_.page_width - section_.left_margin - section_.right_margin) / 12700
    pitch = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    assert int(width_pt / pitch) == 28  # 28 characters a line, not 27
    condensed = doc.styles["公文正文"].element.rPr.find(qn("w:spacing"))
    assert int(width_pt // (16 + int(condensed.get(qn("w:val"))) / 20)) == 28  # the same off the grid

    def east_asia(style_name):
        rfonts = doc.styles[style_name].element.rPr.rFonts
        return rfonts.get(qn("w:eastAsia"))

    assert east_asia("公文标题") == "方正小标宋简体" and doc.styles["公文标题"].font.size.pt == 22
    assert east_asia("公文正文") == "仿宋_GB2312" and doc.styles["公文正文"].font.size.pt == 16
    assert east_asia("公文一级标题") == "黑体" and east_asia("公文二级标题") == "楷体_GB2312"
    assert east_asia("公文页码") == "宋体" and doc.styles["公文页码"].font.size.pt == 14
    assert round(doc.styles["公文正文"].paragraph_format.line_spacing.pt, 2) == 28.95
    footer = section_.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —") and 'w:instr=" PAGE "' in footer._p.xml

    paras = doc.paragraphs
    texts = [p.text for p in paras]
    # 附件说明 after the body with a blank line before; then 署名 and 成文日期; then 附件1 on its own page
    note = texts.index("附件：1.各地市党建工作情况表")
    assert texts[note - 1] == "" and texts[note - 2].startswith("（三）")
    assert texts[note + 1 : note + 3] == ["2.主要指标图表", "3.未报送和退回待修改律所名单"]
    sign = texts.index("中共广东省律师行业委员会")
    assert texts[sign - 1] == "" and texts[sign + 1] == "2024年7月20日" and sign > note
    assert paras[sign].alignment == 2 or paras[sign].style.paragraph_format.alignment == 2  # right
    label = paras[texts.index("附件1")]
    assert east_asia(label.style.name) == "黑体" and not label.style.paragraph_format.first_line_indent
    breaks = [i for i, p in enumerate(paras) if 'w:type="page"' in p._p.xml]
    assert breaks and breaks[0] < texts.index("附件1") and breaks[0] > sign
    # table header rows repeat on every page; widths fill the 156 mm type area
    for table in doc.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        total = sum(int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol")))
        assert abs(total / 1440 * 25.4 - 156) < 1
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert "退回\n待修改" in header and all(len(line) <= 4 for h in header for line in h.split("\n"))


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_documents_convert_to_pdf(office, tmp_path):
    result, _ = office
    sources = [result.folder / PROVINCE_DOC, result.folder / "分地市/韶关市.docx"]
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    report, notice = (tmp_path / (s.stem + ".pdf") for s in sources)
    assert report.stat().st_size > 20000
    pages = len(re.findall(rb"/Type\s*/Page[^s]", notice.read_bytes()))
    assert pages == 1  # the notice is one page
    if shutil.which("pdftotext"):
        lines = subprocess.run(["pdftotext", "-layout", str(report), "-"], capture_output=True, text=True).stdout
        body = [
            line.strip()
            for line in lines.splitlines()
            if re.fullmatch(r"[\u4e00-\u9fff，。、；：“”（）]{20,}", line.strip())
        ]
        assert body and max(len(line) for line in body) == 28  # 28 characters a line in LibreOffice too


def test_summary_json_states_the_comparison(office):
    s = json.loads((office[0].folder / "summary.json").read_text(encoding="utf-8"))
    for kind in ("hoh", "yoy"):
        c = s["changes"][kind]
        assert c["basis"] == "like_for_like" and c["like_for_like"]["base_firms"] > 0
        assert set(c["like_for_like"]) >= {"lawyers", "members", "org_own"}


def test_email_body_states_the_figures_in_the_documents_style():
    from rtr.mail import render_texts

    body = (ROOT / "templates/email_body.txt.j2").read_text(encoding="utf-8")
    common = {"period_label": "2024年上半年", "scope": "珠海市", "documents": ["a.docx"]}
    rates = {"org_coverage_rate": "87.4%", "work_coverage_rate": "99.1%"}
    _, text = render_texts("", body, common | rates | {"firms": 1745})
    assert "采用律所报表 1,745 份，党的组织覆盖率 87.4%" in text
    _, empty = render_texts("", body, common | {"firms": 0, "org_coverage_rate": "—", "work_coverage_rate": "—"})
    assert "没有采用的律所报表，附件为报送情况说明" in empty and "—" not in empty and "0 份" not in empty


def test_the_summary_workbook_lists_by_city_in_the_configured_order_and_adds_up(office):
    result, _ = office
    wb = ox_load(result.folder / "汇总表.xlsx")
    order = [*OFFICE_CITIES, UNKNOWN_CITY]
    for sheet, first in (("审核问题", 2), ("未报送名单", 3)):
        listed = [r[0] for r in wb[sheet].iter_rows(min_row=first, values_only=True) if r[0] in order]
        assert len(set(listed)) >= 3, sheet
        assert [order.index(c) for c in listed] == sorted(order.index(c) for c in listed), sheet
    # 分地市: every city, then （地市不明） for returns without one, adding up to 合计
    rows = list(wb["分地市"].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == [*OFFICE_CITIES, UNKNOWN_CITY, "合计"]
    for col in (1, 2, 3):  # 收到, 采用, 退回待修改
        assert sum(r[col] or 0 for r in rows[:-1]) == rows[-1][col], col
