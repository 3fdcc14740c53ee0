"""Builds the Word templates (docxtpl: Jinja tags inside real Word documents).

    .venv/bin/python templates/build_templates.py

Run it once to (re)create `province_report.docx`, `city_report.docx` and `city_notice.docx`; after
that, staff edit the .docx files in Word (wording, headings, 四、下半年工作安排) and nobody needs to
run this again. Format per GB/T 9704-2012: A4; margins 37/35/28/26 mm; a grid of 22 lines of 28
characters (docGrid linesAndChars); title 22 pt 方正小标宋简体 in two lines broken by meaning; body
16 pt 仿宋_GB2312; 一、 in 黑体, （一） in 楷体_GB2312; 附件说明 after the body, then 发文机关署名 and
成文日期; "附件1" flush left in 黑体 on a page of its own; tables whose header row repeats on every
page; page numbers "— 1 —" in 14 pt 宋体. Fonts are set in the styles (with w:eastAsia), so every
rendered paragraph inherits them.

Each heading of 二、主要做法和成效 holds its words for rising, flat and falling figures (and words
with no trend for a report without history); the context says which apply (`trend.*`, `org_life`).
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
LINE_PITCH = 579  # the same in twips, for the grid
# 28 characters in the 156 mm type area: the pitch is the 16 pt default size plus charSpace/4096 pt;
# 156 mm / 28 = 15.793 pt, so charSpace ≤ (15.793 − 16) × 4096 = −848 (−842 would give 27 a line).
# That is the page's grid (Word's 页面设置 shows 28 × 22). Word squeezes a 16 pt character into its
# 15.79 pt cell, but LibreOffice gives a character wider than its cell two cells (14–18 a line), so
# the text styles step off the character grid and are condensed by 0.5 pt instead: 28 × 15.5 pt fit
# the line and 29 do not, in Word, WPS and LibreOffice alike. Lines stay on the 28.95 pt pitch.
CHAR_SPACE = -848
CONDENSE = -10  # twips: 0.5 pt
BODY, TITLE, H1, H2, TABLE, PAGE_NO = "公文正文", "公文标题", "公文一级标题", "公文二级标题", "公文表格", "公文页码"
FIGURE, CAPTION, ATTACH_LABEL = "公文图片", "公文图题", "公文附件标识"
ATTACH_NOTE, ATTACH_MORE, SIGN, LIST_HEAD = "公文附件说明", "公文附件说明续行", "公文署名", "公文表前说明"
KEEP = "公文正文（与下段同页）"  # the last lines of the body go with the 附件说明 and 署名: no page of only a signature
CHAR = 16  # pt: one character of the body


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


def _no_grid(style) -> None:
    """Off the character grid: tables, pictures and the title keep their own spacing."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    style.element.get_or_add_pPr().append(snap)


def _style(
    doc,
    name: str,
    east: str,
    size: float,
    *,
    align=None,
    indent: float = 2,
    left: float = 0,
    exact: Pt | None = LINE,
    outline: int | None = None,
    grid: bool = True,
    keep_next: bool = False,
    condense: bool = False,
):
    """`indent` and `left` in characters of the body (16 pt); `condense`: 28 to a line (CONDENSE)."""
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    _fonts(style, east, "Times New Roman" if east != "宋体" else "宋体")
    style.font.size = Pt(size)
    style.font.bold = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    pf = style.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.widow_control = True
    if exact is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = exact
    pf.first_line_indent = Pt(indent * CHAR)
    pf.left_indent = Pt(left * CHAR)
    pf.keep_with_next = keep_next
    if align is not None:
        pf.alignment = align
    if outline is not None:
        ppr = style.element.get_or_add_pPr()
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline))
        ppr.append(level)
    if not grid or condense:
        _no_grid(style)
    if condense:
        spacing = OxmlElement("w:spacing")  # before w:sz, where the schema has it
        spacing.set(qn("w:val"), str(CONDENSE))
        style.element.rPr.find(qn("w:sz")).addprevious(spacing)
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


