"""Results of a round: totals, per-area subtotals, approved bonus within the cap, vetoes,
grades and the ranking. The database sums: the per-area subtotals are kept by its triggers as
scores change (models.Subtotal), the rest in a few grouped queries (no subquery repeated per
row); round_results ranks the 1,000 aggregated rows in Python.

total = on-site item scores + approved bonus (at most the standard's cap);
any veto finding makes the grade 不合格 whatever the total.
差值 = self total − on-site item scores, both without bonus (difference(), DIFFERENCE_LABEL):
the one definition the ranking, the notice and the summary table show.
A branch not yet 考评完成 has no rank and no grade (未考评) and comes after the ranked ones.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import (
    BooleanField, Count, DecimalField, Exists, ExpressionWrapper, F, Min, OuterRef, Q, Subquery, Sum, Value, Window,
)
from django.db.models.functions import Coalesce, Least, Rank, RowNumber

from django.utils.translation import gettext_lazy

from .models import Assessment, BonusClaim, Grade, Item, Score, Status, Subtotal, VetoFinding
from .rows import AssessmentRow, assessment_rows

ZERO = Decimal("0")
ASSESSED = (Status.FINALISED, Status.PUBLISHED)
NOT_ASSESSED_LABEL = gettext_lazy("未考评")
DIFFERENCE_LABEL = gettext_lazy("差值（自评−考评，不含加分）")


def difference(self_total, onsite_total):
    """差值: the self total minus the on-site item scores, neither with bonus."""
    return self_total - onsite_total
DECIMAL = DecimalField(max_digits=8, decimal_places=1)


def _zero():
    return Value(ZERO, output_field=DECIMAL)


def _approved_bonus():
    """Approved bonus points of the outer assessment (a correlated, grouped subquery)."""
    return (
        BonusClaim.objects.filter(assessment=OuterRef("pk"), decision=BonusClaim.Decision.APPROVED)
        .order_by()
        .values("assessment")
        .annotate(total=Sum("bonus__points"))
        .values("total")
    )


def _capped_bonus(cap):
    """The outer assessment's approved bonus within the cap, 0 without one: a subquery over the
    assessment itself, so it always has a row and needs no Coalesce outside (an expression
    around a subquery would be put into the outer GROUP BY and evaluated for every score row)."""
    return Subquery(
        Assessment.objects.filter(pk=OuterRef("pk"))
        .order_by()
        .annotate(capped=Least(
            Coalesce(Sum("bonus_claims__bonus__points",
                         filter=Q(bonus_claims__decision=BonusClaim.Decision.APPROVED)), _zero()),
            Value(cap, output_field=DECIMAL),
        ))
        .values("capped"),
        output_field=DECIMAL,
    )


def results_queryset(round):
    """Assessments of the round annotated with totals, bonus, veto and rank (one query; the
    branches are prefetched, a second one, when instances are fetched).

    The score sums come from one join grouped by assessment alone (not a correlated subquery
    per sum); the approved bonus is one small indexed subquery per assessment. The branch is
    not joined into the SELECT (select_related would put its key into the GROUP BY, and
    PostgreSQL then expects 56 times as many groups and compiles the query with JIT): ties are
    ordered by MIN() of the branch's order and name, one branch per assessment. round_results
    does not use this queryset (it ranks in Python over three grouped queries);
    selectors.previous_totals does."""
    qs = (
        Assessment.objects.filter(round=round)
        .prefetch_related("branch")
        .annotate(
            self_total=Coalesce(Sum("scores__self_score"), _zero()),
            onsite_total=Coalesce(Sum("scores__onsite_score"), _zero()),
            onsite_scored=Count("scores__onsite_score"),
            self_scored=Count("scores__self_score"),
            bonus=_capped_bonus(round.standard.bonus_cap),
            has_veto=Exists(VetoFinding.objects.filter(assessment=OuterRef("pk")).order_by()),
        )
        .annotate(
            total=ExpressionWrapper(F("onsite_total") + F("bonus"), output_field=DECIMAL),
            difference=ExpressionWrapper(F("self_total") - F("onsite_total"), output_field=DECIMAL),
        )
        # A veto ranks last: has_veto ascending (false first). Ordering by the Exists itself keeps
        # the GROUP BY on the assessment alone (a Case around it would be grouped and sorted on).
        .annotate(
            rank=Window(Rank(), order_by=[F("has_veto").asc(), F("total").desc()]),
            branch_order=Min("branch__order"),
            branch_name=Min("branch__name"),
        )
        .order_by("rank", "branch_order", "branch_name", "pk")
    )
    return qs


@dataclass
class ResultRow:
    assessment: AssessmentRow
    rank: int | None        # None while not 考评完成 (未考评)
    self_total: Decimal
    onsite_total: Decimal
    bonus: Decimal
    total: Decimal
    difference: Decimal | None  # None while not 考评完成
    has_veto: bool
    grade: str              # "" while not 考评完成
    areas: dict = field(default_factory=dict)  # area_id -> (self subtotal, on-site subtotal)

    @property
    def assessed(self):
        return self.rank is not None

    @property
    def grade_label(self):
        return str(Grade(self.grade).label) if self.grade else str(NOT_ASSESSED_LABEL)


def grade_for(total, has_veto, bands):
    """bands: [(grade, min_score)] sorted by min_score descending."""
    if has_veto:
        return Grade.FAIL
    for grade, minimum in bands:
        if total >= minimum:
            return grade
    return Grade.FAIL


def area_subtotals(round, assessment_ids=None):
    """{assessment_id: {area_id: (self, onsite)}}: the round's subtotals (models.Subtotal, kept
    by the database's triggers), 7 rows per branch; of the given assessments only if given."""
    rows = Subtotal.objects.filter(assessment__round=round)
    if assessment_ids is not None:
        rows = rows.filter(assessment_id__in=assessment_ids)
    rows = rows.values_list(
        "assessment_id", "area_id", "self_sum", "onsite_sum")
    result = {}
    for assessment_id, area_id, self_sum, onsite_sum in rows:
        areas = result.get(assessment_id)
        if areas is None:
            areas = result[assessment_id] = {}
        areas[area_id] = (self_sum, onsite_sum)
    return result


