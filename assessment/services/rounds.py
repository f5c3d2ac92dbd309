from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import (
    Assessment, Branch, Message, Phase, Rectification, RectificationStatus, Role, Round, Score, Status, User,
)
from assessment.permissions import is_township_admin

from .base import ServiceError, audit


@transaction.atomic
def round_prepare(*, round, actor=None):
    """Give every branch of the round's township one assessment, and every
    assessment one score record per item of the round's standard.
    Idempotent: run it again after adding a branch."""
    branches = list(Branch.objects.filter(township_id=round.township_id).values_list("id", flat=True))
    have_branches = set(round.assessments.values_list("branch_id", flat=True))
    Assessment.objects.bulk_create(
        [Assessment(round=round, branch_id=branch_id) for branch_id in branches if branch_id not in have_branches],
        ignore_conflicts=True,
    )
    items = list(round.standard.items.values_list("id", "points"))
    assessment_ids = list(round.assessments.values_list("id", flat=True))
    have = set(Score.objects.filter(assessment__round=round).values_list("assessment_id", "item_id"))
    missing = [
        Score(assessment_id=assessment_id, item_id=item_id, points=points)
        for assessment_id in assessment_ids
        for item_id, points in items
        if (assessment_id, item_id) not in have
    ]
    Score.objects.bulk_create(missing, batch_size=2000)
    if missing or len(assessment_ids) != len(have_branches):  # nothing new: nothing to record
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
# One step back, with a reason, while nothing of the phase being left is recorded.
PHASE_PREVIOUS = {
    Phase.SELF: Phase.PREPARATION,
    Phase.ONSITE: Phase.SELF,
    Phase.NOTICE: Phase.ONSITE,
    Phase.ARCHIVED: Phase.NOTICE,
}
PHASE_PATH = [Phase.PREPARATION, Phase.SELF, Phase.ONSITE, Phase.NOTICE, Phase.ARCHIVED]

# What becomes of a branch that has not submitted when the on-site phase begins.
LATE = "late"    # 延长自评: it keeps self-evaluating until its own deadline, then is assessed
SKIP = "skip"    # 未自评: it is scored on site without a self-evaluation
ARRANGEMENTS = (LATE, SKIP)
UNSUBMITTED = (Status.NOT_STARTED, Status.SELF)
REASON_MAX = 500


def phase_next(round):
    """The phase an admin may move `round` into now, or None."""
    return PHASE_NEXT.get(round.phase)


def phase_previous(round):
    return PHASE_PREVIOUS.get(round.phase)


def _is_admin(actor, round):
    return actor.is_superuser or (is_township_admin(actor) and actor.township_id == round.township_id)


def _names(assessments, limit=5):
    names = "、".join(a.branch.name for a in assessments[:limit])
    return names + (_("等") if len(assessments) > limit else "")


def _arrange_unsubmitted(round, actor, arrangements, until):
    """Each branch not submitted when on-site starts: more time (LATE, until `until`) or
    未自评 (SKIP). Every such branch must have one; nothing is written unless all have."""
    pending = list(Assessment.objects.select_for_update(of=("self",)).select_related("branch")
                   .filter(round=round, status__in=UNSUBMITTED).order_by("branch__order", "branch__name"))
    arrangements = {str(k): v for k, v in (arrangements or {}).items()}
    missing = [a for a in pending if arrangements.get(str(a.pk)) not in ARRANGEMENTS]
    if missing:
        raise ServiceError(_("还有 %(n)s 个支部未提交自评（%(names)s），请为每个支部选择“延长自评”或“按未自评考评”。") % {
            "n": len(missing), "names": _names(missing)})
    late = [a for a in pending if arrangements[str(a.pk)] == LATE]
    if late:
        if until is None:
            raise ServiceError(_("请填写延长自评的截止日期。"))
        if until < timezone.localdate():
            raise ServiceError(_("延长自评的截止日期不能早于今天。"))
    for a in pending:
        if arrangements[str(a.pk)] == LATE:
            audit(actor=actor, action="self_late", assessment=a, field="self_deadline", old=a.self_deadline, new=until)
            a.self_late, a.self_deadline = True, until
            a.save(update_fields=["self_late", "self_deadline", "updated_at"])
        else:
            _skip(a, actor)
    return len(late), len(pending) - len(late)


def _skip(locked, actor, note=""):
    audit(actor=actor, action="self_skip", assessment=locked, field="status", old=locked.status,
          new=Status.NO_SELF, note=note)
    locked.status, locked.self_late = Status.NO_SELF, False
    locked.save(update_fields=["status", "self_late", "updated_at"])


@transaction.atomic
def round_phase_set(*, round, actor, phase, arrangements=None, until=None):
    """Move a round one step forward: 准备 → 自评阶段 → 现场考评阶段; 通报整改阶段 → 已归档.
    Township admin of the round's township (or the superuser) only. Entering the on-site phase,
    `arrangements` ({assessment id: LATE or SKIP}) says what becomes of every branch that has
    not submitted, `until` the deadline of those given more time."""
    locked = Round.objects.select_for_update().get(pk=round.pk)
    if not _is_admin(actor, locked):
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
    if phase == Phase.ONSITE:
        _arrange_unsubmitted(locked, actor, arrangements, until)
    old = locked.phase
    locked.phase = phase
    locked.save(update_fields=["phase"])
    audit(actor=actor, action="round_phase", target=str(locked), field="phase", old=old, new=phase)
    if phase == Phase.SELF:
        round_prepare(round=locked, actor=actor)  # every branch has its assessment before it starts
    round.phase = locked.phase
    return round


