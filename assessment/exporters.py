"""The three Excel files: 整改清单, 考评汇总表, 考核验收单.

Each exporter yields a header and rows; `assessment.xlsx.write_xlsx` styles and
streams them. Columns follow shared/PRODUCT.md, chosen so that each file prints on
A4 landscape at 9 pt or more (see assessment/xlsx.py).
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties

from . import results, selectors, selectors_demo
from .models import BonusClaim, Rectification, RectificationStatus, Score, VetoFinding
from .xlsx import Column, Exporter, Section, Signatures, chart_sheets

ZERO = Decimal("0")
CHART_ENDS = 30  # names a chart prints at 9 pt on A4 (LibreOffice skips every other one of 31 or more)
CHART_ALL = CHART_ENDS  # up to this many branches one chart shows them all; beyond it the first 30
# and the rest (the last 30 at county scale), a chart each (the table keeps every branch)


def _date(value):
    return timezone.localtime(value).date() if value else None


def office_date(value):
    """2027年1月1日, as an office writes a date; — for none."""
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def _exported():
    now = timezone.localtime()
    return f"{office_date(now)} {now:%H:%M}"


class Verification(Exporter):
    """The second sheet of the 整改清单: what each branch did and what the township found."""

    sheet_name = "核验情况"
    columns = [
        # 已报告整改 in two lines, 镇党委组织委员 王敏 in two (in three, each row of the demo round's
        # 175 items took three lines: 7 a page).
        Column("序号", 4.5), Column("党支部", 10), Column("项目编号", 5.5), Column("状态", 7.5),
        Column("整改措施", 40), Column("完成时间", 10.5), Column("核验人", 11), Column("核验意见", 22.5),
    ]

    def __init__(self, title, rows):
        self.title = title
        self._rows = rows

    def lines(self):
        return ["列出已报告整改、已销号或有核验意见的事项，序号与“整改清单”表相同。"]

    def rows(self):
        return self._rows


class RectificationList(Exporter):
    """整改清单 of a round, or of one branch."""

    sheet_name = "整改清单"
    # 考核方面 and 项目编号 go with 考核项目 into one cell; what the branch did and the township's
    # verification are on the second sheet (核验情况), row by row with the same 序号.
    columns = [
        Column("序号", 4.5), Column("党支部", 10), Column("考核项目", 24), Column("存在问题", 24),
        Column("整改要求", 24), Column("整改时限", 10.5), Column("责任人", 7), Column("状态", 6),
        Column("是否逾期", 5.5),
    ]

    branch_field = "assessment__branch__name"  # what the 党支部 column shows (a county's file: with the township)

    def __init__(self, round, branch=None, today=None):
        self.round = round
        self.branch = branch
        self.today = today or timezone.localdate()
        self.title = f"{round.name}整改清单" + (f"（{branch.name}）" if branch else "")
        self.filename = f"整改清单-{round.name}" + (f"-{branch.name}" if branch else "") + ".xlsx"
        self.counts = defaultdict(int)
        self.verification = []

    def queryset(self):
        qs = Rectification.objects.filter(assessment__round=self.round)
        if self.branch:
            qs = qs.filter(assessment__branch=self.branch)
        return qs.order_by(
            "assessment__branch__order", "assessment__branch__name", "item__number", "id"
        )

    def lines(self):
        return [f"导出时间：{_exported()}"]

    def rows(self):
        """Plain rows, not model instances (10,000 items: 50,000 instances took a second)."""
        statuses = {value: str(label) for value, label in RectificationStatus.choices}
        reported = (RectificationStatus.REPORTED, RectificationStatus.CLOSED)
        # One query, only the columns written; the report's date in the township's time zone by the database.
        rows = self.queryset().annotate(reported_on=TruncDate("reported_at")).values_list(
            self.branch_field, "item_id", "item__area__name", "item__number", "item__content",
            "problem", "requirement", "deadline", "responsible", "status", "measures", "reported_on",
            "verified_by_id", "verified_by__display_name", "verified_by__username", "verify_note",
        )
        for number, (branch, item_id, area, item_number, content, problem, requirement, deadline, responsible,
                     status, measures, reported_on, verifier_id, verifier_name, verifier_username,
                     verify_note) in enumerate(rows.iterator(chunk_size=2000), start=1):
            overdue = status == RectificationStatus.PENDING and deadline < self.today  # Rectification.is_overdue
            self.counts["all"] += 1
            self.counts["closed"] += status == RectificationStatus.CLOSED
            self.counts["overdue"] += overdue
            yield [
                number, branch, f"{area}\n{item_number}. {content}" if item_id else "", problem, requirement,
                deadline, responsible, statuses[status], "是" if overdue else "否",
            ]
            if status in reported or measures or verify_note:  # nothing to verify yet: not listed there
                self.verification.append([
                    number, branch, item_number if item_id else None, statuses[status], measures,
                    reported_on, (verifier_name or verifier_username) if verifier_id else "", verify_note,
                ])

    def more_sheets(self):
        title = f"{self.round.name}整改核验情况" + (f"（{self.branch.name}）" if self.branch else "")
        return [Verification(title, self.verification)]

    def footer(self):
        c = self.counts
        return [f"共 {c['all']} 项，已销号 {c['closed']} 项，逾期 {c['overdue']} 项。"]


class PairingResults(Exporter):
    """The second sheet of the 考评汇总表: each branch a 示范点 helps, in ranking order, with the
    helper and the branch's totals round by round."""

    sheet_name = "结对帮带"
    columns = [Column("排名", 4.5), Column("党支部", 14), Column("考评总分", 6), Column("等次", 6),
               Column("结对帮带（示范点、历年考评总分、较上轮）", 60)]

    def __init__(self, title, rows):
        self.title = title
        self._rows = rows

    def rows(self):
        return self._rows


