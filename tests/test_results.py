from decimal import Decimal

from assessment.models import Assessment, Bonus, BonusClaim, Branch, Grade, Score, Status, Veto, VetoFinding
from assessment.results import results_queryset, round_results, typical_problems
from assessment.services.rounds import round_prepare
from django.utils import timezone


def score_all(assessment, onsite, self_score=None, finalised=True):
    Score.objects.filter(assessment=assessment).update(
        onsite_score=Decimal(onsite), self_score=Decimal(self_score if self_score is not None else onsite)
    )
    if finalised:
        Assessment.objects.filter(pk=assessment.pk).update(status=Status.FINALISED, submitted_at=timezone.now())


def test_totals_grades_and_ranking(cast):
    # 12 items of 2 points: full marks 24. Scale the bands to that standard.
    cast.standard.grade_bands.filter(grade=Grade.EXCELLENT).update(min_score=Decimal("22"))
    cast.standard.grade_bands.filter(grade=Grade.GOOD).update(min_score=Decimal("20"))
    cast.standard.grade_bands.filter(grade=Grade.PASS).update(min_score=Decimal("14"))
    score_all(cast.assessment, "1.5", self_score="2")   # 18 on site, 24 self
    score_all(cast.assessment2, "2")                     # 24
    rows = round_results(cast.round)
    assert [r.assessment.branch.name for r in rows] == ["西段村", "化峪村"]
    first, second = rows
    assert (first.rank, first.total, first.grade) == (1, Decimal("24"), Grade.EXCELLENT)
    assert (second.rank, second.total, second.grade) == (2, Decimal("18"), Grade.PASS)
    assert second.difference == Decimal("6")
    area = cast.standard.areas.first()
    assert second.areas[area.pk] == (Decimal("8"), Decimal("6"))


def test_bonus_is_capped_and_veto_fails(cast):
    score_all(cast.assessment, "2")
    score_all(cast.assessment2, "2")
    extra = Bonus.objects.create(standard=cast.standard, code="加2", text="示范点", points=Decimal("4"))
    for bonus in cast.standard.bonuses.all():
        BonusClaim.objects.create(assessment=cast.assessment, bonus=bonus, decision=BonusClaim.Decision.APPROVED)
    BonusClaim.objects.create(assessment=cast.assessment2, bonus=extra, decision=BonusClaim.Decision.REJECTED)
    VetoFinding.objects.create(assessment=cast.assessment2, veto=Veto.objects.first())
    rows = round_results(cast.round)
    by_name = {r.assessment.branch.name: r for r in rows}
    assert by_name["化峪村"].bonus == Decimal("5")  # 2 + 4 capped at 5
    assert by_name["化峪村"].total == Decimal("29")
    assert by_name["西段村"].grade == Grade.FAIL
    assert by_name["西段村"].rank == 2  # a veto ranks last whatever the total


def test_results_make_a_fixed_number_of_queries(cast, django_assert_num_queries):
    for n in range(20):
        Branch.objects.create(township=cast.township, name=f"村{n}")
    round_prepare(round=cast.round)
    with django_assert_num_queries(3):
        rows = round_results(cast.round)
    assert len(rows) == 22


def test_typical_problems_lists_items_with_deductions(cast, django_assert_num_queries):
    Score.objects.filter(assessment__round=cast.round).update(onsite_score=Decimal("2"), self_score=Decimal("2"))
    Score.objects.filter(assessment__round=cast.round, item__number=3).update(onsite_score=Decimal("0.5"))
    with django_assert_num_queries(1):
        problems = list(typical_problems(cast.round))
    assert [p["item__number"] for p in problems] == [3]
    assert problems[0]["deducted"] == 2 and problems[0]["gap"] == Decimal("3")
    item = cast.standard.items.get(number=3)
    assert (problems[0]["item_id"], problems[0]["item__content"], problems[0]["item__area__name"]) == (
        item.pk, item.content, item.area.name)


