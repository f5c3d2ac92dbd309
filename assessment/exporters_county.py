"""The county's Excel files (县委组织部): the 考评汇总表 and the 整改清单 across every township of
a county round, made by the township files' exporters (assessment/exporters.py) over the
county's rounds. Only what the townships have published is in them."""

from collections import defaultdict

from django.db.models import Count, Value
from django.db.models.functions import Concat

from .exporters import RectificationList, Summary, _exported
from .models import Rectification, RectificationStatus, VetoFinding
from .selectors_county import county_results
from .xlsx import Column


class CountySummary(Summary):
    """考评汇总表 of a county round: every branch of the townships' published rounds ranked across
    the county (全县排名) and within its township (镇内排名), with the ranking chart."""

    def __init__(self, county_round):
        self.county_round = county_round
        self.title = f"{county_round.county.name}{county_round.name}考评汇总表（全县）"
        self.filename = f"考评汇总表-{county_round.county.name}-{county_round.name}.xlsx"
        self.columns = [
            Column("全县排名", 5.5), Column("乡镇", 9), Column("党支部", 13), Column("类型", 7), Column("镇内排名", 5.5),
            Column("自评总分", 6.5), Column("加分", 5), Column("考评总分", 6.5), Column("差值", 5.5),
            Column("否决情形", 8), Column("等次", 6), Column("整改项数", 6),
        ]
        self.total_column = 8  # 考评总分: the chart's values
        self.name_column = 3  # 党支部 (column 2 is the township): the chart's names
        self.pairings = {}  # 结对帮带 is each township's: the county-wide table has no such sheet

    def lines(self):
        return [f"考核标准：{self.county_round.standard}    导出时间：{_exported()}    仅含已发布通报的乡镇"]

    def rows(self):
        rows = county_results(self.county_round)
        of_round = {"assessment__round__county_round": self.county_round,
                    "assessment__round__published_at__isnull": False}
        vetoes = defaultdict(list)
        for assessment_id, code in VetoFinding.objects.filter(**of_round).values_list("assessment_id", "veto__code"):
            vetoes[assessment_id].append(code)
        rectifications = dict(
            Rectification.objects.filter(**of_round).values_list("assessment").annotate(n=Count("id")).order_by()
        )
        for row in rows:
            a = row.assessment
            kind = a.branch.get_kind_display() + ("\n示范点" if a.branch.is_demonstration else "")
            yield [
                row.rank, a.round__township__name, a.branch.name, kind, row.township_rank, row.self_total,
                row.bonus, row.total, row.difference, "、".join(vetoes[a.pk]), row.grade_label,
                rectifications.get(a.pk, 0),
            ]


class CountyRectificationList(RectificationList):
    """整改清单 of a county round: the published items of every township, township by township."""

    branch_field = "where"  # 乡镇 and 党支部 in the one column

    def __init__(self, county_round, today=None):
        super().__init__(county_round, today=today)
        name = f"{county_round.county.name}{county_round.name}"
        self.title = f"{name}整改清单（全县）"
        self.filename = f"整改清单-{county_round.county.name}-{county_round.name}.xlsx"
        self.verification_title = f"{name}整改核验情况（全县）"

    def queryset(self):
        return (
            Rectification.objects.filter(assessment__round__county_round=self.round,
                                         assessment__round__published_at__isnull=False)
            .exclude(status=RectificationStatus.DRAFT)
            .annotate(where=Concat("assessment__round__township__name", Value("\n"), "assessment__branch__name"))
            .order_by("assessment__round__township__name", "assessment__branch__order", "assessment__branch__name",
                      "item__number", "id")
        )

    def more_sheets(self):
        sheets = super().more_sheets()
        for sheet in sheets:
            sheet.title = self.verification_title
        return sheets
