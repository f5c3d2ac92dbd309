"""Reads of evidence and bonus claims for one assessment (the caller has already checked
that the user may see it, e.g. with permissions.assessment_for). Query counts are fixed."""

from collections import defaultdict

from django.db.models import FilteredRelation, Q

from .models import Bonus, Evidence

# The fields the partials use: nothing else is loaded.
EVIDENCE_FIELDS = ("id", "assessment_id", "item_id", "bonus_claim_id", "file", "thumbnail",
                   "original_name", "content_type", "size", "uploaded_at")


def _evidence(assessment):
    return Evidence.objects.filter(assessment=assessment, rectification__isnull=True).only(*EVIDENCE_FIELDS)


def evidence_by_item(assessment):
    """{item_id: [Evidence, …]} of the assessment's item evidence, in upload order. One query."""
    files = defaultdict(list)
    for evidence in _evidence(assessment).filter(item__isnull=False, bonus_claim__isnull=True):
        files[evidence.item_id].append(evidence)
    return dict(files)


def evidence_for_item(assessment, item):
    """The evidence of one item of the assessment, in upload order. One query."""
    return list(_evidence(assessment).filter(item=item, bonus_claim__isnull=True))


def evidence_for_claim(claim):
    return list(Evidence.objects.filter(bonus_claim=claim).only(*EVIDENCE_FIELDS))


def bonuses_with_claim(standard_id, assessment_id):
    """The standard's bonus items, each with this branch's claim (`my_claim`, when there is one)."""
    return (Bonus.objects.filter(standard_id=standard_id)
            .annotate(my_claim=FilteredRelation("claims", condition=Q(claims__assessment_id=assessment_id)))
            .select_related("my_claim").order_by("order", "id"))


def bonus_claims_for(assessment):
    """The bonus items of the assessment's standard, each with `.claim` (this branch's BonusClaim
    or None) and `.files` (the claim's evidence). Two queries."""
    bonuses = list(bonuses_with_claim(assessment.round.standard_id, assessment.pk))
    for bonus in bonuses:
        bonus.claim = getattr(bonus, "my_claim", None)  # not set when the join found no claim
    files = defaultdict(list)
    claim_ids = [bonus.claim.pk for bonus in bonuses if bonus.claim is not None]
    if claim_ids:
        for evidence in _evidence(assessment).filter(bonus_claim_id__in=claim_ids):
            files[evidence.bonus_claim_id].append(evidence)
    for bonus in bonuses:
        bonus.files = files.get(bonus.claim.pk, []) if bonus.claim else []
    return bonuses
