"""Builds the Word templates (docxtpl: Jinja tags inside real Word documents).

    .venv/bin/python templates/build_templates.py

Run it once to (re)create `province_report.docx` and `city_report.docx`; after that, staff edit the
.docx files in Word (wording, headings, 四、下半年工作安排) and nobody needs to run this again.
Format per GB/T 9704-2012: A4; margins 37/35/28/26 mm; title 22 pt 方正小标宋简体; body 16 pt
仿宋_GB2312 on a 22-line grid; 一、 in 黑体, （一） in 楷体_GB2312; page numbers "— 1 —" in 14 pt 宋体.
Fonts are set in the styles (with w:eastAsia), so every rendered paragraph inherits them.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
LINE = Pt(28.95)  # (297 - 37 - 35) mm of type area / 22 lines
BODY, TITLE, H1, H2, TABLE, PAGE_NO = "公文正文", "公文标题", "公文一级标题", "公文二级标题", "公文表格", "公文页码"
FIGURE = "公文图片"  # no exact line spacing: it would clip an inline picture to one line


def _fonts(style, east: str, ascii_: str = "Times New Roman") -> None:
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), ascii_)
    rfonts.set(qn("w:hAnsi"), ascii_)
    rfonts.set(qn("w:eastAsia"), east)
    rfonts.set(qn("w:cs"), ascii_)


def _style(
    doc,
    name: str,
    east: str,
    size: float,
    *,
    align=None,
    indent: bool = True,
    exact: Pt | None = LINE,
    outline: int | None = None,
):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    _fonts(style, east, "Times New Roman" if east != "宋体" else "宋体")
    style.font.size = Pt(size)
    style.font.bold = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    pf = style.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    if exact is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = exact
    pf.first_line_indent = Pt(2 * size) if indent else Pt(0)
    if align is not None:
        pf.alignment = align
    if outline is not None:
        ppr = style.element.get_or_add_pPr()
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline))
        ppr.append(level)
    return style


def _page_number(paragraph) -> None:
    paragraph.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), " PAGE ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" —")


def new_document() -> Document:
    doc = Document()
    normal = doc.styles["Normal"]
    _fonts(normal, "仿宋_GB2312")
    normal.font.size = Pt(16)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) - Pt(14)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(LINE.pt * 20)))
    _style(doc, BODY, "仿宋_GB2312", 16, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style(doc, TITLE, "方正小标宋简体", 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=Pt(36))
    _style(doc, H1, "黑体", 16, outline=0)
    _style(doc, H2, "楷体_GB2312", 16, outline=1)
    _style(doc, TABLE, "仿宋_GB2312", 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=Pt(16))
    _style(doc, PAGE_NO, "宋体", 14, indent=False, exact=None)
    _style(doc, FIGURE, "仿宋_GB2312", 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=None)
    # odd pages: number on the right, even pages: on the left, each one character in
    doc.settings.odd_and_even_pages_header_footer = True
    odd = section.footer.paragraphs[0]
    odd.style = doc.styles[PAGE_NO]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = Pt(14)
    _page_number(odd)
    even = section.even_page_footer.paragraphs[0]
    even.style = doc.styles[PAGE_NO]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = Pt(14)
    _page_number(even)
    return doc


def _table(doc, heads: list[str], cells: list[str], loop: str, total: list[str] | None = None) -> None:
    """A table whose middle row repeats (docxtpl `{%tr for … %}`)."""
    rows = [
        heads,
        [f"{{%tr for r in {loop} %}}"] + [""] * (len(heads) - 1),
        cells,
        ["{%tr endfor %}"] + [""] * (len(heads) - 1),
    ]
    if total:
        rows.append(total)
    table = doc.add_table(rows=len(rows), cols=len(heads))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # the type area is 156 mm wide: the first column (names) gets more room
    first = 22 if len(heads) > 4 else 30
    widths = [Mm(first)] + [Mm((156 - first) / (len(heads) - 1))] * (len(heads) - 1)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = widths[c]
            cell.paragraphs[0].style = doc.styles[TABLE]
            cell.paragraphs[0].text = value
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def build(city: bool) -> Document:
    doc = new_document()

    def p(text: str, style: str = BODY) -> None:
        doc.add_paragraph(text, style=doc.styles[style])

    p("{{ title }}", TITLE)
    p("")
    if city:
        p(
            "为掌握{{ scope }}律师行业党建工作情况，根据各律师事务所报送的{{ period_label }}党建工作情况半年报表，现将有关情况报告如下。"
        )
    else:
        p(
            "为全面掌握{{ period_label }}{{ province }}律师行业党建工作情况，省律师行业党委对全省律师事务所报送的党建工作情况半年报表进行了汇总分析。现将有关情况报告如下。"
        )
    p("一、基本情况", H1)
    p(
        "截至{{ period_end }}，{{ scope }}共有{{ m.firms }}家律师事务所报送了半年报表{{ chg.firms }}。{%if has_roster %}名录内应报{{ m.expected_firms }}家，已报{{ m.reported_firms }}家，报送率{{ p.report_rate }}。{%endif %}报送律所共有执业律师{{ m.lawyers }}人{{ chg.lawyers }}，其中党员律师{{ m.members }}人{{ chg.members }}，党员律师占比{{ p.member_share }}{{ chg.member_share }}；合伙人{{ m.partners }}人，其中党员合伙人{{ m.member_partners }}人，占{{ p.member_partner_share }}。"
    )
    p(
        "从规模看，10人以下律所{{ m.size_le10 }}家，11—20人律所{{ m.size_11_20 }}家，21—50人律所{{ m.size_21_50 }}家，51—100人律所{{ m.size_51_100 }}家，100人以上律所{{ m.size_gt100 }}家。有党员的律所{{ m.firms_with_members }}家，无党员的律所{{ m.firms_no_members }}家，正式党员3人以上的律所{{ m.firms_3plus }}家。"
    )
    p(
        "党组织设置方面，单独建立党组织的律所{{ m.org_own }}家{{ chg.org_own }}，其中党委{{ m.org_committee }}家、党总支{{ m.org_general_branch }}家、党支部{{ m.org_single_branch }}家，单独组建率{{ p.own_org_rate }}{{ chg.own_org_rate }}；由联合党支部覆盖的律所{{ m.org_joint }}家；尚未建立党组织的律所{{ m.org_none }}家，其中已选派党建工作指导员的{{ m.instructor_firms }}家。党的组织覆盖率{{ p.org_coverage_rate }}{{ chg.org_coverage_rate }}，有党员律所的组织覆盖率{{ p.member_firm_coverage_rate }}，党的工作覆盖率{{ p.work_coverage_rate }}{{ chg.work_coverage_rate }}，应建尽建率{{ p.should_build_rate }}。"
    )
    p("二、主要做法和成效", H1)
    p("（一）“三进”工作持续深化。", H2)
    p(
        "党建工作写入律所章程的律所{{ m.charter_firms }}家{{ chg.charter_firms }}，占{{ p.charter_rate }}；党组织书记进入律所管理层的{{ m.secretary_in_management_firms }}家，占单独建立党组织律所的{{ p.secretary_in_management_rate }}{{ chg.secretary_in_management_rate }}；党建工作经费列入律所预算的{{ m.funds_in_budget_firms }}家，占{{ p.funds_in_budget_rate }}{{ chg.funds_in_budget_rate }}，本期党建工作经费共{{ m.funds }}万元。"
    )
    p("（二）“一肩挑”比例稳步提高。", H2)
    p(
        "单独建立党组织的律所中，党组织书记由律所主任担任的{{ m.yijiantiao_firms }}家{{ chg.yijiantiao_firms }}，“一肩挑”比例{{ p.yijiantiao_rate }}{{ chg.yijiantiao_rate }}。"
    )
    p("（三）组织生活规范开展。", H2)
    p(
        "召开支部党员大会{{ m.member_meetings }}次、支部委员会会议{{ m.committee_meetings }}次、党小组会{{ m.group_meetings }}次，讲党课{{ m.party_lectures }}次{{ chg.party_lectures }}，开展主题党日活动{{ m.theme_days }}次{{ chg.theme_days }}，党员教育培训{{ m.training }}人次；开展民主评议党员的律所{{ m.appraisal_firms }}家。建有示范党员活动场所{{ m.venue_demo }}个、标准场所{{ m.venue_standard }}个。"
    )
    p("（四）党员发展稳步推进。", H2)
    p(
        "本期发展党员{{ m.new_members }}人{{ chg.new_members }}，现有入党积极分子{{ m.activists }}人，递交入党申请书{{ m.applicants }}人，预备党员{{ m.probationary }}人。"
    )
    p("（五）服务大局成效明显。", H2)
    p(
        "办理法律援助案件{{ m.legal_aid }}件{{ chg.legal_aid }}，其中党员律师办理{{ m.legal_aid_by_members }}件；开展公益法律服务活动{{ m.pro_bono }}次，提供公益法律咨询{{ m.consultations }}人次；担任村（社区）法律顾问{{ m.village_advisers }}个、党政机关法律顾问{{ m.gov_advisers }}家，为企业开展“法律体检”{{ m.enterprise_checkups }}家，参与信访接待和矛盾纠纷调处{{ m.petitions }}件，开展法治宣讲{{ m.lectures }}场。"
    )
    p("（六）行风建设持续加强。", H2)
    p(
        "报送律所办理各类案件{{ m.cases }}件，实现业务收入{{ m.revenue }}万元。受到投诉{{ m.complaints }}件{{ chg.complaints }}，受到行业处分或行政处罚{{ m.sanctions }}人次{{ chg.sanctions }}。"
    )
    p("（七）特色做法。", H2)
    p("{%p if highlights %}")
    p("各律所结合实际探索形成了一批特色做法，摘录如下：")
    p("{%p for h in highlights %}")
    p("{{ loop.index }}. {{ h.firm_name }}（{{ h.city }}）：{{ h.text }}")
    p("{%p endfor %}")
    p("{%p else %}")
    p("本期报表中未填报特色做法。")
    p("{%p endif %}")
    p("三、存在问题", H1)
    p(
        "一是组织覆盖仍有短板。正式党员3人以上但未单独建立党组织的律所{{ w.W01 }}家，有党员但尚未建立党组织的律所{{ w.W02 }}家，未建立党组织也未选派党建工作指导员的律所{{ w.W03 }}家。"
    )
    p(
        "二是组织生活不够规范。单独建立党组织的律所中，有{{ w.W07 }}家未达到“三会一课”基本要求；{{ w.W04 }}家由联合党支部覆盖的律所未填写所在联合党支部。"
    )
    p(
        "三是报表质量有待提高。本期共收到报表{{ received }}份，其中{{ rejected }}份因不符合强制性审核要求被退回修改，需各律所核实说明的问题{{ w.W05 + w.W06 + w.W08 + w.W09 + w.W10 + w.W11 }}项。"
    )
    p("{%p if problem_quotes %}")
    p("律所反映的主要困难有：")
    p("{%p for q in problem_quotes %}")
    p("——{{ q }}")
    p("{%p endfor %}")
    p("{%p endif %}")
    p("四、下半年工作安排", H1)
    p(
        "（一）持续推进党的组织和工作全覆盖。对正式党员3人以上尚未单独建立党组织的律所逐一督促落实，对暂不具备条件的律所全部选派党建工作指导员。"
    )
    p("（二）严格规范组织生活。督促各律所党组织落实“三会一课”、主题党日、民主评议党员等制度。")
    p("（三）提高报表质量。各地要指导律所按时、准确填报，对退回的报表督促及时修改重报。")
    p("附件：1. {{ '各区县' if scope != '全省' else '各地市' }}党建工作情况表")
    p("      2. 主要指标图表")
    p("{%p if has_roster %}")
    p("      3. 未报送律所名单")
    p("{%p endif %}")
    doc.add_page_break()
    p("附件1", H1)
    p("{{ '各区县' if scope != '全省' else '各地市' }}党建工作情况表（{{ period_label }}）", TITLE)
    _table(
        doc,
        [
            "区县" if city else "地市",
            "报送律所",
            "执业律师",
            "党员律师",
            "党员占比",
            "单独建党组织",
            "单独组建率",
            "组织覆盖率",
            "工作覆盖率",
            "报送率",
        ],
        [
            "{{ r.name }}",
            "{{ r.firms }}",
            "{{ r.lawyers }}",
            "{{ r.members }}",
            "{{ r.member_share }}",
            "{{ r.org_own }}",
            "{{ r.own_org_rate }}",
            "{{ r.org_coverage_rate }}",
            "{{ r.work_coverage_rate }}",
            "{{ r.report_rate }}",
        ],
        "rows",
        [
            "{{ total.name }}",
            "{{ total.firms }}",
            "{{ total.lawyers }}",
            "{{ total.members }}",
            "{{ total.member_share }}",
            "{{ total.org_own }}",
            "{{ total.own_org_rate }}",
            "{{ total.org_coverage_rate }}",
            "{{ total.work_coverage_rate }}",
            "{{ total.report_rate }}",
        ],
    )
    doc.add_page_break()
    p("附件2", H1)
    p("主要指标图表", TITLE)
    p("{{ chart_coverage }}", FIGURE)
    p("{{ chart_trend }}", FIGURE)
    p("{%p if has_roster %}")
    doc.add_page_break()
    p("附件3", H1)
    p("未报送律所名单", TITLE)
    _table(
        doc,
        ["序号", "地市", "律所名称", "统一社会信用代码"],
        ["{{ loop.index }}", "{{ r.city }}", "{{ r.firm_name }}", "{{ r.uscc }}"],
        "missing",
    )
    p("{%p endif %}")
    return doc


if __name__ == "__main__":
    for name, city in (("province_report.docx", False), ("city_report.docx", True)):
        build(city).save(HERE / name)
        print(HERE / name)
