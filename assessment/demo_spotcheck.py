"""Demo data of 抽查复核: the county's spot check of six branches of its finished 2025 rounds,
re-scored by its department through the services, published. The county mostly finds what the
townships found; in one township (the one with the most branches drawn) it takes several points
more off each sampled branch, so that township is flagged (评分差异大).

Called by seed_demo once the county, its user and its finished 2025 rounds exist; idempotent
(a spot check of that name already there is left as it is)."""

from decimal import Decimal

from .models import Score
from .models_spot import SpotCheck, SpotScore
from .services.spotcheck import spot_check_draw, spot_check_publish, spot_score_record

NAME = "2025年度抽查复核"
SEED = 2025
SIZE = 6
HALF = Decimal("0.5")


def _reason(item):
    return f"复核发现：{item.content.strip().rstrip('。；;，,')[:30]}，落实不到位"


def seed_spot_check(*, county, actor, year=2025, threshold=Decimal("5")):
    """The county's spot check of `year` (six branches drawn at random with seed 2025), every item
    re-scored and published; None when the county has no finished branch that year."""
    existing = SpotCheck.objects.filter(county=county, name=NAME).first()
    if existing is not None:
        return existing
    from .selectors_spot import spot_pool

    if not spot_pool(county.pk, year):
        return None
    spot = spot_check_draw(actor=actor, county=county, year=year, name=NAME, method="random", size=SIZE,
                           seed=SEED, threshold=threshold)
    samples = list(spot.samples.select_related("assessment__round__township", "assessment__branch"))
    counts = {}
    for sample in samples:
        township = sample.assessment.round.township
        counts[township.pk] = counts.get(township.pk, 0) + 1
    flagged = max(counts, key=lambda pk: (counts[pk], -pk))
    for position, sample in enumerate(samples):
        strict = sample.assessment.round.township_id == flagged
        theirs = dict(Score.objects.filter(assessment_id=sample.assessment_id).values_list("item_id", "onsite_score"))
        rows = list(SpotScore.objects.filter(sample=sample).select_related("item").order_by("item__number"))
        taken = Decimal(0)
        for index, row in enumerate(rows):
            score = theirs.get(row.item_id)
            score = row.points if score is None else score
            if strict and taken < threshold + 2 and score >= 1 and index % 3 == 1:
                score -= 1  # the county finds less done than the township did
                taken += 1
            elif not strict and index == position % len(rows) and score >= HALF:
                score -= HALF  # a half-point reading, within the threshold
            spot_score_record(sample=sample, item=row.item, actor=actor, score=score,
                              reason=_reason(row.item) if score < row.points else "", version=row.version)
    spot_check_publish(spot_check=spot, actor=actor)
    return spot
