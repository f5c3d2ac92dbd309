from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from assessment.models import Assessment, Role, Score, User


def test_score_within_points_is_enforced_by_the_database(cast):
    score = Score.objects.filter(assessment=cast.assessment).first()
    score.self_score = score.points + Decimal("0.5")
    with pytest.raises(IntegrityError), transaction.atomic():
        score.save()
    score.refresh_from_db()
    assert score.self_score is None


def test_negative_onsite_score_is_refused(cast):
    score = Score.objects.filter(assessment=cast.assessment).first()
    score.onsite_score = Decimal("-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        score.save()


def test_one_score_record_per_item_per_assessment(cast):
    score = Score.objects.filter(assessment=cast.assessment).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(assessment=cast.assessment, item=score.item, points=score.points)


def test_one_assessment_per_branch_per_round(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(round=cast.round, branch=cast.branch)


def test_secretary_must_have_a_branch(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="nobranch", role=Role.SECRETARY, township=cast.township)


def test_round_prepare_gives_every_branch_every_item_once(cast):
    from assessment.services.rounds import round_prepare

    assert cast.round.assessments.count() == 2
    assert Score.objects.filter(assessment__round=cast.round).count() == 2 * cast.standard.items.count()
    round_prepare(round=cast.round)  # again: nothing doubles
    assert Score.objects.filter(assessment__round=cast.round).count() == 2 * cast.standard.items.count()
    # Scores start empty: nothing is pre-filled.
    assert not Score.objects.filter(assessment__round=cast.round, self_score__isnull=False).exists()


def test_secretary_township_follows_the_branch(cast):
    assert cast.carol.township == cast.township
