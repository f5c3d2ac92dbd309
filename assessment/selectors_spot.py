"""Reads of 抽查复核 (county spot checks), scoped to the user: the spot checks a user may see,
the branches a county may draw from, and the township's scores beside the county's.

差值 here is the county's re-score minus the township's on-site score (复核−考评), over the
items the county has re-scored, without bonus (like the ranking's 差值, which leaves bonus
out). A township is flagged (评分差异大) when the mean of |差值| over its sampled branches
exceeds the spot check's threshold. Query counts do not grow with the data."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from .models import (
    ZERO, Assessment, BonusClaim, Evidence, Role, Score, Status, Subtotal, VetoFinding,
)
from .models_spot import SpotCheck, SpotSample, SpotScore
from .selectors import decimal_text

ASSESSED = (Status.FINALISED, Status.PUBLISHED)


def is_county_user(user):
    return getattr(user, "role", "") == Role.COUNTY and getattr(user, "county_id", None) is not None


def spot_checks_visible_to(user):
    """The superuser: every spot check; a county user: their county's; a township admin or
    assessor: the published ones with a branch of their township; anyone else: none."""
    qs = SpotCheck.objects.select_related("county", "drawn_by")
    if user.is_superuser:
        return qs
    if is_county_user(user):
        return qs.filter(county_id=user.county_id)
    if user.role in (Role.ADMIN, Role.ASSESSOR) and user.township_id:
        mine = SpotSample.objects.filter(assessment__round__township_id=user.township_id).values("spot_check_id")
        return qs.filter(published_at__isnull=False, pk__in=mine)
    return qs.none()


def sample_township_id(user):
    """The township whose samples `user` sees of a visible spot check, or None for all of them
    (the county and the superuser)."""
    if user.is_superuser or is_county_user(user):
        return None
    return user.township_id


# --- the branches a spot check draws from ---------------------------------------------------------


@dataclass
class PoolRow:
    """A branch a county may draw: its township's finished assessment of the year."""
    pk: int                 # the assessment
    round_id: int
    township_id: int
    township: str
    branch: str
    is_demonstration: bool
    order: int
    total: Decimal = ZERO   # the township's on-site total with bonus (capped)
    has_veto: bool = False
    rank: int = 0           # in its township's round: a veto last, then total descending

    @property
    def total_text(self):
        return decimal_text(self.total)


def spot_pool(county_id, year):
    """The assessments a spot check of `county_id`'s `year` draws from: every branch 考评完成 or
    已通报 in a round of that year of a township of the county, with its total and its rank in
    its township's round, ordered by township and branch. Four queries whatever the size."""
    base = Assessment.objects.filter(round__township__county_id=county_id, round__year=year, status__in=ASSESSED)
    caps = {}
    rows = []
    for pk, round_id, township_id, township, branch, demo, order, cap in base.order_by(
            "round__township__name", "round_id", "branch__order", "branch__name", "pk").values_list(
            "pk", "round_id", "round__township_id", "round__township__name", "branch__name",
            "branch__is_demonstration", "branch__order", "round__standard__bonus_cap"):
        rows.append(PoolRow(pk, round_id, township_id, township, branch, demo, order))
        caps[pk] = cap
    if not rows:
        return rows
    sums = dict(Subtotal.objects.filter(assessment__in=base).order_by().values("assessment_id")
                .annotate(s=Sum("onsite_sum")).values_list("assessment_id", "s"))
    bonus = dict(BonusClaim.objects.filter(assessment__in=base, decision=BonusClaim.Decision.APPROVED)
                 .order_by().values("assessment_id").annotate(s=Sum("bonus__points"))
                 .values_list("assessment_id", "s"))
    vetoed = set(VetoFinding.objects.filter(assessment__in=base).values_list("assessment_id", flat=True))
    by_round = defaultdict(list)
    for row in rows:
        row.total = (sums.get(row.pk) or ZERO) + min(bonus.get(row.pk) or ZERO, caps[row.pk])
        row.has_veto = row.pk in vetoed
        by_round[row.round_id].append(row)
    for ranked in by_round.values():
        previous = None
        for position, row in enumerate(sorted(ranked, key=lambda r: (r.has_veto, -r.total)), 1):
            key = (row.has_veto, row.total)
            if key != previous:
                rank, previous = position, key
            row.rank = rank
    return rows


def pool_years(county_id):
    """The years with rounds of the county's townships, newest first (one query)."""
    return list(Assessment.objects.filter(round__township__county_id=county_id, status__in=ASSESSED)
                .order_by("-round__year").values_list("round__year", flat=True).distinct())


# --- the township's scores beside the county's -----------------------------------------------------


