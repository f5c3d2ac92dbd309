"""The three Excel files: 整改清单, 考评汇总表, 考核验收单.

Each exporter yields a header and rows; `assessment.xlsx.write_xlsx` styles and
streams them. Columns follow shared/PRODUCT.md.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from openpyxl.chart import BarChart, Reference

from . import results, selectors, selectors_demo
from .models import Rectification, RectificationStatus, Score, VetoFinding
from .xlsx import Column, Exporter

ZERO = Decimal("0")


def _date(value):
    return timezone.localtime(value).date() if value else None


class RectificationList(Exporter):
    """整改清单 of a round, or of one branch."""

    sheet_name = "整改清单"
    columns = [
        Column("序号", 6), Column("党支部", 14), Column("考核方面", 14), Column("项目编号", 8),
        Column("考核项目", 36), Column("存在问题", 30), Column("整改要求", 30), Column("整改时限", 12),
        Column("责任人", 10), Column("状态", 11), Column("整改措施", 30), Column("完成时间", 12),
        Column("核验人", 10), Column("核验意见", 24), Column("是否逾期", 9),
    ]

    def __init__(self, round, branch=None, today=None):
        self.round = round
        self.branch = branch
        self.today = today or timezone.localdate()
        self.title = f"{round.name}整改清单" + (f"（{branch.name}）" if branch else "")
        self.filename = f"整改清单-{round.name}" + (f"-{branch.name}" if branch else "") + ".xlsx"
        self.counts = defaultdict(int)

    def queryset(self):
        qs = Rectification.objects.filter(assessment__round=self.round)
        if self.branch:
            qs = qs.filter(assessment__branch=self.branch)
        return qs.order_by(
            "assessment__branch__order", "assessment__branch__name", "item__number", "id"
        )

    def lines(self):
        return [f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"]

    def rows(self):
        """Plain rows, not model instances (10,000 items: 50,000 instances took a second)."""
        statuses = {value: str(label) for value, label in RectificationStatus.choices}
        open_statuses = (RectificationStatus.PENDING, RectificationStatus.REPORTED)
        rows = self.queryset().values_list(
            "assessment__branch__name", "item_id", "item__area__name", "item__number", "item__content",
            "problem", "requirement", "deadline", "responsible", "status", "measures", "reported_at",
            "verified_by_id", "verified_by__display_name", "verified_by__username", "verify_note",
        )
        for number, (branch, item_id, area, item_number, content, problem, requirement, deadline, responsible,
                     status, measures, reported_at, verifier_id, verifier_name, verifier_username,
                     verify_note) in enumerate(rows.iterator(chunk_size=2000), start=1):
            overdue = status in open_statuses and deadline < self.today  # Rectification.is_overdue
            self.counts["all"] += 1
            self.counts["closed"] += status == RectificationStatus.CLOSED
            self.counts["overdue"] += overdue
            yield [
                number, branch, area if item_id else "", item_number if item_id else None,
                content if item_id else "", problem, requirement, deadline, responsible, statuses[status],
                measures, _date(reported_at), (verifier_name or verifier_username) if verifier_id else "",
                verify_note, "是" if overdue else "否",
            ]

    def footer(self):
        c = self.counts
        return [f"共 {c['all']} 项，已销号 {c['closed']} 项，逾期 {c['overdue']} 项。"]


class Summary(Exporter):
    """考评汇总表 of a round: the ranking with per-area subtotals, with a native chart."""

    sheet_name = "考评汇总表"

    def __init__(self, round):
        self.round = round
        self.title = f"{round.name}考评汇总表"
        self.filename = f"考评汇总表-{round.name}.xlsx"
        self.areas = list(round.standard.areas.all())
        self.columns = [Column("排名", 6), Column("党支部", 16), Column("类型", 8)]
        for area in self.areas:
            self.columns += [Column(f"{area.name}\n自评", 9), Column(f"{area.name}\n考评", 9)]
        # 较上轮 (考评总分 minus the earlier round's), only when the township has an earlier published round.
        self.earlier = selectors.previous_round(round)
        self.columns += [Column("加分", 7), Column("自评总分", 9), Column("考评总分", 9)]
        if self.earlier:
            self.columns.append(Column("较上轮", 8))
        self.columns += [
            Column("差值", 7), Column("否决情形", 18), Column("等次", 8), Column("示范点", 7), Column("整改项数", 8),
        ]
        self.pairings = selectors_demo.pairing_texts(round)  # 结对帮带 (示范点 helping this branch)
        if self.pairings:
            self.columns.append(Column("结对帮带", 30))

    def lines(self):
        line = f"考核标准：{self.round.standard}    导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"
        if self.earlier:
            line += f"    较上轮：与“{self.earlier.name}”的考评总分相比"
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
        for row in rows:
            a = row.assessment
            cells = [row.rank, a.branch.name, a.branch.get_kind_display()]
            for area in self.areas:
                self_sum, onsite_sum = row.areas.get(area.pk, (ZERO, ZERO))
                cells += [self_sum, onsite_sum]
            cells += [row.bonus, row.self_total, row.total]
            if self.earlier:
                earlier_total = before.get(a.branch_id)
                cells.append(None if earlier_total is None else row.total - earlier_total)
            cells += [
                row.difference, "、".join(vetoes[a.pk]),
                row.grade_label, "是" if a.branch.is_demonstration else "", rectifications.get(a.pk, 0),
            ]
            if self.pairings:
                cells.append(self.pairings.get(a.branch_id, ""))
            yield cells

    def decorate(self, workbook, worksheet):
        first, last = self.data_range
        if last < first:
            return
        total_column = 3 + 2 * len(self.areas) + 3  # 考评总分
        chart = BarChart()
        chart.type = "bar"
        chart.title = "考评总分排名"
        chart.y_axis.title = "分"
        chart.height = max(8, (last - first + 1) * 0.6)
        chart.width = 22
        chart.legend = None
        data = Reference(worksheet, min_col=total_column, min_row=first - 1, max_row=last)
        names = Reference(worksheet, min_col=2, min_row=first, max_row=last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(names)
        chart.x_axis.scaling.orientation = "maxMin"  # rank 1 on top
        sheet = workbook.create_sheet("排名图")
        sheet.add_chart(chart, "A1")


class AcceptanceSheet(Exporter):
    """考核验收单 of one branch."""

    sheet_name = "考核验收单"
    columns = [
        Column("考核方面", 12), Column("编号", 6), Column("考核内容", 36), Column("评分标准", 30),
        Column("分值", 6), Column("自评得分", 8), Column("自评说明", 22), Column("考评得分", 8),
        Column("扣分原因", 22), Column("是否整改", 8),
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
        return [
            f"党支部：{a.branch.name}    考核批次：{r.name}",
            f"自评提交：{_date(a.submitted_at) or '—'}    现场考评：{a.onsite_date or _date(a.finalised_at) or '—'}"
            f"    考评人员：{a.assessors_present or '—'}",
        ]

    def rows(self):
        rectified = set(self.assessment.rectifications.values_list("item_id", flat=True))
        scores = Score.objects.filter(assessment=self.assessment).select_related("item__area").order_by("item__number")
        for s in scores:
            self.totals[0] += s.points
            self.totals[1] += s.self_score or ZERO
            self.totals[2] += s.onsite_score or ZERO
            yield [
                s.item.area.name, s.item.number, s.item.content, s.item.criteria, s.points,
                s.self_score, s.self_note, s.onsite_score, s.deduction_reason,
                "是" if s.item_id in rectified else "",
            ]

    def footer(self):
        points, self_total, onsite_total = self.totals
        r = self.result
        return [
            ["合计", "", "", "", points, self_total, "", onsite_total, "", ""],
            f"加分：{r.bonus}    考评总分：{r.total}    等次：{r.grade_label}"
            + ("    （一票否决）" if r.has_veto else ""),
            "支部书记（签字）：                    考评组成员（签字）：                    镇党委（盖章）：",
            "日期：        年    月    日",
        ]