def score_totals(round):
    """{assessment_id: (self total, on-site total)}, the subtotals summed per assessment."""
    rows = (
        Subtotal.objects.filter(assessment__round=round)
        .order_by()
        .values("assessment_id")
        .annotate(self_sum=Sum("self_sum"), onsite_sum=Sum("onsite_sum"))
        .values_list("assessment_id", "self_sum", "onsite_sum")
    )
    return {pk: (self_sum, onsite_sum) for pk, self_sum, onsite_sum in rows}


def _totals_from_areas(subtotals):
    return {
        pk: (sum((s for s, _ in areas.values()), ZERO), sum((o for _, o in areas.values()), ZERO))
        for pk, areas in subtotals.items()
    }


def round_results(round, *, with_areas=True):
    """The ranking of a round: a list of ResultRow, best first, in three queries
    (grade bands; the subtotals, by area or summed per assessment; the assessments with
    their branch, approved bonus and veto, as plain rows). Ranked here: a veto
    ranks last, then total descending; equal keys share a rank (1, 1, 3 as SQL RANK)."""
    bands = list(round.standard.grade_bands.order_by("-min_score").values_list("grade", "min_score"))
    if with_areas:
        subtotals = area_subtotals(round)
        totals = _totals_from_areas(subtotals)
    else:
        subtotals, totals = {}, score_totals(round)
    cap = round.standard.bonus_cap
    assessments = (
        Assessment.objects.filter(round=round)
        .annotate(
            approved_bonus=Subquery(_approved_bonus(), output_field=DECIMAL),
            has_veto=Exists(VetoFinding.objects.filter(assessment=OuterRef("pk")).order_by()),
        )
        .order_by("branch__order", "branch__name", "pk")
    )
    rows = []
    for a in assessment_rows(assessments, "approved_bonus", "has_veto", "submitted_at"):
        self_total, onsite_total = totals.get(a.pk, (ZERO, ZERO))
        bonus = min(a.approved_bonus or ZERO, cap)
        total = onsite_total + bonus
        assessed = a.status in ASSESSED
        rows.append(ResultRow(
            assessment=a, rank=0 if assessed else None, self_total=self_total, onsite_total=onsite_total,
            bonus=bonus, total=total,
            # 未自评 (scored on site without a self-evaluation): no self total to compare
            difference=difference(self_total, onsite_total) if assessed and a.submitted_at else None,
            has_veto=a.has_veto, grade=grade_for(total, a.has_veto, bands) if assessed else "",
            areas=subtotals.get(a.pk, {}),
        ))
    # Stable sort: equal keys keep the database's branch order (its collation); 未考评 last.
    rows.sort(key=lambda row: (not row.assessed, row.has_veto, -row.total))
    previous = None
    for position, row in enumerate(rows, 1):
        if not row.assessed:
            break
        key = (row.has_veto, row.total)
        if key != previous:
            rank, previous = position, key
        row.rank = rank
    return rows


