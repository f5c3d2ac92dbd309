from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import Assessment, Branch, Phase, Round, Score
from assessment.permissions import is_township_admin

from .base import ServiceError, audit


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


# --- 考核批次的阶段 ------------------------------------------------------------

# The phases an admin may move a round into, from each phase (one step forward).
# 通报整改阶段 is reached only by publishing the notice (services.notice.notice_publish).
PHASE_NEXT = {
    Phase.PREPARATION: Phase.SELF,
    Phase.SELF: Phase.ONSITE,
    Phase.NOTICE: Phase.ARCHIVED,
}


def phase_next(round):
    """The phase an admin may move `round` into now, or None."""
    return PHASE_NEXT.get(round.phase)


@transaction.atomic
def round_phase_set(*, round, actor, phase):
    """Move a round one step forward: 准备 → 自评阶段 → 现场考评阶段; 通报整改阶段 → 已归档.
    Township admin of the round's township (or the superuser) only."""
    locked = Round.objects.select_for_update().get(pk=round.pk)
    if not (actor.is_superuser or (is_township_admin(actor) and actor.township_id == locked.township_id)):
        raise ServiceError(_("只有本镇党委管理员可以变更考核批次的阶段。"))
    if phase not in Phase.values:
        raise ServiceError(_("未知的阶段。"))
    if phase == locked.phase:
        raise ServiceError(_("考核批次已处于“%(phase)s”。") % {"phase": locked.get_phase_display()})
    if phase == Phase.NOTICE:
        raise ServiceError(_("发布通报后自动进入通报整改阶段，请在通报页面发布通报。"))
    if PHASE_NEXT.get(locked.phase) != phase:
        raise ServiceError(_("考核批次不能从“%(old)s”变更为“%(new)s”：阶段只能依次向前推进。") % {
            "old": locked.get_phase_display(), "new": Phase(phase).label})
    old = locked.phase
    locked.phase = phase
    locked.save(update_fields=["phase"])
    audit(actor=actor, action="round_phase", target=str(locked), field="phase", old=old, new=phase)
    if phase == Phase.SELF:
        round_prepare(round=locked, actor=actor)  # every branch has its assessment before it starts
    round.phase = locked.phase
    return round
