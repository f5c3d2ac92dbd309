from django.db import transaction

from assessment.models import Assessment, Branch, Score

from .base import audit


@transaction.atomic
def round_prepare(*, round, actor=None):
    """Give every branch of the round's township one assessment, and every
    assessment one score record per item of the round's standard.
    Idempotent: run it again after adding a branch."""
    branches = list(Branch.objects.filter(township_id=round.township_id).values_list("id", flat=True))
    Assessment.objects.bulk_create(
        [Assessment(round=round, branch_id=branch_id) for branch_id in branches],
        ignore_conflicts=True,
    )
    items = list(round.standard.items.values_list("id", "points"))
    assessment_ids = list(round.assessments.values_list("id", flat=True))
    have = set(Score.objects.filter(assessment__round=round).values_list("assessment_id", "item_id"))
    Score.objects.bulk_create(
        [
            Score(assessment_id=assessment_id, item_id=item_id, points=points)
            for assessment_id in assessment_ids
            for item_id, points in items
            if (assessment_id, item_id) not in have
        ],
        batch_size=2000,
    )
    audit(actor=actor, action="round_prepare", target=str(round), note=f"{len(assessment_ids)}")
    return len(assessment_ids)