# --- The ranking page: 100 branches a page, ranked by the database ----------------------

RANKING_PAGE_SIZE = 100
CHART_ROWS = 30  # the charts show the top 30 (1,000 bars make a 2 MB SVG)


def ranked_assessments(round):
    """The round's assessments in the ranking's order, with their totals, numbered (`position`,
    1 = first row) and ranked (`rank`, as round_results ranks: 考评完成 only, a veto last, then
    total descending, equal keys share a rank; ties in the branches' order, then name) by the
    database's window functions over the kept totals (models.Total, one row a branch, kept by
    triggers: assessment/totals.py), so that a page fetches its own rows only and nothing is
    summed per request. An assessment without a kept row yet counts zero."""
    zero = _zero()
    # One sort serves both windows: the rank's partition and order are the position's first keys.
    key = [F("unassessed").asc(), F("has_veto").asc(), F("total").desc()]
    return (
        Assessment.objects.filter(round=round)
        .annotate(
            self_total=Coalesce(F("kept_total__self_sum"), zero),
            onsite_total=Coalesce(F("kept_total__onsite_sum"), zero),
            bonus=Least(Coalesce(F("kept_total__approved_bonus"), zero),
                        Value(round.standard.bonus_cap, output_field=DECIMAL)),
            vetoes=Coalesce(F("kept_total__vetoes"), Value(0)),
            unassessed=ExpressionWrapper(~Q(status__in=ASSESSED), output_field=BooleanField()),
        )
        .annotate(
            has_veto=ExpressionWrapper(Q(vetoes__gt=0), output_field=BooleanField()),
            total=ExpressionWrapper(F("onsite_total") + F("bonus"), output_field=DECIMAL),
        )
        .annotate(
            position=Window(RowNumber(), order_by=[*key, F("branch__order").asc(), F("branch__name").asc(),
                                                   F("pk").asc()]),
            rank=Window(Rank(), partition_by=[F("unassessed")], order_by=key[1:]),
        )
        .order_by()  # RankedRows orders the few rows it fetches by position
    )


RANKED_FIELDS = ("self_total", "onsite_total", "bonus", "total", "has_veto", "unassessed", "rank", "position",
                 "submitted_at")


def _result_row(a, bands, areas):
    assessed = not a.unassessed
    return ResultRow(
        assessment=a, rank=a.rank if assessed else None, self_total=a.self_total, onsite_total=a.onsite_total,
        bonus=a.bonus, total=a.total,
        difference=difference(a.self_total, a.onsite_total) if assessed and a.submitted_at else None,
        has_veto=a.has_veto, grade=grade_for(a.total, a.has_veto, bands) if assessed else "",
        areas=areas.get(a.pk, {}),
    )


