"""The notice (通报) as a Word file, laid out as an office issues one (after GB/T 9704): the
issuer in red, the 文号, the title, the body (三号, 16 pt), the ranking table, the signature and
date, and on a page of its own the 附件 (整改事项清单), grouped by branch. Offices edit and
stamp it in Word or WPS; tables are 五号 (10.5 pt). A4 portrait.

`write_notice_docx(context, target)` takes the notice page's context (views.notice.notice_context).
"""

from collections import Counter

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from .exporters import office_date

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RED = RGBColor(0xB7, 0x1C, 0x1C)
BODY_PT = 16  # 三号
TABLE_PT = 10.5  # 五号


def add_field(paragraph, instruction, size):
    """A field (PAGE, NUMPAGES) in `paragraph`, which Word, WPS and LibreOffice fill in when they
    lay the pages out. python-docx has no API for fields, so this writes the field's runs as the
    WordprocessingML they are (w:fldChar begin, w:instrText, separate, a placeholder, end),
    through python-docx's documented docx.oxml helpers (OxmlElement, qn)."""
    def run_with(element=None, text=None):
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        if element is not None:
            run.element.append(element)
        return run

    def char(kind):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    run_with(char("begin"))
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    run_with(code)
    run_with(char("separate"))
    run_with(text="1")  # shown until the program updates the field
    run_with(char("end"))


def set_font(target, name):
    """`name` for the text of `target` (a style or a run), Chinese included: Font.name writes only
    the Latin fonts (w:ascii, w:hAnsi), and Word and WPS take a Chinese character's font from
    w:eastAsia, so without it the body is not in 仿宋 nor a heading in 黑体. Written through the
    element's run properties (docx.oxml, as add_field does)."""
    target.font.name = name
    target.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


ROW_WHOLE_CHARS = 300  # a row with no longer text than this never breaks across two pages


def row_property(cell, name):
    """Set w:<name> (cantSplit, tblHeader) in the properties of the table row that holds `cell`.
    python-docx has no API for them: the row is found from the cell's first run (Run.element) by
    lxml's iterancestors, and the property written with the docx.oxml helpers (as add_field does)."""
    paragraph = cell.paragraphs[0]
    run = paragraph.runs[0] if paragraph.runs else paragraph.add_run()
    tr = next(run.element.iterancestors(qn("w:tr")))
    properties = tr.find(qn("w:trPr"))
    if properties is None:
        properties = OxmlElement("w:trPr")
        tr.insert(0, properties)
    element = OxmlElement(f"w:{name}")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _number(value):
    return f"{value.normalize():f}" if value is not None else "—"


class NoticeDocument:
    def __init__(self):
        self.doc = Document()
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
        # Normal is the tables' text (五号, single spacing): the cells, 11,000 rows at county scale,
        # carry no formatting of their own; the few paragraphs of the body carry theirs.
        normal = self.doc.styles["Normal"]
        set_font(normal, "仿宋")
        normal.font.size = Pt(TABLE_PT)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.line_spacing = 1.0
        self.page_numbers(section)

    @staticmethod
    def page_numbers(section):
        """第 N 页 / 共 M 页, centred in the footer of every page (四号 14 pt, as GB/T 9704's 页码)."""
        section.footer_distance = Cm(2.0)  # inside the 3.5 cm bottom margin
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        size = 14
        for text, field in ((_("第 "), "PAGE"), (_(" 页 / 共 "), "NUMPAGES")):
            footer.add_run(text).font.size = Pt(size)
            add_field(footer, field, size)
        footer.add_run(_(" 页")).font.size = Pt(size)

    def paragraph(self, text="", *, size=BODY_PT, bold=False, color=None, align=None, indent=False, font=None,
                  space_before=0, space_after=0):
        p = self.doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(space_before), Pt(space_after)
        if size >= BODY_PT:
            p.paragraph_format.line_spacing = Pt(28) if size == BODY_PT else Pt(size * 1.5)
        run = p.add_run(text)
        run.font.size, run.bold = Pt(size), bold
        if font:
            set_font(run, font)
        if color:
            run.font.color.rgb = color
        return p

    def heading(self, text):
        return self.paragraph(text, font="黑体", space_before=6)

    def table(self, header, widths):
        """A table with its header row; its rows take the columns' widths (Table.add_row gives
        each new cell its grid column's width)."""
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths):  # the grid LibreOffice reads
            column.width = Cm(width)
        first = table.rows[0]
        for cell, text, width in zip(first.cells, header, widths):
            cell.width = Cm(width)  # the header's cells were made before the grid had its widths
            self.cell(cell, text, header=True)
        row_property(first.cells[0], "tblHeader")  # the header on every page the table runs over
        row_property(first.cells[0], "cantSplit")
        for cell in first.cells:  # the header stays with the first item (and a branch's heading with both)
            cell.paragraphs[0].paragraph_format.keep_with_next = True
        return table

    def row(self, table, values):
        row = table.add_row()
        cells = row.cells
        for cell, text in zip(cells, values):
            self.cell(cell, text)
        if max(len(str(v)) for v in values) <= ROW_WHOLE_CHARS:  # a longer one may need more than a page
            row_property(cells[0], "cantSplit")
        return row

    @staticmethod
    def cell(cell, text, *, header=False):
        paragraph = cell.paragraphs[0]  # Normal: 五号, single spacing
        run = paragraph.add_run(str(text))
        if header:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True