@dataclass
class SampleRow:
    """One sampled branch on a spot check's page."""
    pk: int
    assessment_id: int
    township_id: int
    township: str
    branch: str
    is_demonstration: bool
    reason: str
    reason_label: str
    items: int = 0
    scored: int = 0
    township_total: Decimal = ZERO       # the township's on-site item scores, every item
    county_total: Decimal = ZERO         # the county's re-scores so far
    township_scored: Decimal = ZERO      # the township's on the items the county has re-scored
    difference: Decimal | None = None    # county − township on the re-scored items; None before any

    @property
    def done(self):
        return self.items > 0 and self.scored == self.items


@dataclass
class TownshipRow:
    """A township's line on a spot check's page: its sampled branches and the mean |差值|."""
    pk: int
    name: str
    samples: list = field(default_factory=list)
    mean_difference: Decimal | None = None  # of |差值|, over the branches re-scored at all
    flagged: bool = False


def _difference_sums(spot_check_id, township_id=None):
    """{sample_id: (items, scored, county sum, township sum on the re-scored items)}: two queries
    (the county's scores; the township's on the same assessments)."""
    spot = SpotScore.objects.filter(sample__spot_check_id=spot_check_id)
    if township_id is not None:
        spot = spot.filter(sample__assessment__round__township_id=township_id)
    rows = list(spot.values_list("sample_id", "sample__assessment_id", "item_id", "score"))
    theirs = dict(((a, i), s) for a, i, s in Score.objects.filter(
        assessment__spot_samples__spot_check_id=spot_check_id,
        **({"assessment__round__township_id": township_id} if township_id is not None else {}),
    ).values_list("assessment_id", "item_id", "onsite_score"))
    sums = {}
    for sample_id, assessment_id, item_id, score in rows:
        items, scored, county, township = sums.get(sample_id, (0, 0, ZERO, ZERO))
        items += 1
        if score is not None:
            scored += 1
            county += score
            township += theirs.get((assessment_id, item_id)) or ZERO
        sums[sample_id] = (items, scored, county, township)
    return sums


def spot_check_rows(spot_check, township_id=None):
    """(samples, townships) of a spot check: every sampled branch (of `township_id` only, when
    given) with the township's and the county's totals and their difference; every township
    with its mean |差值| and whether it is flagged. Four queries whatever the sample's size."""
    samples = SpotSample.objects.filter(spot_check=spot_check)
    if township_id is not None:
        samples = samples.filter(assessment__round__township_id=township_id)
    labels = dict(SpotSample._meta.get_field("reason").choices)
    rows = [
        SampleRow(pk, assessment_id, t_id, t_name, b_name, demo, reason, str(labels.get(reason, reason)))
        for pk, assessment_id, t_id, t_name, b_name, demo, reason in samples.order_by(
            "assessment__round__township__name", "order", "pk").values_list(
            "pk", "assessment_id", "assessment__round__township_id", "assessment__round__township__name",
            "assessment__branch__name", "assessment__branch__is_demonstration", "reason")
    ]
    if not rows:
        return rows, []
    totals = dict(Subtotal.objects.filter(assessment__spot_samples__in=samples).order_by()
                  .values("assessment_id").annotate(s=Sum("onsite_sum")).values_list("assessment_id", "s"))
    sums = _difference_sums(spot_check.pk, township_id)
    townships = {}
    for row in rows:
        row.items, row.scored, row.county_total, row.township_scored = sums.get(row.pk, (0, 0, ZERO, ZERO))
        row.township_total = totals.get(row.assessment_id) or ZERO
        if row.scored:
            row.difference = row.county_total - row.township_scored
        township = townships.setdefault(row.township_id, TownshipRow(row.township_id, row.township))
        township.samples.append(row)
    for township in townships.values():
        gaps = [abs(r.difference) for r in township.samples if r.difference is not None]
        if gaps:
            township.mean_difference = (sum(gaps, ZERO) / len(gaps)).quantize(Decimal("0.1"))
            township.flagged = township.mean_difference > spot_check.threshold
    return rows, list(townships.values())


def flagged_townships(spot_check):
    """The townships of a spot check whose scores differ beyond its threshold."""
    return [t for t in spot_check_rows(spot_check)[1] if t.flagged]


# --- one sampled branch: the re-scoring page and its difference ------------------------------------


@dataclass
class SpotArea:
    pk: int
    number: int
    name: str
    points: Decimal
    rows: list = field(default_factory=list)
    items: int = 0
    scored: int = 0
    county: Decimal = ZERO           # the county's re-scores of the area so far
    township: Decimal = ZERO         # the township's on-site scores of the area, every item
    township_scored: Decimal = ZERO  # the township's on the items the county has re-scored

    @property
    def difference(self):
        return self.county - self.township_scored if self.scored else None


SHEET_FIELDS = ("item_id", "item__number", "item__area_id", "item__area__number", "item__area__name",
                "item__area__points", "item__content", "item__criteria", "item__check_method", "points",
                "score", "reason", "version")


def item_difference(county, township):
    """差值 of one item, or None when either is not scored."""
    if county is None or township is None:
        return None
    return county - township