class Summary(Exporter):
    """考评汇总表 of a round: the ranking with per-area subtotals, with a native chart."""

    sheet_name = "考评汇总表"
    freeze_columns = 2  # 排名 and 党支部 stay in view across the areas
    name_column = 2  # 党支部: the chart's names
    charted = None  # the rows the chart shows (the first, the assessed; None: every row)

    def __init__(self, round):
        self.round = round
        self.title = f"{round.name}考评汇总表"
        self.filename = f"考评汇总表-{round.name}.xlsx"
        self.areas = list(round.standard.areas.all())
        # 类型 says 示范点 and 结对帮带 as well (one column fewer: 7 areas of two columns, 较上轮 and the
        # rest fit A4 at 9 pt: 126 units, 9.3 pt; the narrow ones still hold "-12.5" and "100.0" in Excel).
        self.columns = [Column("排名", 4), Column("党支部", 12), Column("类型", 7)]
        for area in self.areas:  # two header rows: the area over 自评 | 考评
            self.columns += [Column("自评", 4.5, group=area.name), Column("考评", 4.5, group=area.name)]
        # 较上轮 (考评总分 minus the earlier round's), only when the township has an earlier published round.
        self.earlier = selectors.previous_round(round)
        self.columns += [Column("加分", 4.5), Column("自评总分", 5), Column("考评总分", 5.5)]
        if self.earlier:
            self.columns.append(Column("较上轮", 5))
        self.columns += [
            Column("差值", 4.5), Column("否决情形", 5), Column("等次", 5.5), Column("整改项数", 5),
        ]
        self.total_column = 3 + 2 * len(self.areas) + 3  # 考评总分
        # 结对帮带 (the 示范点 helping a branch, its totals round by round) on a sheet of its own: a
        # 30-character column more put the table at 7.3 pt on A4.
        self.pairings = selectors_demo.pairing_texts(round)
        self.paired_rows = []

    def lines(self):
        line = f"考核标准：{self.round.standard}    导出时间：{_exported()}"
        if self.earlier:
            line += f"    较上轮：与“{self.earlier.name}”的考评总分相比"
        if self.pairings:
            line += f"    结对帮带：{len(self.pairings)} 个支部，见“{PairingResults.sheet_name}”表"
        return [line]

    def rows(self):
        rows = results.round_results(self.round)
        vetoes = defaultdict(list)
        for finding in VetoFinding.objects.filter(assessment__round=self.round).select_related("veto"):
            vetoes[finding.assessment_id].append(finding.veto.code)
        rectifications = dict(
            Rectification.objects.filter(assessment__round=self.round)
            .values_list("assessment").annotate(n=Count("id")).order_by()
        )
        before = selectors.previous_totals(self.earlier) if self.earlier else {}
        self.charted = 0
        for row in rows:
            a = row.assessment
            # 未考评 (the round still under way): its 考评 figures blank, not 0.0, and no 较上轮 of -99.
            total = row.total if row.assessed else None
            self.charted += row.assessed  # the assessed come first
            kind = a.branch.get_kind_display() + ("\n示范点" if a.branch.is_demonstration else "")
            paired = self.pairings.get(a.branch_id)
            if paired:
                kind += "\n结对帮带"
                self.paired_rows.append([row.rank, a.branch.name, total, row.grade_label, paired])
            cells = [row.rank, a.branch.name, kind]
            for area in self.areas:
                self_sum, onsite_sum = row.areas.get(area.pk, (ZERO, ZERO))
                cells += [self_sum, onsite_sum if row.assessed else None]
            cells += [row.bonus, row.self_total, total]
            if self.earlier:
                earlier_total = before.get(a.branch_id)
                cells.append(None if earlier_total is None or total is None else total - earlier_total)
            cells += [
                row.difference, "、".join(vetoes[a.pk]), row.grade_label, rectifications.get(a.pk, 0),
            ]
            yield cells

    def more_sheets(self):
        if self.pairings:
            return [PairingResults(f"{self.round.name}结对帮带情况", self.paired_rows)]
        return []

    def _chart(self, worksheet, title, first, last):
        chart = BarChart()
        chart.type = "bar"
        chart.title = title
        chart.legend = None
        chart.style = 10
        data = Reference(worksheet, min_col=self.total_column, min_row=first, max_row=last)
        names = Reference(worksheet, min_col=self.name_column, min_row=first, max_row=last)
        chart.add_data(data, titles_from_data=False)
        chart.set_categories(names)
        chart.x_axis.scaling.orientation = "maxMin"  # rank 1 on top
        chart.x_axis.tickLblSkip = 1  # every branch's name, none skipped
        size = CharacterProperties(sz=900)  # 9 pt: 30 names fit the page's height
        chart.x_axis.txPr = RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=size), endParaRPr=size)])
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.y_axis.scaling.min = 0
        chart.y_axis.number_format = "0"
        chart.gapWidth = 40
        return chart

    def decorate(self, workbook, worksheet, paper="A4"):
        """排名图: one chart of every branch; for a county the first and the last 30, a sheet
        (and a printed page) each."""
        first, last = self.data_range
        if self.charted is not None:
            last = min(last, first + self.charted - 1)  # no bars of 0 for the 未考评
        count = last - first + 1
        if count < 1:
            return
        if count <= CHART_ALL:
            charts = [("排名图", self._chart(worksheet, "考评总分排名", first, last))]
        else:
            rest = min(CHART_ENDS, count - CHART_ENDS)  # 31 to 60 branches: the rest after the first 30
            charts = [
                # Titles count branches, not ranks: equal totals share a rank (the table's 排名).
                (f"排名图（前{CHART_ENDS}名）", self._chart(
                    worksheet, f"考评总分排名：前 {CHART_ENDS} 个党支部（已考评 {count} 个）", first,
                    first + CHART_ENDS - 1)),
                (f"排名图（后{rest}名）", self._chart(
                    worksheet, f"考评总分排名：最后 {rest} 个党支部（已考评 {count} 个）", last - rest + 1, last)),
            ]
        chart_sheets(workbook, charts, paper)