def _defaults(doc) -> None:
    """docDefaults at 16 pt with no spacing: the grid's pitch is computed from the default size."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(CHAR * 2))
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")


def new_document() -> Document:
    doc = Document()
    _defaults(doc)
    normal = doc.styles["Normal"]
    _fonts(normal, "仿宋_GB2312")
    normal.font.size = Pt(CHAR)
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
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))
    _style(doc, BODY, "仿宋_GB2312", 16, align=WD_ALIGN_PARAGRAPH.JUSTIFY, condense=True)
    _style(doc, KEEP, "仿宋_GB2312", 16, align=WD_ALIGN_PARAGRAPH.JUSTIFY, condense=True, keep_next=True)
    _style(doc, TITLE, "方正小标宋简体", 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=Pt(36), grid=False)
    _style(doc, H1, "黑体", 16, outline=0, keep_next=True, condense=True)
    _style(doc, H2, "楷体_GB2312", 16, outline=1, keep_next=True, condense=True)
    _style(doc, TABLE, "仿宋_GB2312", 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=Pt(17), grid=False)
    _style(doc, PAGE_NO, "宋体", 14, indent=0, exact=None, grid=False)
    _style(doc, FIGURE, "仿宋_GB2312", 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=None, grid=False)
    _style(doc, CAPTION, "黑体", 12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=Pt(24), grid=False)
    _style(doc, ATTACH_LABEL, "黑体", 16, indent=0, condense=True)
    _style(
        doc, ATTACH_NOTE, "仿宋_GB2312", 16, indent=-3, left=5, condense=True, keep_next=True
    )  # 附件：1.… with later lines under its name
    _style(doc, ATTACH_MORE, "仿宋_GB2312", 16, indent=0, left=5, condense=True, keep_next=True)
    _style(doc, SIGN, "仿宋_GB2312", 16, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=0, condense=True)
    _style(doc, LIST_HEAD, "黑体", 14, indent=0, exact=Pt(28), keep_next=True)
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


def _set_text(paragraph, text: str, bold: bool = False) -> None:
    """Text with explicit line breaks at "\\n" (a header broken by meaning, never mid-word)."""
    paragraph.text = ""
    for i, line in enumerate(text.split("\n")):
        run = paragraph.add_run(line)
        run.bold = bold
        if i < len(text.split("\n")) - 1:
            run.add_break()


def _cell_margins(table, mm: float = 0.8) -> None:
    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(round(mm / 25.4 * 1440)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)


def _row_flags(row, header: bool) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    if header:
        flag = OxmlElement("w:tblHeader")  # repeats at the top of every page the table runs onto
        tr_pr.append(flag)
    keep = OxmlElement("w:cantSplit")
    tr_pr.append(keep)


def _table(doc, columns: list[tuple[str, str, float]], loop: str, total: list[str] | None = None) -> None:
    """A table whose middle row repeats (docxtpl `{%tr for … %}`). `columns`: (header, cell, width
    in mm); widths fit their content and add up to the 156 mm type area."""
    heads = [c[0] for c in columns]
    rows = [
        heads,
        [f"{{%tr for r in {loop} %}}"] + [""] * (len(heads) - 1),
        [c[1] for c in columns],
        ["{%tr endfor %}"] + [""] * (len(heads) - 1),
    ]
    if total:
        rows.append(total)
    table = doc.add_table(rows=len(rows), cols=len(heads))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _cell_margins(table)
    for r, values in enumerate(rows):
        _row_flags(table.rows[r], header=r == 0)
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = Mm(columns[c][2])
            cell.paragraphs[0].style = doc.styles[TABLE]
            _set_text(cell.paragraphs[0], value, bold=r == 0 or (total is not None and r == len(rows) - 1))
    grid = table._tbl.tblGrid
    for col, (_, _, width) in zip(grid.findall(qn("w:gridCol")), columns, strict=True):
        col.set(qn("w:w"), str(round(width / 25.4 * 1440)))


def _signature(doc) -> None:
    """发文机关署名 and 成文日期 (GB/T 9704-2012 7.3.5.2), their right indents from the context."""
    for text, key in (("{{ issuer }}", "issuer_right"), ("{{ date }}", "date_right")):
        paragraph = doc.add_paragraph(text, style=doc.styles[SIGN])
        paragraph.paragraph_format.keep_with_next = key == "issuer_right"
        ind = OxmlElement("w:ind")
        ind.set(qn("w:right"), f"{{{{ sign.{key} }}}}")
        paragraph._p.get_or_add_pPr().append(ind)


PROVINCE_TABLE = [
    ("地市", "{{ r.name }}", 16),
    ("采用\n报表", "{{ r.firms }}", 13.5),
    ("退回\n待修改", "{{ r.rejected }}", 14),
    ("执业\n律师", "{{ r.lawyers }}", 15),
    ("党员\n律师", "{{ r.members }}", 14),
    ("党员\n占比", "{{ r.member_share }}", 14.5),
    ("单独建立\n党组织", "{{ r.org_own }}", 17),
    ("单独\n组建率", "{{ r.own_org_rate }}", 17),
    ("组织\n覆盖率", "{{ r.org_coverage_rate }}", 17),
    ("工作\n覆盖率", "{{ r.work_coverage_rate }}", 18),
]
PROVINCE_ROSTER_TABLE = [
    ("地市", "{{ r.name }}", 16),
    ("应报", "{{ r.expected_firms }}", 13.5),
    ("采用", "{{ r.firms }}", 13.5),
    ("报送率", "{{ r.report_rate }}", 16),
    ("退回\n待修改", "{{ r.rejected }}", 14),
    ("执业\n律师", "{{ r.lawyers }}", 15),
    ("党员\n律师", "{{ r.members }}", 14),
    ("党员\n占比", "{{ r.member_share }}", 15),
    ("组织\n覆盖率", "{{ r.org_coverage_rate }}", 19.5),
    ("工作\n覆盖率", "{{ r.work_coverage_rate }}", 19.5),
]
CITY_TABLE = [
    ("区县", "{{ r.name }}", 24),
    ("采用\n报表", "{{ r.firms }}", 14),
    ("执业\n律师", "{{ r.lawyers }}", 15),
    ("党员\n律师", "{{ r.members }}", 14),
    ("党员\n占比", "{{ r.member_share }}", 15),
    ("单独建立\n党组织", "{{ r.org_own }}", 18),
    ("单独\n组建率", "{{ r.own_org_rate }}", 18),
    ("组织\n覆盖率", "{{ r.org_coverage_rate }}", 19),
    ("工作\n覆盖率", "{{ r.work_coverage_rate }}", 19),
]
UNREPORTED_TABLE = [
    ("序号", "{{ loop.index }}", 12),
    ("地市", "{{ r.city }}", 22),
    ("律所名称", "{{ r.firm_name }}", 74),
    ("统一社会信用代码", "{{ r.uscc }}", 48),
]
SENT_BACK_TABLE = [
    ("序号", "{{ loop.index }}", 10),
    ("地市", "{{ r.city }}", 22),
    ("律所名称", "{{ r.firm_name }}", 44),
    ("统一社会信用代码", "{{ r.uscc }}", 46),
    ("退回原因", "{{ r.rules }}", 34),
]


def _total(columns: list[tuple[str, str, float]]) -> list[str]:
    return [c[1].replace("r.", "total.") for c in columns]


HEADINGS = {
    # (heading variable, words by direction, words without a trend)
    "sanjin": (
        "trend.sanjin",
        {"up": "“三进”工作持续深化", "flat": "“三进”工作保持稳定", "down": "“三进”工作有所弱化"},
        "“三进”工作开展情况",
    ),
    "yijiantiao": (
        "trend.yijiantiao",
        {"up": "“一肩挑”比例稳步提高", "flat": "“一肩挑”比例保持稳定", "down": "“一肩挑”比例有所下降"},
        "推行“一肩挑”",
    ),
    "development": (
        "trend.development",
        {"up": "党员发展稳步推进", "flat": "党员发展保持平稳", "down": "党员发展有所放缓"},
        "做好党员发展工作",
    ),
    "service": (
        "trend.service",
        {"up": "服务大局成效明显", "flat": "服务大局工作保持平稳", "down": "服务大局工作量有所减少"},
        "积极服务大局",
    ),
    # complaints and sanctions: fewer is progress
    "conduct": (
        "trend.conduct",
        {"down": "行风建设持续加强", "flat": "行风建设总体平稳", "up": "行风建设仍需加强"},
        "加强行风建设",
    ),
}


def _choice(variable: str, words: dict[str, str], otherwise: str) -> str:
    """`{% if v == 'up' %}…{% elif … %}…{% else %}…{% endif %}`: the words chosen by the context."""
    branches = [
        f"{{% {'if' if i == 0 else 'elif'} {variable} == '{way}' %}}{text}"
        for i, (way, text) in enumerate(words.items())
    ]
    return "".join(branches) + f"{{% else %}}{otherwise}{{% endif %}}"


def build(city: bool) -> Document:
    doc = new_document()

    def p(text: str, style: str = BODY) -> None:
        doc.add_paragraph(text, style=doc.styles[style])

    p("{{ title_lines[0] }}", TITLE)
    p("{{ title_lines[1] }}", TITLE)
    p("")
    if city:
        p(
            "为掌握{{ period_label }}{{ scope }}律师行业党建工作情况，现根据{{ scope }}各律师事务所报送的党建工作情况半年报表，将有关情况报告如下。"
        )
    else:
        p(
            "为全面掌握{{ period_label }}{{ province }}律师行业党建工作情况，省律师行业党委对全省律师事务所报送的党建工作情况半年报表进行了汇总分析。现将有关情况报告如下。"
        )
    p("一、基本情况", H1)
    p(
        "截至{{ date }}，{{ scope }}共收到律师事务所{{ period_label }}党建工作情况半年报表{{ r.received }}份，采用{{ r.accepted }}份"
        "{% if n.rejected_returns %}，因不符合强制性审核要求退回待修改{{ r.rejected }}份{% endif %}"
        "{% if n.returns_other %}，另有{{ r.other }}份为同一律所重复报送或已被更正替代的报表{% endif %}。"
        "{% if has_roster %}按律所名录，应报律所{{ m.expected_firms }}家，其中报表已采用{{ m.reported_firms }}家"
        "{% if n.roster_rejected %}、退回待修改{{ r.roster_rejected }}家{% endif %}{% if n.unreported %}、未报送{{ r.unreported }}家{% endif %}，"
        "报送率（已采用的律所占应报律所的比例）{{ p.report_rate }}{% if n.outside %}；另有名录外律所{{ r.outside }}家报送了报表{% endif %}。{% endif %}"
        "{{ empty_note }}{{ compare_note }}"
    )
    p(
        "截至{{ period_end }}，采用报表的律所共有执业律师{{ m.lawyers }}人{{ chg.lawyers }}，"
        "{% if n.members %}其中党员律师{{ m.members }}人{{ chg.members }}，党员律师占比{{ p.member_share }}{{ chg.member_share }}{% else %}尚无党员律师{% endif %}。"
        "{% if n.members_elsewhere %}党员律师中，组织关系不在本所的有{{ m.members_elsewhere }}人。{% endif %}"
        "{% if n.partners %}合伙人{{ m.partners }}人，其中党员合伙人{{ m.member_partners }}人，占{{ p.member_partner_share }}。{% endif %}"
    )
    p(
        "从规模看，{{ size_text }}。{% if n.small_medium_firms == n.firms %}采用报表的律所均为执业律师{{ small_medium_max }}人以下的中小律所。{% else %}"
        "执业律师{{ small_medium_max }}人以下的中小律所{{ m.small_medium_firms }}家，占{{ p.small_medium_share }}，党的组织覆盖率{{ p.small_medium_coverage_rate }}"
        "{% if small_vs_larger == 'lower' %}，比其他律所（{{ p.larger_coverage_rate }}）低{{ gap.small_vs_larger }}个百分点"
        "{% elif small_vs_larger == 'higher' %}，比其他律所（{{ p.larger_coverage_rate }}）高{{ gap.small_vs_larger }}个百分点"
        "{% elif small_vs_larger == 'same' %}，与其他律所持平{% endif %}。{% endif %}"
        "本期报送律所办理各类案件{{ m.cases }}件，实现业务收入{{ m.revenue }}。"
    )
    p(
        "党组织设置方面，{% if n.org_own %}单独建立党组织的律所{{ m.org_own }}家{% if org_text %}（{{ org_text }}）{% endif %}{{ chg.org_own }}，单独组建率{{ p.own_org_rate }}{{ chg.own_org_rate }}"
        "{% else %}尚无单独建立党组织的律所{% endif %}；"
        "{% if n.org_joint %}由联合党支部覆盖的律所{{ m.org_joint }}家{{ chg.org_joint }}；{% endif %}"
        "{% if n.org_none %}尚未建立党组织的律所{{ m.org_none }}家"
        "{% if n.instructor_firms == n.org_none %}，{% if n.org_none > 1 %}均{% endif %}已选派党建工作指导员{% elif n.instructor_firms %}，其中已选派党建工作指导员的{{ m.instructor_firms }}家{% else %}，{% if n.org_none > 1 %}均{% endif %}未选派党建工作指导员{% endif %}"
        "{% else %}各律所均已建立党组织或由联合党支部覆盖{% endif %}。"
        "党的组织覆盖率{{ p.org_coverage_rate }}{{ chg.org_coverage_rate }}；党的工作覆盖率{{ p.work_coverage_rate }}{{ chg.work_coverage_rate }}。"
        "{% if n.firms_3plus %}正式党员{{ threshold }}人以上的律所{{ m.firms_3plus }}家，其中已单独建立党组织的占{{ p.should_build_rate }}。{% endif %}"
    )
    p("二、主要做法和成效", H1)
    # Sections number themselves (sec): one with nothing to report (no firm with its own
    # organisation: no 一肩挑) is left out. A figure that is 0 is not listed as something done:
    # `[n.x and '…%s…' % m.x, …]|select|join('、')` keeps the parts that are not 0.
    # Inside a tag docxtpl turns “” into "": the context's q holds them.
    p("{%p set sec = namespace(i=0) %}")
    p(f"（{{% set sec.i = sec.i + 1 %}}{{{{ cn[sec.i] }}}}）{_choice(*HEADINGS['sanjin'])}。", H2)
    p(
        "{% if n.charter_firms %}党建工作写入律所章程的律所{{ m.charter_firms }}家，占{{ p.charter_rate }}{{ chg.charter_rate }}{% else %}尚无律所将党建工作写入章程{% endif %}；"
        "{% if n.org_own %}{% if n.secretary_in_management_firms %}党组织书记进入律所管理层的{{ m.secretary_in_management_firms }}家，占单独建立党组织律所的{{ p.secretary_in_management_rate }}{{ chg.secretary_in_management_rate }}"
        "{% else %}党组织书记均未进入律所管理层{% endif %}；{% endif %}"
        "{% if n.funds_in_budget_firms %}党建工作经费列入律所预算的{{ m.funds_in_budget_firms }}家，占{{ p.funds_in_budget_rate }}{{ chg.funds_in_budget_rate }}{% else %}尚无律所将党建工作经费列入预算{% endif %}。"
        "{% if n.funds %}本期党建工作经费共{{ m.funds }}。{% endif %}"
    )
    p("{%p if n.org_own %}")
    p(f"（{{% set sec.i = sec.i + 1 %}}{{{{ cn[sec.i] }}}}）{_choice(*HEADINGS['yijiantiao'])}。", H2)
    p(
        "单独建立党组织的律所中，{% if n.yijiantiao_firms %}党组织书记由律所主任担任的{{ m.yijiantiao_firms }}家，“一肩挑”比例{{ p.yijiantiao_rate }}{{ chg.yijiantiao_rate }}"
        "{% else %}尚无党组织书记由律所主任担任的{% endif %}。"
    )
    p("{%p endif %}")
    p(
        "（{% set sec.i = sec.i + 1 %}{{ cn[sec.i] }}）{% if org_life == 'good' %}组织生活规范开展{% else %}组织生活有序开展{% endif %}。",
        H2,
    )
    p(
        "{% set meetings = [n.member_meetings and '支部党员大会%s次' % m.member_meetings, n.committee_meetings and '支部委员会会议%s次' % m.committee_meetings, n.group_meetings and '党小组会%s次' % m.group_meetings]|select|join('、') %}"
        "{% set life = [meetings and '召开' ~ meetings, n.party_lectures and '讲党课%s次%s' % (m.party_lectures, chg.party_lectures), n.theme_days and '开展主题党日活动%s次%s' % (m.theme_days, chg.theme_days), n.training and '党员教育培训%s人次' % m.training, n.appraisal_firms and '开展民主评议党员的律所%s家' % m.appraisal_firms]|select|join('，') %}"
        "{% set venues = [n.venue_demo and '示范党员活动场所的律所%s家' % m.venue_demo, n.venue_standard and '标准党员活动场所的律所%s家' % m.venue_standard]|select|join('、') %}"
        "{% if life %}{{ life }}。{% else %}本期采用的报表未填报组织生活开展情况。{% endif %}"
        "{% if venues %}建有{{ venues }}。{% endif %}"
        "{% if org_life == 'weak' %}各党组织落实“三会一课”、主题党日等制度还不平衡。{% endif %}"
    )
    p(f"（{{% set sec.i = sec.i + 1 %}}{{{{ cn[sec.i] }}}}）{_choice(*HEADINGS['development'])}。", H2)
    p(
        "{% set pipeline = [n.probationary and '预备党员%s人' % m.probationary, n.activists and '入党积极分子%s人' % m.activists]|select|join('、') %}"
        "{% if n.new_members %}本期发展党员{{ m.new_members }}人{{ chg.new_members }}{% else %}本期未发展党员{{ chg.new_members }}{% endif %}"
        "{% if pipeline %}，现有{{ pipeline }}{% endif %}{% if n.applicants %}，递交入党申请书的{{ m.applicants }}人{% endif %}。"
    )
    p(f"（{{% set sec.i = sec.i + 1 %}}{{{{ cn[sec.i] }}}}）{_choice(*HEADINGS['service'])}。", H2)
    p(
        "{% set aid = [n.legal_aid and '办理法律援助案件%s件%s' % (m.legal_aid, chg.legal_aid) ~ ('，其中党员律师办理%s件' % m.legal_aid_by_members if n.legal_aid_by_members else ''), n.pro_bono and '开展公益法律服务活动%s次%s' % (m.pro_bono, chg.pro_bono), n.consultations and '提供公益法律咨询%s人次' % m.consultations]|select|join('，') %}"
        "{% set advice = [n.village_advisers and '担任村（社区）法律顾问%s个' % m.village_advisers, n.gov_advisers and '担任党政机关法律顾问%s家' % m.gov_advisers, n.enterprise_checkups and '为企业开展%s法律体检%s%s家' % (q[0], q[1], m.enterprise_checkups), n.petitions and '参与信访接待和矛盾纠纷调处%s件' % m.petitions, n.lectures and '开展法治宣讲%s场' % m.lectures]|select|join('，') %}"
        "{% set service = [aid, advice]|select|join('；') %}"
        "{% if service %}{{ service }}。{% else %}本期采用的报表未填报服务大局情况。{% endif %}"
    )
    p(f"（{{% set sec.i = sec.i + 1 %}}{{{{ cn[sec.i] }}}}）{_choice(*HEADINGS['conduct'])}。", H2)
    p(
        "{% if n.complaints %}本期报送律所受到投诉{{ m.complaints }}件{{ chg.complaints }}{% else %}本期报送律所未受到投诉{{ chg.complaints }}{% endif %}，"
        "{% if n.sanctions %}律师受到行业处分或行政处罚{{ m.sanctions }}人次{{ chg.sanctions }}{% else %}没有律师受到行业处分或行政处罚{% endif %}。"
    )
    p("{%p if highlights %}")
    p("（{% set sec.i = sec.i + 1 %}{{ cn[sec.i] }}）特色做法。", H2)
    p("各律所结合实际探索形成了一批特色做法，现摘录{{ highlights_count }}例如下。", KEEP)
    p("{%p for h in highlights %}")
    p("{{ loop.index }}. {{ h.firm_name }}{% if h.place %}（{{ h.place }}）{% endif %}：{{ h.text }}")
    p("{%p endfor %}")
    p("{%p endif %}")
    p("三、存在问题", H1)
    p("{%p for q in problems %}")
    p("{{ q.ordinal }}{{ q.title }}。{{ q.text }}")
    p("{%p endfor %}")
    p("{%p if problem_quotes %}")
    p("律所反映的主要困难有：", KEEP)
    p("{%p for q in problem_quotes %}")
    p("——{{ q }}")
    p("{%p endfor %}")
    p("{%p endif %}")
    p("{%p if not problems and not problem_quotes %}")
    p("本期报表未反映出突出问题。")
    p("{%p endif %}")
    p("四、下半年工作安排", H1)
    # the plan says what this half-year's figures call for (w: warnings by rule)
    p(
        "（一）持续推进党的组织和工作全覆盖。"
        "{% if w.W01 %}对正式党员{{ threshold }}人以上尚未单独建立党组织的律所逐一督促落实{% elif n.org_own %}巩固单独组建成果{% else %}推动具备条件的律所单独建立党组织{% endif %}，"
        "{% if w.W03 %}对暂不具备建立党组织条件的律所全部选派党建工作指导员{% elif n.org_joint %}推动联合党支部规范运行{% else %}对新设立的律所及时跟进党的组织和工作覆盖{% endif %}。"
    )
    p(
        "（二）严格规范组织生活。{% if w.W07 %}对组织生活未达到基本要求的{{ w.W07 }}家律所党组织加强督促指导，{% endif %}"
        "督促各律所党组织落实“三会一课”、主题党日、民主评议党员等制度。"
    )
    p(
        "（三）提高报表质量。{% if is_province %}各地要指导{% else %}指导{% endif %}律所按时、准确填报"
        "{% if n.rejected_returns %}，对退回的报表督促及时修改重报{% endif %}{% if n.unreported %}，督促未报送的律所尽快报送{% endif %}。",
        KEEP,
    )
    p("", KEEP)
    p("附件：{{ attachments[0].n }}.{{ attachments[0].name }}", ATTACH_NOTE)
    p("{%p for a in attachments[1:] %}")
    p("{{ a.n }}.{{ a.name }}", ATTACH_MORE)
    p("{%p endfor %}")
    p("", KEEP)
    _signature(doc)

    doc.add_page_break()
    p("附件{{ att.table }}", ATTACH_LABEL)
    p("{{ attachments[0].name }}", TITLE)
    p("（{{ period_label }}）", TITLE)
    p("", FIGURE)
    if city:
        _table(doc, CITY_TABLE, "rows", _total(CITY_TABLE))
    else:
        p("{%p if has_roster %}")
        _table(doc, PROVINCE_ROSTER_TABLE, "rows", _total(PROVINCE_ROSTER_TABLE))
        p("{%p else %}")
        _table(doc, PROVINCE_TABLE, "rows", _total(PROVINCE_TABLE))
        p("{%p endif %}")

    p("{%p if att.charts %}")
    doc.add_page_break()
    p("附件{{ att.charts }}", ATTACH_LABEL)
    p("主要指标图表", TITLE)
    p("{%p if chart_coverage %}")
    p("{{ chart_coverage }}", FIGURE)
    p("图{{ fig.chart_coverage }}　{% if is_province %}各地市{% else %}各区县{% endif %}党的组织覆盖率", CAPTION)
    p("{%p endif %}")
    p("{%p if chart_trend %}")
    p("{{ chart_trend }}", FIGURE)
    p("图{{ fig.chart_trend }}　{{ scope }}主要指标变化趋势", CAPTION)
    p("{%p endif %}")
    p("{%p endif %}")

    p("{%p if att.names %}")
    doc.add_page_break()
    p("附件{{ att.names }}", ATTACH_LABEL)
    p("{{ attachments[-1].name }}", TITLE)
    p("{%p if unreported %}")
    p("未报送的律所（{{ unreported|length }}家）", LIST_HEAD)
    _table(doc, UNREPORTED_TABLE, "unreported")
    p("{%p endif %}")
    p("{%p if sent_back %}")
    p("退回待修改、尚未重新报送的律所（{{ sent_back|length }}家）", LIST_HEAD)
    _table(doc, SENT_BACK_TABLE, "sent_back")
    p("{%p endif %}")
    p("{%p endif %}")
    return doc


def build_notice() -> Document:
    """The one-page notice for a city with no accepted return."""
    doc = new_document()

    def p(text: str, style: str = BODY) -> None:
        doc.add_paragraph(text, style=doc.styles[style])

    p("{{ title_lines[0] }}", TITLE)
    p("{{ title_lines[1] }}", TITLE)
    p("")
    p(
        "截至{{ date }}，{% if received %}共收到{{ scope }}律师事务所{{ period_label }}党建工作情况半年报表{{ r.received }}份，"
        "{% if received > 1 %}均{% endif %}未通过强制性审核{% if rules %}（{{ rules }}）{% endif %}，已退回{{ back_names }}修改，尚未重新报送。"
        "{% else %}未收到{{ scope }}律师事务所报送的{{ period_label }}党建工作情况半年报表。{% endif %}"
        "本期{{ scope }}没有可汇总的报表，因此不形成{{ scope }}律师行业党建工作情况报告。"
    )
    p(
        "{% if has_roster %}按律所名录，{{ scope }}应报送半年报表的律师事务所{{ m.expected_firms }}家"
        "{% if unreported %}，其中尚未报送的{{ unreported }}家：{{ unreported_names }}{% endif %}。{% endif %}"
        "请督促辖区律师事务所尽快报送{% if received %}，退回的报表修改后重新报送{% endif %}{% if contact %}，有关事项请联系{{ contact }}{% endif %}。"
    )
    p("")
    _signature(doc)
    return doc


if __name__ == "__main__":
    for name, document in (
        ("province_report.docx", build(city=False)),
        ("city_report.docx", build(city=True)),
        ("city_notice.docx", build_notice()),
    ):
        document.save(HERE / name)
        print(HERE / name)
