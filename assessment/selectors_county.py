"""The county's reads (县委组织部): its county rounds, every township's progress through the
phases, grades and scores side by side, the ranking across the county and the comparison with
the county's previous round. Each in a fixed number of queries, whatever the number of
townships and branches (1,000 branches in 10 townships at county scale).

The county reads a township's scores only once the township has published its notice: before,
its progress is counts of branches and items, no score."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from .models import (
    Assessment, CountyRound, Grade, Phase, Rectification, RectificationStatus, Role, Round, Status, Subtotal,
    VetoFinding,
)
from .results import ASSESSED, DECIMAL, ZERO, _approved_bonus, difference, grade_for
from .rows import assessment_rows
from .selectors import SUBMITTED_STATUSES, overdue_q

RANKING_PAGE = 100
GRADES = [Grade.EXCELLENT, Grade.GOOD, Grade.PASS, Grade.FAIL]


def county_rounds_visible_to(user):
    """Every county round for the superuser, their county's for a county user, none for others."""
    qs = CountyRound.objects.select_related("county", "standard")
    if user.is_superuser:
        return qs
    if user.role == Role.COUNTY and user.county_id:
        return qs.filter(county_id=user.county_id)
    return qs.none()


def county_round_for(user, pk):
    """The county round `pk` if the user may see it; else 404."""
    found = county_rounds_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def previous_county_round(county_round):
    """The county's latest county round before `county_round`, or None."""
    return (CountyRound.objects.filter(county_id=county_round.county_id)
            .filter(Q(year__lt=county_round.year)
                    | Q(year=county_round.year, created_at__lt=county_round.created_at))
            .exclude(pk=county_round.pk).select_related("standard").order_by("-year", "-created_at", "-pk").first())


# --- the ranking across the county ---------------------------------------------------------------


@dataclass(slots=True)
class CountyRow:
    """One branch in the county's ranking."""
    assessment: object  # rows.AssessmentRow with township_name, round_id
    rank: int
    township_rank: int
    self_total: Decimal
    total: Decimal
    bonus: Decimal
    difference: Decimal | None
    has_veto: bool
    grade: str

    @property
    def grade_label(self):
        return str(Grade(self.grade).label)


RESULTS_SECONDS = 600  # a branch renamed in the admin shows in the county's ranking within 10 minutes


def county_results(county_round):
    """The ranking across the county of the branches of its townships' published rounds: a list
    of CountyRow, best first (a veto last; equal keys share a rank). One query, and three more
    when not cached: a published round's scores, bonus and vetoes no longer change (reopening
    it on site is refused), so the rows are kept in the cache under the county round and the
    (round, publication time) of each published round: a round published, or published again
    after stepping back, makes a new key."""
    published = list(Round.objects.filter(county_round=county_round, published_at__isnull=False)
                     .order_by("pk").values_list("pk", "published_at"))
    signature = hashlib.sha256(repr((county_round.pk, county_round.standard_id, published)).encode()).hexdigest()
    key = f"county-results:{signature}"
    rows = cache.get(key)
    if rows is None:
        rows = _county_results(county_round) if published else []
        cache.set(key, rows, RESULTS_SECONDS)
    return rows


def _county_results(county_round):
    standard = county_round.standard
    bands = list(standard.grade_bands.order_by("-min_score").values_list("grade", "min_score"))
    published = Q(round__county_round=county_round, round__published_at__isnull=False)
    totals = {
        pk: (self_sum or ZERO, onsite_sum or ZERO)
        for pk, self_sum, onsite_sum in Subtotal.objects.filter(
            assessment__round__county_round=county_round, assessment__round__published_at__isnull=False)
        .order_by().values("assessment_id").annotate(self_sum=Sum("self_sum"), onsite_sum=Sum("onsite_sum"))
        .values_list("assessment_id", "self_sum", "onsite_sum")
    }
    assessments = (
        Assessment.objects.filter(published, status__in=ASSESSED)
        .annotate(
            approved_bonus=Subquery(_approved_bonus(), output_field=DECIMAL),
            has_veto=Exists(VetoFinding.objects.filter(assessment=OuterRef("pk")).order_by()),
        )
        .order_by("round__township__name", "branch__order", "branch__name", "pk")
    )
    rows = []
    cap = standard.bonus_cap
    for a in assessment_rows(assessments, "approved_bonus", "has_veto", "submitted_at", "round_id",
                             "round__township_id", "round__township__name"):
        self_total, onsite_total = totals.get(a.pk, (ZERO, ZERO))
        bonus = min(a.approved_bonus or ZERO, cap)
        total = onsite_total + bonus
        rows.append(CountyRow(
            assessment=a, rank=0, township_rank=0, self_total=self_total, total=total, bonus=bonus,
            difference=difference(self_total, onsite_total) if a.submitted_at else None,
            has_veto=a.has_veto, grade=grade_for(total, a.has_veto, bands),
        ))
    rows.sort(key=lambda row: (row.has_veto, -row.total))
    _rank(rows, "rank")
    by_township = defaultdict(list)
    for row in rows:
        by_township[row.assessment.round__township_id].append(row)
    for township_rows in by_township.values():
        _rank(township_rows, "township_rank")
    return rows


def _rank(rows, attribute):
    previous = rank = None
    for position, row in enumerate(rows, 1):
        key = (row.has_veto, row.total)
        if key != previous:
            rank, previous = position, key
        setattr(row, attribute, rank)