class RankedRows:
    """The ranking as Django's Paginator takes it ("a sliceable object with a count() method"):
    the count is known beforehand (one cheap query), and a slice is the page's rows, fetched
    with the top CHART_ROWS rows for the charts in the same query (positions 1–30 and the
    page's: one IN list). Each row is a ResultRow; the page's rows carry their per-area
    subtotals (a second query, 7 rows per branch on the page); `charted` holds the chart's."""

    def __init__(self, round, count):
        self.round, self.total_count = round, count
        self.charted = []

    def count(self):
        return self.total_count

    def __len__(self):
        return self.total_count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("RankedRows takes slices only")
        start, stop, _ = index.indices(self.total_count)
        wanted = set(range(start + 1, stop + 1)) | set(range(1, CHART_ROWS + 1))
        found = assessment_rows(
            ranked_assessments(self.round).filter(position__in=sorted(wanted)), *RANKED_FIELDS)
        found.sort(key=lambda a: a.position)
        bands = list(self.round.standard.grade_bands.order_by("-min_score").values_list("grade", "min_score"))
        page = [a for a in found if start < a.position <= stop]
        areas = area_subtotals(self.round, [a.pk for a in page])
        self.charted = [_result_row(a, bands, areas) for a in found if a.position <= CHART_ROWS and not a.unassessed]
        return [_result_row(a, bands, areas) for a in page]


@dataclass
class RankingPage:
    page: object            # a Django Page of ResultRow
    charted: list           # the top CHART_ROWS 考评完成 rows (ResultRow), for the charts
    count: int              # branches in the round
    finalised_count: int    # 考评完成 (finalised or published)
    inflated_count: int     # 自评虚高 over the threshold, in the whole round
    version: tuple          # changes whenever a score of the round does (the kept totals' count and changes)


def ranking_page(round, number, threshold):
    """One page (RANKING_PAGE_SIZE rows) of the round's ranking for the page `number` as the
    query string gave it (Paginator.get_page: not a number → the first page, past the end →
    the last), with the round's counts: four queries whatever the number of branches (the
    counts; the page's rows with the chart's; the grade bands; the page's area subtotals)."""
    gap = F("kept_total__self_sum") - F("kept_total__onsite_sum")
    counts = Assessment.objects.filter(round=round).alias(gap=gap).aggregate(
        count=Count("pk"),
        finalised=Count("pk", filter=Q(status__in=ASSESSED)),
        inflated=Count("pk", filter=Q(status__in=ASSESSED, submitted_at__isnull=False, gap__gt=threshold)),
        changes=Sum("kept_total__changes"),
    )
    rows = RankedRows(round, counts["count"])
    page = Paginator(rows, RANKING_PAGE_SIZE).get_page(number)  # fetches the page's rows and the chart's
    return RankingPage(page=page, charted=rows.charted, count=counts["count"], finalised_count=counts["finalised"],
                       inflated_count=counts["inflated"], version=(counts["count"], counts["changes"] or 0))


def inflated(rows, threshold):
    """Rows whose self total exceeds the on-site total by more than `threshold` (自评虚高)."""
    return [row for row in rows if row.difference is not None and row.difference > threshold]


def typical_problems(round, limit=10):
    """Items with the largest total gap between self and on-site scores across the round.

    Grouped by item_id alone (a narrow hash aggregate); the item's number, content and area
    name are looked up for the groups (56 at most) afterwards, in the same query: grouping by
    the texts made PostgreSQL sort every score row with its item's content, on disk."""
    item = Item.objects.filter(pk=OuterRef("item_id")).order_by()
    # A score given in full and claimed as given adds nothing to either sum: most scores of a
    # round, left out before the join and the grouping.
    counts = Q(onsite_score__lt=F("points")) | ~Q(self_score=F("onsite_score"))
    return (
        Score.objects.filter(counts, assessment__round=round, onsite_score__isnull=False)
        .order_by()
        .values("item_id")
        .annotate(
            gap=Sum(F("self_score") - F("onsite_score"), filter=Q(self_score__isnull=False)),
            deducted=Count("id", filter=Q(onsite_score__lt=F("points"))),
        )
        .filter(deducted__gt=0)
        .annotate(**{
            "item__number": Subquery(item.values("number")),
            "item__content": Subquery(item.values("content")),
            "item__area__name": Subquery(item.values("area__name")),
        })
        .order_by("-deducted", "-gap", "item__number")[:limit]
    )