def phase_back_refusal(round):
    """Why `round` cannot step back one phase now (one or two queries), or None."""
    previous = PHASE_PREVIOUS.get(round.phase)
    if previous is None:
        return _("“%(phase)s”是第一个阶段，不能再退回。") % {"phase": round.get_phase_display()}
    assessments = Assessment.objects.filter(round=round)
    if round.phase == Phase.SELF:
        started = assessments.exclude(status=Status.NOT_STARTED).count()
        if started:
            return _("已有 %(n)s 个支部开始自评，不能退回准备阶段。") % {"n": started}
    elif round.phase == Phase.ONSITE:
        started = assessments.filter(
            Q(status__in=(Status.ONSITE, Status.FINALISED)) | Q(scores__onsite_score__isnull=False)
            | Q(veto_findings__isnull=False)).distinct().count()
        if started:
            return _("已有 %(n)s 个支部开始现场考评，不能退回自评阶段。") % {"n": started}
    elif round.phase == Phase.NOTICE:
        reported = Rectification.objects.filter(
            assessment__round=round, status__in=(RectificationStatus.REPORTED, RectificationStatus.CLOSED)).count()
        if reported:
            return _("已有 %(n)s 项整改已报告或销号，不能撤回通报。") % {"n": reported}
    return None


@transaction.atomic
def round_phase_back(*, round, actor, reason):
    """Step back one phase, with a reason, while nothing of the phase being left is recorded:
    自评 → 准备 (no branch has started); 现场考评 → 自评 (nothing scored on site: branches marked
    未自评 self-evaluate again); 通报整改 → 现场考评 (no rectification reported: the notice is
    withdrawn, its items become drafts again); 已归档 → 通报整改."""
    locked = Round.objects.select_for_update().get(pk=round.pk)
    if not _is_admin(actor, locked):
        raise ServiceError(_("只有本镇党委管理员可以变更考核批次的阶段。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写退回上一阶段的原因。"))
    if len(reason) > REASON_MAX:
        raise ServiceError(_("原因不能超过 %(n)s 字。") % {"n": REASON_MAX})
    refusal = phase_back_refusal(locked)
    if refusal:
        raise ServiceError(refusal)
    old, new = locked.phase, PHASE_PREVIOUS[locked.phase]
    if old == Phase.ONSITE:
        for a in Assessment.objects.select_for_update(of=("self",)).filter(round=locked).filter(
                Q(status=Status.NO_SELF) | Q(self_late=True)):
            status = a.status
            if status == Status.NO_SELF:
                started = a.scores.filter(self_score__isnull=False).exists() or a.evidence.exists()
                status = Status.SELF if started else Status.NOT_STARTED
            audit(actor=actor, action="self_reopen", assessment=a, field="status", old=a.status, new=status,
                  note=reason)
            a.status, a.self_late = status, False
            a.save(update_fields=["status", "self_late", "updated_at"])
    elif old == Phase.NOTICE:
        Assessment.objects.filter(round=locked, status=Status.PUBLISHED).update(status=Status.FINALISED)
        Rectification.objects.filter(assessment__round=locked, status=RectificationStatus.PENDING).update(
            status=RectificationStatus.DRAFT)
        locked.published_at, locked.published_by, locked.notice_date = None, None, None
        text = _("%(round)s 的通报已撤回，待镇党委重新发布。") % {"round": locked.name}
        Message.objects.bulk_create([
            Message(user_id=user_id, text=text, link="")
            for user_id in User.objects.filter(role=Role.SECRETARY, branch__township=locked.township_id,
                                               is_active=True).values_list("pk", flat=True)])
    locked.phase = new
    locked.save(update_fields=["phase", "published_at", "published_by", "notice_date"])
    audit(actor=actor, action="round_phase_back", target=str(locked), field="phase", old=old, new=new, note=reason)
    round.phase, round.published_at = locked.phase, locked.published_at
    return round


@transaction.atomic
def self_evaluation_skip(*, assessment, actor, note=""):
    """按未自评考评: during the on-site phase, a branch given more time that has still not
    submitted is scored on site without a self-evaluation."""
    locked = Assessment.objects.select_for_update(of=("self",)).select_related("round", "branch").get(pk=assessment.pk)
    if not _is_admin(actor, locked.round):
        raise ServiceError(_("只有本镇党委管理员可以将支部按未自评考评。"))
    if locked.round.phase != Phase.ONSITE:
        raise ServiceError(_("现场考评阶段才能将支部按未自评考评。"))
    if locked.status not in UNSUBMITTED:
        raise ServiceError(_("%(branch)s当前为“%(status)s”，不需要按未自评考评。") % {
            "branch": locked.branch.name, "status": locked.get_status_display()})
    _skip(locked, actor, note)
    assessment.status, assessment.self_late = locked.status, locked.self_late
    return assessment