def county_ranking_page(county_round, page=1, township=None):
    """A page (RANKING_PAGE rows) of the county's ranking, optionally of one township."""
    rows = county_results(county_round)
    if township is not None:
        rows = [row for row in rows if row.assessment.round__township_id == township]
    return Paginator(rows, RANKING_PAGE).get_page(page)


# --- every township's progress -------------------------------------------------------------------


@dataclass
class TownshipProgress:
    round: Round
    branches: int = 0
    submitted: int = 0
    assessed: int = 0
    published: int = 0
    rect_open: int = 0
    rect_overdue: int = 0
    rect_closed: int = 0
    grades: dict = field(default_factory=dict)  # grade -> number of branches (published rounds only)
    average: Decimal | None = None
    best: Decimal | None = None
    worst: Decimal | None = None
    earlier: object = None  # the township's figures in the county's previous round (Comparison)

    @property
    def township(self):
        return self.round.township

    def percent(self, count):
        return round(100 * count / self.branches) if self.branches else 0

    @property
    def submitted_percent(self):
        return self.percent(self.submitted)

    @property
    def assessed_percent(self):
        return self.percent(self.assessed)

    @property
    def excellent(self):
        return self.grades.get(Grade.EXCELLENT, 0)

    @property
    def graded(self):
        return sum(self.grades.values())

    @property
    def grade_counts(self):
        return [(Grade(g).label, self.grades.get(g, 0)) for g in GRADES]

    @property
    def average_change(self):
        if self.average is None or self.earlier is None or self.earlier.average is None:
            return None
        return self.average - self.earlier.average


@dataclass
class Comparison:
    """A township's figures in an earlier county round."""
    average: Decimal | None
    excellent: int
    branches: int


@dataclass
class CountyProgress:
    county_round: CountyRound
    townships: list
    totals: dict
    previous: CountyRound | None
    ranking_size: int


def _grades_and_scores(rows):
    """{township_id: (grade counts, average, best, worst)} of county_results rows."""
    by_township = defaultdict(list)
    for row in rows:
        by_township[row.assessment.round__township_id].append(row)
    figures = {}
    for township_id, township_rows in by_township.items():
        totals = [row.total for row in township_rows]
        grades = defaultdict(int)
        for row in township_rows:
            grades[row.grade] += 1
        average = (sum(totals, ZERO) / len(totals)).quantize(Decimal("0.1"))
        figures[township_id] = (dict(grades), average, max(totals), min(totals))
    return figures


def county_progress(county_round, today=None):
    """Every township of the county round through the phases, with its grades and scores once
    published and the comparison with the county's previous round: 3 queries, the ranking's
    (county_results: 1, or 4 when not cached), the previous round (1) and its ranking."""
    today = today or timezone.localdate()
    rounds = list(Round.objects.filter(county_round=county_round).select_related("township")
                  .order_by("township__name", "pk"))
    progress = {round.pk: TownshipProgress(round=round) for round in rounds}
    counted = (
        Assessment.objects.filter(round__county_round=county_round).order_by().values("round_id").annotate(
            branches=Count("pk"),
            submitted=Count("pk", filter=Q(status__in=SUBMITTED_STATUSES) | Q(submitted_at__isnull=False)),
            assessed=Count("pk", filter=Q(status__in=ASSESSED)),
            published=Count("pk", filter=Q(status=Status.PUBLISHED)),
        )
    )
    for row in counted:
        p = progress[row["round_id"]]
        p.branches, p.submitted, p.assessed, p.published = (
            row["branches"], row["submitted"], row["assessed"], row["published"])
    items = (
        Rectification.objects.filter(assessment__round__county_round=county_round)
        .exclude(status=RectificationStatus.DRAFT).order_by().values("assessment__round_id").annotate(
            open=Count("pk", filter=Q(status__in=(RectificationStatus.PENDING, RectificationStatus.REPORTED))),
            overdue=Count("pk", filter=overdue_q(today)),
            closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED)),
        )
    )
    for row in items:
        p = progress[row["assessment__round_id"]]
        p.rect_open, p.rect_overdue, p.rect_closed = row["open"], row["overdue"], row["closed"]
    ranking = county_results(county_round)
    figures = _grades_and_scores(ranking)
    previous = previous_county_round(county_round)
    earlier = {}
    if previous is not None:
        for township_id, (grades, average, _best, _worst) in _grades_and_scores(county_results(previous)).items():
            earlier[township_id] = Comparison(average=average, excellent=grades.get(Grade.EXCELLENT, 0),
                                              branches=sum(grades.values()))
    for p in progress.values():
        found = figures.get(p.round.township_id)
        if found:
            p.grades, p.average, p.best, p.worst = found
        p.earlier = earlier.get(p.round.township_id)
    townships = list(progress.values())
    totals = {name: sum(getattr(p, name) for p in townships)
              for name in ("branches", "submitted", "assessed", "published", "rect_open", "rect_overdue")}
    totals["townships"] = len(townships)
    totals["townships_published"] = sum(1 for p in townships if p.round.published_at)
    totals["phases"] = {phase: sum(1 for p in townships if p.round.phase == phase) for phase in Phase.values}
    return CountyProgress(county_round=county_round, townships=townships, totals=totals, previous=previous,
                          ranking_size=len(ranking))