def write_notice_docx(context, target):
    round = context["round"]
    issuer = _("中共%(township)s委员会") % {"township": round.township.name}
    d = NoticeDocument()
    center = WD_ALIGN_PARAGRAPH.CENTER
    d.paragraph(issuer, size=26, bold=True, color=RED, align=center, font="宋体")
    d.paragraph(round.notice_number, align=center, space_before=12, space_after=4)
    rule = d.paragraph("━" * 28, size=10, color=RED, align=center, space_after=12)  # the red line under the 文号
    rule.paragraph_format.line_spacing = Pt(12)
    d.paragraph(_("关于%(name)s情况的通报") % {"name": round.name}, size=22, bold=True, align=center, font="宋体",
                space_after=12)
    for text in (round.notice_text or "").splitlines():
        if text.strip():
            d.paragraph(text.strip(), indent=True)

    rows = context["rows"]
    d.heading(_("一、考核排名和等次"))
    summary = _("本次共考核 %(n)s 个党支部") % {"n": len(rows)}
    if context["grades"]:
        summary += _("，其中") + "、".join(f"{label} {n} 个" for label, n in context["grades"])
    d.paragraph(summary + _("。排名和等次如下："), indent=True)
    table = d.table([_("排名"), _("党支部"), _("考评总分"), _("等次")], [2, 8, 2.6, 3])
    for row in rows:
        branch = row.assessment.branch
        name = branch.name + (_("（示范点）") if branch.is_demonstration else "")
        grade = row.grade_label + (_("（一票否决）") if row.has_veto else "")
        d.row(table, [row.rank, name, _number(row.total), grade])

    d.heading(_("二、示范点"))
    demonstration = "、".join(
        _("%(name)s（%(total)s分，%(grade)s）") % {"name": r.assessment.branch.name, "total": _number(r.total),
                                                  "grade": r.grade_label}
        for r in context["demonstration"])
    d.paragraph(demonstration or _("无"), indent=True)

    d.heading(_("三、存在的典型问题"))
    problems = list(context["problems"])
    for n, p in enumerate(problems, start=1):
        d.paragraph(_("%(n)s. %(content)s（%(count)s 个支部扣分）") % {
            "n": n, "content": p["item__content"], "count": p["deducted"]}, indent=True)
    if not problems:
        d.paragraph(_("无"), indent=True)

    rectifications = list(context["rectifications"])
    d.heading(_("四、整改要求"))
    d.paragraph(_("各党支部要对照附件所列问题（共 %(n)s 项）逐项整改，在整改时限内报告整改情况，镇党委逐项核验销号。")
                % {"n": len(rectifications)}, indent=True)
    # The last lines of the body go with the signature: a signature never stands alone on a page.
    d.paragraph(_("附件：整改事项清单"), indent=True, space_before=12).paragraph_format.keep_with_next = True

    right = WD_ALIGN_PARAGRAPH.RIGHT
    d.paragraph(issuer, align=right, space_before=36).paragraph_format.keep_with_next = True
    d.paragraph(office_date(round.notice_date) if round.notice_date else _("（发布日期）"), align=right)

    d.paragraph().add_run().add_break(WD_BREAK.PAGE)
    d.paragraph(_("附件"), font="黑体")
    d.paragraph(_("整改事项清单"), size=22, bold=True, align=center, font="宋体", space_after=12)
    # A heading and a table of its own for each branch (a merged heading row in one table cost
    # python-docx a walk of the whole table per merge: minutes for a county's 1,000 branches).
    per_branch = Counter(r.assessment.branch_id for r in rectifications)
    branch, count = None, 0
    header, widths = [_("项目编号"), _("存在问题"), _("整改要求"), _("整改时限"), _("责任人")], [1.3, 4.2, 4.2, 3.8, 2.1]
    for r in rectifications:
        if r.assessment.branch_id != branch:
            branch, count = r.assessment.branch_id, count + 1
            heading = d.paragraph(_("%(n)s. %(branch)s（%(items)s 项）") % {
                "n": count, "branch": r.assessment.branch.name, "items": per_branch[branch]},
                font="黑体", size=TABLE_PT + 1.5, space_before=8, space_after=3).paragraph_format
            heading.line_spacing, heading.keep_with_next = 1.0, True
            table = d.table(header, widths)
        d.row(table, [r.item.number if r.item_id else "—", r.problem, r.requirement, office_date(r.deadline),
                      r.responsible or "—"])
    if not rectifications:
        d.row(d.table(header, widths), [_("无"), "", "", "", ""])
    d.doc.save(target)
