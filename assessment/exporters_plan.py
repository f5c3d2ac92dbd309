"""清单式推进台账: one sheet per duty, one row per branch, twelve month columns
(the count done that month; 缺 where an ended period fell short), then done/due and missing."""

import re

from django.utils import formats
from django.utils.translation import gettext as _

from .models import Branch
from .plan_rules import tally
from .selectors_plan import ledger_counts
from .xlsx import CENTER, Column, Exporter, Styles

FIGURE = re.compile(r"\d+/\d+")  # done/due
MONTHS = [f"{m}月" for m in range(1, 13)]


class LedgerCells(Styles):
    """The month figures, 缺 and done/due centred; the branch names as every sheet writes them."""

    def cell(self, value, **style):
        if not style and (not isinstance(value, str) or value in ("", _("缺")) or FIGURE.fullmatch(value)):
            style = {"alignment": CENTER}
        return super().cell(value, **style)


class DutySheet(Exporter):
    def __init__(self, township, year, duty, branches, counts, today, number):
        self.duty, self.branches, self.counts, self.today, self.year = duty, branches, counts, today, year
        self.sheet_name = f"{number}.{duty.name}"[:31].replace("/", "-")
        self.title = _("%(township)s%(year)s年度清单式推进台账：%(duty)s") % {
            "township": township.name, "year": year, "duty": duty.name}
        self.columns = [Column(_("序号"), 6), Column(_("党支部"), 16), *[Column(m, 6) for m in MONTHS],
                        Column(_("已完成/应完成"), 12), Column(_("缺"), 6)]

    def styles(self, worksheet):
        return LedgerCells(worksheet)

    def lines(self):
        duty = self.duty
        return [_("考核项目第%(number)s项：%(content)s") % {"number": duty.item.number, "content": duty.item.content},
                _("要求：%(period)s%(n)s%(unit)s，全年%(total)s%(unit)s；评分标准：%(criteria)s；统计至%(date)s") % {
                    "period": duty.get_period_display(), "n": duty.per_period, "unit": duty.unit,
                    "total": duty.per_year, "criteria": duty.item.criteria,
                    "date": formats.date_format(self.today, "Y年n月j日")}]

    def rows(self):
        empty = [0] * 12
        missing_text = _("缺")
        for number, (branch_id, name) in enumerate(self.branches, start=1):
            t = tally(self.duty.period, self.duty.per_period, self.year, self.today,
                      self.counts.get((branch_id, self.duty.pk), empty))
            cells = []
            for count, state in t.months:
                if count:
                    cells.append(count)
                else:
                    cells.append(missing_text if state == "missing" else "")
            yield [number, name, *cells, f"{t.done_due}/{t.due}", t.missing or ""]


class PlanLedger:
    """The workbook: a DutySheet per duty of the year."""

    def __init__(self, township, plan, today):
        self.township, self.plan, self.today = township, plan, today
        self.filename = f"{plan.year}-ledger.xlsx"

    def sheets(self):
        branches = list(Branch.objects.filter(township=self.township).order_by("order", "name").values_list("pk", "name"))
        counts = ledger_counts(self.township.pk, self.plan.year, [d.pk for d in self.plan.duties])
        for number, duty in enumerate(self.plan.duties, start=1):
            yield DutySheet(self.township, self.plan.year, duty, branches, counts, self.today, number)
