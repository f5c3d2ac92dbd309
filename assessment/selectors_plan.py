"""清单式推进: the reads of the year plan, each a fixed number of queries whatever the records.

The caller has checked the user may see the branch or township (assessment.permissions);
these functions scope every query by it.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Sum

from .models import Branch, Duty, PlanReminder, Record, RecordFile, Score
from .plan_rules import suggested_score, tally
from .services.plan import year_closed, year_round


def year_duties(standard_id):
    return list(Duty.objects.filter(item__standard_id=standard_id).select_related("item").order_by("item__number"))


@dataclass
class Year:
    """A township's year: the round it follows (None: no standard yet), its duties, closed or not."""

    year: int
    round: object
    duties: list
    closed: bool


def plan_year(township_id, year):
    """Three queries: the round, its duties, the lock."""
    found = year_round(township_id, year)
    duties = year_duties(found.standard_id) if found else []
    return Year(year, found, duties, year_closed(township_id, year))


def _months(rows):
    """{key: [12 counts]} from (key, month, n) rows."""
    counts = defaultdict(lambda: [0] * 12)
    for key, month, n in rows:
        counts[key][month - 1] += n
    return counts


# --- One branch's year -------------------------------------------------------------


@dataclass
class DutyYear:
    duty: object
    tally: object
    records: list = field(default_factory=list)
    last_year: int | None = None  # credited last year, for comparison

    @property
    def behind(self):
        return self.tally.missing > 0


def branch_year(branch, year, today, plan):
    """Each duty's tally, its records (with their files) and last year's figure: three queries."""
    files = Prefetch("files", queryset=RecordFile.objects.order_by("uploaded_at", "id"))
    records = list(Record.objects.filter(branch=branch, year=year).prefetch_related(files).order_by("-date", "-id"))
    by_duty = defaultdict(list)
    for record in records:
        by_duty[record.duty_id].append(record)
    earlier = _months(
        Record.objects.filter(branch=branch, year=year - 1).order_by()
        .values_list("duty__item__number", "month").annotate(n=Sum("quantity"))
    )
    rows = []
    for duty in plan.duties:
        counts = [0] * 12
        for record in by_duty.get(duty.pk, []):
            counts[record.month - 1] += record.quantity
        last = None
        if duty.item.number in earlier:
            last = tally(duty.period, duty.per_period, year - 1, today, earlier[duty.item.number]).credited
        for record in by_duty.get(duty.pk, []):
            record.duty = duty
        rows.append(DutyYear(duty, tally(duty.period, duty.per_period, year, today, counts),
                             by_duty.get(duty.pk, []), last))
    return rows


# --- The township's grid -----------------------------------------------------------


@dataclass
class GridRow:
    branch_id: int
    name: str
    tally: object
    reminded: bool


def township_grid(township_id, year, duty, today):
    """One row per branch of the township for `duty`, the branches behind first: three queries."""
    branches = list(Branch.objects.filter(township_id=township_id).order_by("order", "name")
                    .values_list("pk", "name"))
    counts = _months(
        Record.objects.filter(duty=duty, year=year, branch__township_id=township_id).order_by()
        .values_list("branch_id", "month").annotate(n=Sum("quantity"))
    )
    reminded = set(PlanReminder.objects.filter(duty=duty, year=today.year, month=today.month,
                                               branch__township_id=township_id).values_list("branch_id", flat=True))
    empty = [0] * 12
    tallies = {}  # most branches keep the same rhythm: one tally per distinct year of counts
    rows = []
    for pk, name in branches:
        months = tuple(counts.get(pk, empty))
        found = tallies.get(months)
        if found is None:
            found = tallies[months] = tally(duty.period, duty.per_period, year, today, list(months))
        rows.append(GridRow(pk, name, found, pk in reminded))
    rows.sort(key=lambda row: -row.tally.missing)  # stable: within the same shortfall, the branches' order
    return rows


def ledger_counts(township_id, year, duty_ids):
    """{(branch id, duty id): [12 counts]} for the 台账: one query."""
    return _months(
        ((branch_id, duty_id), month, n) for branch_id, duty_id, month, n in
        Record.objects.filter(duty_id__in=duty_ids, year=year, branch__township_id=township_id).order_by()
        .values_list("branch_id", "duty_id", "month").annotate(n=Sum("quantity"))
    )


# --- The self-evaluation and the on-site page: the record as evidence -------------------


@dataclass
class Suggestion:
    duty: object
    tally: object
    records: list
    score: object       # the suggested score (Decimal) or None when the rule is manual
    self_score: object
    self_note: str
    onsite_score: object

    @property
    def points(self):
        return self.duty.item.points


def record_suggestions(assessment, today, plan):
    """For every duty of the assessment's round: the year's records, the count and the score
    they suggest, beside the self and on-site scores. Three queries."""
    rows = branch_year(assessment.branch, assessment.round.year, today, plan)
    scores = {
        item_id: (self_score, self_note, onsite_score)
        for item_id, self_score, self_note, onsite_score in Score.objects.filter(
            assessment=assessment, item_id__in=[row.duty.item_id for row in rows]
        ).values_list("item_id", "self_score", "self_note", "onsite_score")
    }
    suggestions = []
    for row in rows:
        duty = row.duty
        score = suggested_score(duty.rule, duty.deduction, duty.item.points, duty.per_year, row.tally.credited)
        self_score, self_note, onsite_score = scores.get(duty.item_id, (None, "", None))
        suggestions.append(Suggestion(duty, row.tally, row.records, score, self_score, self_note, onsite_score))
    return suggestions


# --- The year's count beside an item (the checklist, the on-site page) ------------------------


@dataclass
class ItemCount:
    """A counting item's year so far: “支委会 10/12 · 建议 1/2 分”, linked to the records."""

    name: str
    credited: int
    per_year: int
    unit: str
    score: object  # the suggested score, None when the rule is manual
    points: object
    url: str


def item_counts(assessment, today):
    """{item id: ItemCount} for the counting items of the assessment's standard, from its
    branch's records of the round's year: one query (a duty with no record counts 0)."""
    from django.db.models import Q
    from django.urls import reverse

    year = assessment.round.year
    months = {
        f"m{month}": Sum("records__quantity", filter=Q(records__branch_id=assessment.branch_id, records__year=year,
                                                       records__month=month), default=0)
        for month in range(1, 13)
    }
    rows = (Duty.objects.filter(item__standard_id=assessment.round.standard_id).order_by()
            .values_list("item_id", "name", "period", "per_period", "unit", "rule", "deduction", "item__points")
            .annotate(**months))
    base = reverse("plan-suggestions", args=[assessment.pk])
    counts = {}
    for item_id, name, period, per_period, unit, rule, deduction, points, *done in rows:
        t = tally(period, per_period, year, today, list(done))
        counts[item_id] = ItemCount(name, t.credited, t.per_year, unit,
                                    suggested_score(rule, deduction, points, t.per_year, t.credited), points,
                                    f"{base}#item-{item_id}")
    return counts