def test_results_without_areas_make_the_same_number_of_queries(cast, django_assert_num_queries):
    score_all(cast.assessment, "2")
    score_all(cast.assessment2, "1.5")
    with django_assert_num_queries(3):
        rows = round_results(cast.round, with_areas=False)
    assert [(r.assessment.branch.name, r.total, r.areas) for r in rows] == [("化峪村", Decimal("24"), {}), ("西段村", Decimal("18"), {})]


def test_equal_totals_share_a_rank_and_keep_the_branch_order(cast):
    for n in range(2):
        Branch.objects.create(township=cast.township, name=f"新村{n}", order=10 + n)
    round_prepare(round=cast.round)
    Score.objects.filter(assessment__round=cast.round).update(onsite_score=Decimal("2"), self_score=Decimal("2"))
    Score.objects.filter(assessment__round=cast.round, assessment__branch__name="新村1").update(onsite_score=Decimal("1"))
    Assessment.objects.filter(round=cast.round).update(status=Status.FINALISED, submitted_at=timezone.now())
    VetoFinding.objects.create(assessment=cast.assessment, veto=Veto.objects.first())
    rows = round_results(cast.round)
    assert [(r.rank, r.assessment.branch.name) for r in rows] == [(1, "西段村"), (1, "新村0"), (3, "新村1"), (4, "化峪村")]


def test_results_queryset_agrees_with_round_results(cast):
    score_all(cast.assessment, "1.5", self_score="2")
    score_all(cast.assessment2, "2")
    Bonus.objects.create(standard=cast.standard, code="加2", text="示范点", points=Decimal("4"))
    for bonus in cast.standard.bonuses.all():
        BonusClaim.objects.create(assessment=cast.assessment, bonus=bonus, decision=BonusClaim.Decision.APPROVED)
    rows = round_results(cast.round)
    queryset = list(results_queryset(cast.round))
    assert [(a.pk, a.rank, a.total, a.bonus, a.self_total, a.onsite_total, a.difference, a.has_veto) for a in queryset] == [
        (r.assessment.pk, r.rank, r.total, r.bonus, r.self_total, r.onsite_total, r.difference, r.has_veto) for r in rows
    ]
    assert [(a.branch.name, a.total, a.bonus) for a in queryset] == [("西段村", Decimal("24"), Decimal("0")),
                                                                     ("化峪村", Decimal("23"), Decimal("5"))]


def test_branches_not_finalised_have_no_rank_and_no_grade(cast):
    """Before: during on-site an unassessed branch ranked with 0 points and 不合格."""
    score_all(cast.assessment2, "2")
    score_all(cast.assessment, "2", finalised=False)  # scored, not 考评完成
    rows = round_results(cast.round)
    assert [(r.assessment.branch.name, r.rank, r.grade_label, r.difference) for r in rows] == [
        ("西段村", 1, "不合格", Decimal("0")), ("化峪村", None, "未考评", None)]  # 24 of 24: bands of 100


def test_one_difference_without_bonus(cast):
    """差值 = self total − on-site item scores; the bonus is in 考评总分, not in 差值."""
    score_all(cast.assessment, "1.5", self_score="2")  # 18 on site, 24 self
    bonus = Bonus.objects.get(standard=cast.standard)
    BonusClaim.objects.create(assessment=cast.assessment, bonus=bonus, decision=BonusClaim.Decision.APPROVED)
    row = next(r for r in round_results(cast.round) if r.assessment.pk == cast.assessment.pk)
    assert (row.total, row.difference) == (Decimal("20"), Decimal("6"))


def test_no_difference_without_a_self_evaluation(cast):
    """A branch scored on site without a self-evaluation (未自评) has no 差值 (not −total)."""
    score_all(cast.assessment, "2")
    Assessment.objects.filter(pk=cast.assessment.pk).update(submitted_at=None)
    Assessment.objects.filter(pk=cast.assessment2.pk).update(submitted_at="2026-11-30T10:00:00Z")
    score_all(cast.assessment2, "2")
    rows = {r.assessment.branch.name: r for r in round_results(cast.round)}
    assert rows["化峪村"].difference is None and rows["西段村"].difference == Decimal("0")
