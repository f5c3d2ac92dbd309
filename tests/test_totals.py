"""The ranking's kept totals (models.Total) stay equal to what they sum, however the scores,
bonus claims, veto findings and bonuses are written; a deleted round leaves none behind; the
ranking page shows the figures they keep."""

from decimal import Decimal

from django.db import connection
from django.urls import reverse

from assessment import totals
from assessment.models import Bonus, BonusClaim, Score, Total, Veto, VetoFinding


def kept(cast):
    return totals.kept(cast.round.assessments.all())


def summed(cast):
    return totals.summed(cast.round.assessments.all())


def test_scores_written_any_way_are_kept(cast):
    assert kept(cast)[cast.assessment.pk] == (0, 0, 0, 0)
    Score.objects.filter(assessment=cast.assessment).update(self_score=Decimal("2"), onsite_score=Decimal("1.5"))
    assert kept(cast)[cast.assessment.pk] == (Decimal("24"), Decimal("18"), 0, 0)
    score = Score.objects.filter(assessment=cast.assessment).first()
    score.onsite_score = None
    score.save()
    Score.objects.filter(assessment=cast.assessment2).first().delete()
    assert kept(cast)[cast.assessment.pk] == (Decimal("24"), Decimal("16.5"), 0, 0)
    assert kept(cast) == summed(cast)


def test_bonus_claims_and_veto_findings_are_kept(cast):
    bonus = Bonus.objects.get(standard=cast.standard)
    claim = BonusClaim.objects.create(assessment=cast.assessment, bonus=bonus, note="表彰")
    assert kept(cast)[cast.assessment.pk][2] == 0  # claimed, not yet approved
    claim.decision = BonusClaim.Decision.APPROVED
    claim.save()
    assert kept(cast)[cast.assessment.pk][2] == Decimal("2")
    Bonus.objects.filter(pk=bonus.pk).update(points=Decimal("3.5"))
    assert kept(cast)[cast.assessment.pk][2] == Decimal("3.5")
    finding = VetoFinding.objects.create(assessment=cast.assessment2, veto=Veto.objects.get(standard=cast.standard))
    assert kept(cast)[cast.assessment2.pk][3] == 1
    assert kept(cast) == summed(cast)
    finding.delete()
    claim.delete()
    assert kept(cast)[cast.assessment.pk][2] == 0 and kept(cast)[cast.assessment2.pk][3] == 0
    assert kept(cast) == summed(cast)


def test_every_score_saved_changes_the_version(cast):
    before = Total.objects.get(pk=cast.assessment.pk).changes
    Score.objects.filter(assessment=cast.assessment, item__number=1).update(onsite_score=Decimal("1"))
    assert Total.objects.get(pk=cast.assessment.pk).changes > before


def test_a_deleted_round_leaves_no_totals(cast):
    VetoFinding.objects.create(assessment=cast.assessment, veto=Veto.objects.get(standard=cast.standard))
    BonusClaim.objects.create(assessment=cast.assessment, bonus=Bonus.objects.get(standard=cast.standard),
                              decision=BonusClaim.Decision.APPROVED)
    ids = list(cast.round.assessments.values_list("pk", flat=True))
    from assessment.audit import guard_lifted

    with guard_lifted(connection):
        cast.round.delete()
    assert not Total.objects.filter(pk__in=ids).exists()


def test_install_sums_afresh_what_the_triggers_kept(cast):
    Score.objects.filter(assessment=cast.assessment2).update(self_score=Decimal("2"), onsite_score=Decimal("1"))
    before = kept(cast)
    Total.objects.all().delete()
    totals.install(connection)
    assert kept(cast) == before == summed(cast)


def test_the_ranking_shows_the_kept_figures_and_new_problems_after_a_change(client, cast):
    from django.utils import timezone

    from assessment.models import Status

    Score.objects.filter(assessment__round=cast.round).update(self_score=Decimal("2"), onsite_score=Decimal("2"))
    cast.round.assessments.update(status=Status.FINALISED, submitted_at=timezone.now())
    client.force_login(cast.alice)
    url = reverse("results-ranking", args=[cast.round.pk])
    assert "暂无扣分项目" in client.get(url).content.decode()
    Score.objects.filter(assessment=cast.assessment, item__number=1).update(onsite_score=Decimal("0.5"))
    html = client.get(url).content.decode()
    assert "暂无扣分项目" not in html and "1 个支部扣分" in html  # not the cached list of before
    row = html[html.index(">西段村</a>"):].split("</tr>")[0]
    assert ">24<" in row
