"""Results of a round, computed by the database: totals, per-area subtotals,
approved bonus within the cap, vetoes, grades and the ranking.

total = on-site item scores + approved bonus (at most the standard's cap);
any veto finding makes the grade 不合格 whatever the total.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case, Count, DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When, Window,
)
from django.db.models.functions import Coalesce, Least, Rank

from .models import Assessment, BonusClaim, Grade, Score, VetoFinding

ZERO = Decimal("0")
DECIMAL = DecimalField(max_digits=8, decimal_places=1)


def _zero():
    return Value(ZERO, output_field=DECIMAL)


def results_queryset(round):
    """Assessments of the round annotated with totals, bonus, veto and rank (one query)."""
    approved_bonus = (
        BonusClaim.objects.filter(assessment=OuterRef("pk"), decision=BonusClaim.Decision.APPROVED)
        .values("assessment")
        .annotate(total=Sum("bonus__points"))
        .values("total")
    )
    scores = Score.objects.filter(assessment=OuterRef("pk")).values("assessment")
    self_sum = scores.annotate(total=Sum("self_score")).values("total")
    onsite_sum = scores.annotate(total=Sum("onsite_score")).values("total")
    scored = scores.annotate(n=Count("onsite_score")).values("n")
    self_scored = scores.annotate(n=Count("self_score")).values("n")
    cap = round.standard.bonus_cap
    qs = (
        Assessment.objects.filter(round=round)
        .select_related("branch")
        .annotate(
            self_total=Coalesce(Subquery(self_sum, output_field=DECIMAL), _zero()),
            onsite_total=Coalesce(Subquery(onsite_sum, output_field=DECIMAL), _zero()),
            onsite_scored=Coalesce(Subquery(scored), Value(0)),
            self_scored=Coalesce(Subquery(self_scored), Value(0)),
            bonus=Least(Coalesce(Subquery(approved_bonus, output_field=DECIMAL), _zero()), Value(cap, output_field=DECIMAL)),
            has_veto=Exists(VetoFinding.objects.filter(assessment=OuterRef("pk"))),
        )
        .annotate(
            total=F("onsite_total") + F("bonus"),
            difference=F("self_total") - F("onsite_total"),
            veto_order=Case(When(has_veto=True, then=Value(1)), default=Value(0)),
        )
        .annotate(rank=Window(Rank(), order_by=[F("veto_order").asc(), F("total").desc()]))
        .order_by("rank", "branch__order", "branch__name")
    )
    return qs


@dataclass
class ResultRow:
    assessment: Assessment
    rank: int
    self_total: Decimal
    onsite_total: Decimal
    bonus: Decimal
    total: Decimal
    difference: Decimal
    has_veto: bool
    grade: str
    areas: dict = field(default_factory=dict)  # area_id -> (self subtotal, on-site subtotal)

    @property
    def grade_label(self):
        return str(Grade(self.grade).label)


def grade_for(total, has_veto, bands):
    """bands: [(grade, min_score)] sorted by min_score descending."""
    if has_veto:
        return Grade.FAIL
    for grade, minimum in bands:
        if total >= minimum:
            return grade
    return Grade.FAIL


def area_subtotals(round):
    """{assessment_id: {area_id: (self, onsite)}} in one grouped query."""
    rows = (
        Score.objects.filter(assessment__round=round)
        .values("assessment_id", "item__area_id")
        .annotate(self_sum=Sum("self_score"), onsite_sum=Sum("onsite_score"))
        .order_by()
    )
    result = {}
    for row in rows:
        result.setdefault(row["assessment_id"], {})[row["item__area_id"]] = (
            row["self_sum"] or ZERO, row["onsite_sum"] or ZERO,
        )
    return result


def round_results(round, *, with_areas=True):
    """The ranking of a round: a list of ResultRow, best first (a fixed number of queries)."""
    bands = list(round.standard.grade_bands.order_by("-min_score").values_list("grade", "min_score"))
    subtotals = area_subtotals(round) if with_areas else {}
    rows = []
    for a in results_queryset(round):
        rows.append(ResultRow(
            assessment=a, rank=a.rank, self_total=a.self_total, onsite_total=a.onsite_total,
            bonus=a.bonus, total=a.total, difference=a.difference, has_veto=a.has_veto,
            grade=grade_for(a.total, a.has_veto, bands), areas=subtotals.get(a.pk, {}),
        ))
    return rows


def inflated(rows, threshold):
    """Rows whose self total exceeds the on-site total by more than `threshold` (自评虚高)."""
    return [row for row in rows if row.difference > threshold]


def typical_problems(round, limit=10):
    """Items with the largest total gap between self and on-site scores across the round."""
    return (
        Score.objects.filter(assessment__round=round, onsite_score__isnull=False)
        .values("item_id", "item__number", "item__content", "item__area__name")
        .annotate(
            gap=Sum(F("self_score") - F("onsite_score"), filter=Q(self_score__isnull=False)),
            deducted=Count("id", filter=Q(onsite_score__lt=F("points"))),
        )
        .filter(deducted__gt=0)
        .order_by("-deducted", "-gap", "item__number")[:limit]
    )
