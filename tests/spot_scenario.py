"""The scenario of the spot-check tests (抽查复核): the cast's township 化峪镇 and a second township
太阳乡 (its admin tina) in the cast's county 稷山县, whose department user is xian; the cast's
other township (其他镇) in the other county 外县, whose department user is waixian.

Each township ran a 2025 round of the cast's standard (3 areas × 4 items × 2 points), finished on
site: 化峪镇's 化峪村 (a 示范点) full marks but item 1 (1.5), 西段村 full but items 1–2 (1 each);
太阳乡's 东村 full, 西村 full but item 3 (1); 其他镇's 外镇村 full. Every branch 考评完成 except
东村, 已通报 (its round published).
"""

import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from assessment.models import Branch, Phase, Role, Round, Score, Status, Township
from assessment.services.rounds import round_prepare
from tests.conftest import make_user


class World:
    pass


def _finished(township, standard, deductions, year=2025, published=()):
    """A round of `year` of `township`, every branch scored on site: full points but the items
    `deductions[branch name]` ({number: score}); 考评完成, or 已通报 for the branches in `published`."""
    round = Round.objects.create(township=township, standard=standard, name=f"{township.name}{year}年度考核",
                                 year=year, phase=Phase.NOTICE if published else Phase.ONSITE)
    round_prepare(round=round)
    Score.objects.filter(assessment__round=round).update(self_score=F("points"), onsite_score=F("points"))
    for assessment in round.assessments.select_related("branch"):
        for number, score in deductions.get(assessment.branch.name, {}).items():
            Score.objects.filter(assessment=assessment, item__number=number).update(
                onsite_score=Decimal(score), deduction_reason="会议记录不全")
        assessment.status = Status.PUBLISHED if assessment.branch.name in published else Status.FINALISED
        assessment.submitted_at = timezone.now()
        assessment.finalised_at = timezone.now()
        assessment.onsite_date = datetime.date(year, 12, 10)
        assessment.assessors_present = "bob"
        assessment.save()
    return round


def build(cast):
    c = cast
    w = World()
    w.county, w.other_county = c.county, c.other_county
    w.township2 = Township.objects.create(name="太阳乡", county=w.county)
    w.east = Branch.objects.create(township=w.township2, name="东村", order=1)
    w.west = Branch.objects.create(township=w.township2, name="西村", order=2)
    Branch.objects.filter(pk=c.branch.pk).update(is_demonstration=True)
    w.xian, w.waixian = c.xian, c.waixian
    w.tina = make_user("tina", Role.ADMIN, township=w.township2)
    w.round = _finished(c.township, c.standard, {"化峪村": {1: "1.5"}, "西段村": {1: "1", 2: "1"}})
    w.round2 = _finished(w.township2, c.standard, {"西村": {3: "1"}}, published={"东村"})
    w.other_round = _finished(c.other_township, c.standard, {})
    w.a_cun = w.round.assessments.get(branch=c.branch)          # 化峪村
    w.a_xiduan = w.round.assessments.get(branch=c.branch2)      # 西段村
    w.a_east = w.round2.assessments.get(branch=w.east)
    w.a_west = w.round2.assessments.get(branch=w.west)
    w.a_other = w.other_round.assessments.get(branch=c.other_branch)
    w.items = list(c.standard.items.order_by("number"))
    return w


def rescore(spot_check, actor, scores=None, default="full"):
    """Every item of every sample of `spot_check` re-scored through the service: full points, or
    `scores[(assessment_id, number)]` (with a reason when below the points)."""
    from assessment.models_spot import SpotScore
    from assessment.services.spotcheck import spot_score_record

    scores = scores or {}
    for row in SpotScore.objects.filter(sample__spot_check=spot_check).select_related("sample", "item"):
        value = scores.get((row.sample.assessment_id, row.item.number), row.points if default == "full" else None)
        value = None if value is None else Decimal(value)
        spot_score_record(sample=row.sample, item=row.item, actor=actor, score=value,
                          reason="复核发现记录不全" if value is not None and value < row.points else "",
                          version=row.version)