class AcceptanceSheet(Exporter):
    """考核验收单 of one branch: the items under their areas, the totals, the vetoes found with
    their notes, the approved bonus items, and the block the office signs."""

    sheet_name = "考核验收单"
    footer_on_own_page = True  # 合计, 加分项, 一票否决, 考评总分 and the signatures on one page
    columns = [
        Column("编号", 4.5), Column("考核内容", 24), Column("评分标准", 24), Column("分值", 5.5),
        Column("自评得分", 5.5), Column("自评说明", 16), Column("考评得分", 5.5), Column("扣分原因", 16),
        Column("是否整改", 5.5),
    ]

    def __init__(self, assessment):
        self.assessment = assessment
        round = assessment.round
        self.title = f"{assessment.branch.name}规范化建设考核验收单"
        self.filename = f"考核验收单-{assessment.branch.name}-{round.name}.xlsx"
        self.totals = [ZERO, ZERO, ZERO]
        self.result = next(r for r in results.round_results(round, with_areas=False) if r.assessment.pk == assessment.pk)

    def lines(self):
        a, r = self.assessment, self.assessment.round
        onsite = a.onsite_date or _date(a.finalised_at)
        return [
            f"党支部：{a.branch.name}    考核批次：{r.name}",
            f"自评提交：{office_date(_date(a.submitted_at))}    现场考评：{office_date(onsite)}"
            f"    考评人员：{a.assessors_present or '—'}",
        ]

    def rows(self):
        rectified = set(self.assessment.rectifications.values_list("item_id", flat=True))
        scores = Score.objects.filter(assessment=self.assessment).select_related("item__area").order_by(
            "item__area__number", "item__number")
        area = None
        for s in scores:
            if s.item.area_id != area:
                area = s.item.area_id
                yield Section(f"{s.item.area.name}（{s.item.area.points.normalize():f}分）")
            self.totals[0] += s.points
            self.totals[1] += s.self_score or ZERO
            self.totals[2] += s.onsite_score or ZERO
            yield [
                s.item.number, s.item.content, s.item.criteria, s.points,
                s.self_score, s.self_note, s.onsite_score, s.deduction_reason,
                "是" if s.item_id in rectified else "",
            ]

    def footer(self):
        points, self_total, onsite_total = self.totals
        r = self.result
        lines = [["合计", "", "", points, self_total, "", onsite_total, "", ""]]
        bonuses = (BonusClaim.objects.filter(assessment=self.assessment, decision=BonusClaim.Decision.APPROVED)
                   .select_related("bonus").order_by("bonus__order", "bonus__code"))
        lines.append("加分项（认定）：" + ("；".join(
            f"{c.bonus.code} {c.bonus.text}（{c.bonus.points.normalize():f}分）" for c in bonuses) or "无")
            + f"。计入加分 {r.bonus.normalize():f} 分（上限 {self.assessment.round.standard.bonus_cap.normalize():f} 分）。")
        findings = (VetoFinding.objects.filter(assessment=self.assessment).select_related("veto")
                    .order_by("veto__order", "veto__code"))
        lines.append("一票否决：" + ("；".join(
            f"{f.veto.code} {f.veto.text}" + (f"（情况说明：{f.note}）" if f.note.strip() else "") for f in findings)
            or "无") + "。")
        lines.append(f"考评总分：{r.total.normalize():f} 分    等次：{r.grade_label}"
                     + ("（一票否决）" if r.has_veto else ""))
        lines.append(Signatures(["考评组成员（签字）：", "支部书记（签字）：", "镇党委（盖章）："]))
        return lines