def signed(value):
    """+1.5 / −0.5 / 0 for a difference; "" for None."""
    if value is None:
        return ""
    if value > 0:
        return "+" + decimal_text(value)
    if value < 0:
        return "−" + decimal_text(-value)
    return "0"


@dataclass
class SpotSheet:
    areas: list
    items: int
    scored: int
    county: Decimal
    township: Decimal
    township_scored: Decimal
    self_total: Decimal

    @property
    def difference(self):
        return self.county - self.township_scored if self.scored else None


def spot_sheet_for(sample, with_files=True):
    """The items of a sampled branch, each with the branch's self score, the township's on-site
    score and deduction reason, and the county's re-score; grouped by area with the sums. Three
    queries (the county's rows with their items, the township's rows, the evidence)."""
    theirs = {item_id: (self_score, onsite, reason) for item_id, self_score, onsite, reason in
              Score.objects.filter(assessment_id=sample.assessment_id).values_list(
                  "item_id", "self_score", "onsite_score", "deduction_reason")}
    files = defaultdict(list)
    if with_files:
        for pk, item_id, thumbnail, name, content_type in Evidence.objects.filter(
                assessment_id=sample.assessment_id, rectification__isnull=True, bonus_claim__isnull=True,
                item__isnull=False).order_by("uploaded_at", "pk").values_list(
                "pk", "item_id", "thumbnail", "original_name", "content_type"):
            files[item_id].append({"pk": pk, "thumbnail": bool(thumbnail), "name": name,
                                   "content_type": content_type})
    areas, area = [], None
    self_total = ZERO
    for (item_id, number, area_id, area_number, area_name, area_points, content, criteria, method, points,
         score, reason, version) in SpotScore.objects.filter(sample=sample).order_by(
            "item__area__number", "item__number").values_list(*SHEET_FIELDS):
        if area is None or area.pk != area_id:
            area = SpotArea(area_id, area_number, area_name, area_points)
            areas.append(area)
        self_score, onsite, onsite_reason = theirs.get(item_id, (None, None, ""))
        difference = item_difference(score, onsite)
        area.items += 1
        area.township += onsite or ZERO
        self_total += self_score or ZERO
        if score is not None:
            area.scored += 1
            area.county += score
            area.township_scored += onsite or ZERO
        area.rows.append({
            "id": item_id, "number": number, "content": content, "criteria": criteria, "check_method": method,
            "points": points, "points_text": decimal_text(points),
            "self_text": "" if self_score is None else decimal_text(self_score),
            "onsite_text": "" if onsite is None else decimal_text(onsite), "onsite_reason": onsite_reason,
            "score_text": "" if score is None else decimal_text(score), "reason": reason,
            "version": version, "difference": difference, "difference_text": signed(difference),
            "files": files.get(item_id, ()),
        })
    for a in areas:
        a.county_text, a.township_text = decimal_text(a.county), decimal_text(a.township)
        a.points_text = decimal_text(a.points)
        a.difference_text = signed(a.difference)
    return SpotSheet(
        areas=areas, items=sum(a.items for a in areas), scored=sum(a.scored for a in areas),
        county=sum((a.county for a in areas), ZERO), township=sum((a.township for a in areas), ZERO),
        township_scored=sum((a.township_scored for a in areas), ZERO), self_total=self_total,
    )


def spot_sample_totals(sample, area_id):
    """After one item's save: the sample's and the area's progress, county sums and differences
    (two queries: the county's sums, the township's on the re-scored items)."""
    spot = SpotScore.objects.filter(sample=sample)
    scored_items = spot.filter(score__isnull=False).values("item_id")
    agg = spot.aggregate(items=Count("id"), scored=Count("score"), county=Sum("score"),
                         area_items=Count("id", filter=Q(item__area_id=area_id)),
                         area_scored=Count("score", filter=Q(item__area_id=area_id)),
                         area_county=Sum("score", filter=Q(item__area_id=area_id)))
    theirs = Score.objects.filter(assessment_id=sample.assessment_id, item_id__in=scored_items).aggregate(
        township=Sum("onsite_score"), area=Sum("onsite_score", filter=Q(item__area_id=area_id)))
    county, area_county = agg["county"] or ZERO, agg["area_county"] or ZERO
    return {
        "items": agg["items"], "scored": agg["scored"], "county": county,
        "difference": county - (theirs["township"] or ZERO) if agg["scored"] else None,
        "area_items": agg["area_items"], "area_scored": agg["area_scored"], "area_county": area_county,
        "area_difference": area_county - (theirs["area"] or ZERO) if agg["area_scored"] else None,
    }


def township_score(sample, item_id):
    """The township's on-site score of one item of the sampled branch (one query)."""
    return Score.objects.filter(assessment_id=sample.assessment_id, item_id=item_id).values_list(
        "onsite_score", flat=True).first()
