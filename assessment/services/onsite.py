"""党委一线考评: township staff score each submitted branch on site, record veto findings,
decide bonus claims, finalise (考评完成); the township admin may reopen a finalised branch.

Every function here takes keyword arguments, runs in one transaction with the
assessment row locked, checks the state and the actor, raises ServiceError
with a message a person can read, and writes the audit record.

Two assessors may score one branch at the same time: each Score carries a `version`;
a save names the version it was based on and is refused (ScoreConflict) when the row
has moved on since, so that nobody overwrites another's score without seeing it.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import AuditLog, BonusClaim, Phase, Score, Status, Veto, VetoFinding
from assessment.permissions import is_township_admin, is_township_staff

from .base import InvalidInput, ServiceError, audit, audit_many, audit_record, status_advance
from .edits import ScoreConflict, edit_applies, edit_ids, parse_version, score_conflict
from .selfeval import NOTE_MAX, _locked, _points, _score_text, self_score_error

__all__ = ["ScoreConflict"]  # views catch it from here

PRESENT_MAX = 200

# Audit actions of the on-site assessment. SCORING_ACTIONS are those of someone assessing the branch.
SCORE_ACTIONS = ("onsite_score", "onsite_reason", "onsite_rectification", "onsite_requirement")
SCORING_ACTIONS = (*SCORE_ACTIONS, "onsite_veto_add", "onsite_veto_note", "onsite_veto_remove", "onsite_bonus")


# --- Pure checks (no queries): shared by the services, the views and the templates ---


def is_assessor_of(user, assessment):
    """A township assessor or admin of the assessment's township, or the superuser."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or (is_township_staff(user) and user.township_id == assessment.round.township_id)


def is_admin_of(user, assessment):
    return user.is_superuser or (is_township_admin(user) and user.township_id == assessment.round.township_id)


def onsite_edit_refusal(assessment, actor):
    """Why `actor` may not score this branch on site now, or None if they may."""
    if not is_assessor_of(actor, assessment):
        return _("只有本镇考评人员和镇党委管理员可以进行现场考评。")
    if assessment.status == Status.FINALISED:
        return _("本支部已考评完成，评分已锁定。如需修改，请联系镇党委管理员重新打开。")
    if assessment.status == Status.PUBLISHED:
        return _("考评结果已通报，不能再修改。")
    if assessment.round.phase != Phase.ONSITE:
        return _("当前考核批次不在现场考评阶段（现为“%(phase)s”），不能进行现场考评。") % {
            "phase": assessment.round.get_phase_display()}
    if assessment.status in (Status.NOT_STARTED, Status.SELF) and assessment.self_late:
        return _("本支部已获准延长自评，提交自评后才能开始现场考评；如不再等待，请镇党委管理员将其按未自评考评。")
    if assessment.status in (Status.NOT_STARTED, Status.SELF):
        return _("本支部尚未提交自评（当前状态：%(status)s），不能开始现场考评。") % {
            "status": assessment.get_status_display()}
    return None


def onsite_score_error(score, points):
    return self_score_error(score, points)


def deduction_reason_error(score, points, reason):
    """扣分原因 is required whenever the on-site score is below the item's points."""
    if score is not None and score < points and not reason:
        return _("考评得分低于分值（%(points)s 分）时，必须填写扣分原因。") % {"points": _points(points)}
    if len(reason) > NOTE_MAX:
        return _("扣分原因不能超过 %(n)s 字。") % {"n": NOTE_MAX}
    return None


def requirement_error(requirement):
    if len(requirement) > NOTE_MAX:
        return _("整改要求不能超过 %(n)s 字。") % {"n": NOTE_MAX}
    return None


# --- Services ---------------------------------------------------------------


def _refuse_unless_editable(locked, actor):
    refusal = onsite_edit_refusal(locked, actor)
    if refusal:
        raise ServiceError(refusal)


def _conflict(row, item):
    """The ScoreConflict for `row` as it is now, naming who changed it last and when."""
    return score_conflict(row, item, row.onsite_score, {
        "reason": row.deduction_reason, "needs_rectification": row.needs_rectification,
        "requirement": row.requirement})


@transaction.atomic
def onsite_score_record(*, assessment, item, actor, score, reason, needs_rectification, requirement, version,
                        edit="", prior=()):
    """Record the on-site score of one item (a Decimal, or None for unscored), the deduction
    reason, whether it needs rectification and the suggested requirement. `version` is the
    Score.version the user's page was based on, `edit` the id of this edit and `prior` those of
    the page's earlier edits of the item not yet confirmed (services/edits.py): a save based on
    an older version raises ScoreConflict, an edit the row already holds changes nothing.
    Returns the Score (with `.changed`). The first change moves 已提交 to 考评中."""
    locked = _locked(assessment)
    _refuse_unless_editable(locked, actor)
    version = parse_version(version)
    edit, prior = edit_ids(edit, prior)
    try:
        row = Score.objects.select_for_update().get(assessment=locked, item=item)
    except Score.DoesNotExist:
        raise ServiceError(_("本考核项目不属于该考核批次。"))

    if score is not None:
        try:
            score = Decimal(score)
        except (InvalidOperation, TypeError, ValueError):
            raise InvalidInput(_("请输入数字，例如 1.5。"))
    reason = (reason or "").strip()
    requirement = (requirement or "").strip()
    needs_rectification = bool(needs_rectification)
    error = (onsite_score_error(score, row.points) or deduction_reason_error(score, row.points, reason)
             or requirement_error(requirement))
    values = (score, reason, needs_rectification, requirement)
    if not edit_applies(row, version=version, edit=edit, prior=prior,
                        unchanged=values == (row.onsite_score, row.deduction_reason, row.needs_rectification,
                                             row.requirement),
                        conflict=lambda: _conflict(row, item)):
        row.changed = []
        return row
    if error:
        raise InvalidInput(error)

    changed, records = [], []  # one audit record per changed field, appended to the chain at once
    for action, field, new, text in (
        ("onsite_score", "onsite_score", score, _score_text),
        ("onsite_reason", "deduction_reason", reason, str),
        ("onsite_rectification", "needs_rectification", needs_rectification, lambda v: _("是") if v else _("否")),
        ("onsite_requirement", "requirement", requirement, str),
    ):
        old = getattr(row, field)
        if old != new:
            records.append(audit_record(actor=actor, action=action, assessment=locked, item=item, field=field,
                                        old=text(old), new=text(new)))
            setattr(row, field, new)
            changed.append(field)
    if changed:
        row.version += 1
        row.edit_id = edit
        row.save(update_fields=[*changed, "version", "edit_id", "updated_at"])
        _start(locked, actor, records)
        audit_many(records)
    assessment.status = locked.status
    row.changed = changed
    return row


@transaction.atomic
def veto_finding_set(*, assessment, veto, actor, found, note=""):
    """Record (found=True, with a note) or remove (found=False) a veto condition found on site.
    Returns the VetoFinding, or None when removed."""
    locked = _locked(assessment)
    _refuse_unless_editable(locked, actor)
    if not isinstance(veto, Veto) or veto.standard_id != locked.round.standard_id:
        raise ServiceError(_("该否决情形不属于本考核标准。"))
    note = (note or "").strip()
    finding = VetoFinding.objects.select_for_update().filter(assessment=locked, veto=veto).first()
    target = f"{veto.code} {veto.text[:60]}"
    if not found:
        if finding is None:
            raise InvalidInput(_("本支部没有记录该否决情形。"))
        audit(actor=actor, action="onsite_veto_remove", assessment=locked, target=target, field="veto",
              old=finding.note, new="")
        finding.delete()
        return None
    if not note:
        raise InvalidInput(_("请填写否决情形的情况说明。"))
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("情况说明不能超过 %(n)s 字。") % {"n": NOTE_MAX})
    if finding is None:
        finding = VetoFinding.objects.create(assessment=locked, veto=veto, note=note, recorded_by=actor
                                             if getattr(actor, "pk", None) else None)
        audit(actor=actor, action="onsite_veto_add", assessment=locked, target=target, field="veto", new=note)
    elif finding.note != note:
        audit(actor=actor, action="onsite_veto_note", assessment=locked, target=target, field="note",
              old=finding.note, new=note)
        finding.note = note
        finding.save(update_fields=["note"])
    _start(locked, actor)
    assessment.status = locked.status
    return finding


DECISIONS = (BonusClaim.Decision.APPROVED, BonusClaim.Decision.REJECTED)


@transaction.atomic
def bonus_claim_decide(*, assessment, claim, actor, decision, note=""):
    """认定 / 不认定 one bonus claim of the branch, with a note (required to reject)."""
    locked = _locked(assessment)
    _refuse_unless_editable(locked, actor)
    try:
        claim = BonusClaim.objects.select_for_update().select_related("bonus").get(
            pk=getattr(claim, "pk", claim), assessment=locked)
    except BonusClaim.DoesNotExist:
        raise ServiceError(_("该加分申报不属于本支部。"))
    if decision not in DECISIONS:
        raise InvalidInput(_("请选择“认定”或“不认定”。"))
    note = (note or "").strip()
    if decision == BonusClaim.Decision.REJECTED and not note:
        raise InvalidInput(_("不认定加分时，请填写认定意见。"))
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("认定意见不能超过 %(n)s 字。") % {"n": NOTE_MAX})
    target = f"{claim.bonus.code} {claim.bonus.text[:60]}"
    if claim.decision != decision or claim.decision_note != note:
        audit(actor=actor, action="onsite_bonus", assessment=locked, target=target, field="decision",
              old=claim.get_decision_display(), new=BonusClaim.Decision(decision).label, note=note)
        claim.decision, claim.decision_note = decision, note
        claim.save(update_fields=["decision", "decision_note"])
        _start(locked, actor)
    assessment.status = locked.status
    return claim


def _start(locked, actor, records=None):
    for from_status in (Status.SUBMITTED, Status.NO_SELF):
        status_advance(locked=locked, actor=actor, from_status=from_status, to_status=Status.ONSITE,
                       action="onsite_start", records=records)


def finalise_refusal(assessment):
    """What still stops 考评完成 (one query), or None."""
    rows = list(Score.objects.filter(assessment=assessment).values_list(
        "item__number", "onsite_score", "points", "deduction_reason").order_by("item__number"))
    missing = [n for n, score, _points_, _reason in rows if score is None]
    if missing:
        return _("还有 %(n)s 项未进行现场评分（第 %(numbers)s 项），请全部评分后再确认考评完成。") % {
            "n": len(missing), "numbers": "、".join(map(str, missing[:10])) + ("…" if len(missing) > 10 else "")}
    unexplained = [n for n, score, points, reason in rows if score < points and not reason.strip()]
    if unexplained:
        return _("第 %(numbers)s 项有扣分但未填写扣分原因。") % {"numbers": "、".join(map(str, unexplained))}
    return None


@transaction.atomic
def onsite_finalise(*, assessment, actor, assessors_present, date):
    """考评完成: every item scored, every deduction explained; records who was present and
    the date; the scores are then locked."""
    locked = _locked(assessment)
    _refuse_unless_editable(locked, actor)
    if locked.status != Status.ONSITE:
        raise ServiceError(_("还没有开始现场评分，不能确认考评完成。"))
    refusal = finalise_refusal(locked)
    if refusal:
        raise ServiceError(refusal)
    present = (assessors_present or "").strip()
    if not present:
        raise InvalidInput(_("请填写参加考评的人员。"))
    if len(present) > PRESENT_MAX:
        raise InvalidInput(_("考评人员不能超过 %(n)s 字。") % {"n": PRESENT_MAX})
    if not isinstance(date, datetime.date):
        raise InvalidInput(_("请填写考评日期。"))
    if date > timezone.localdate():
        raise InvalidInput(_("考评日期不能晚于今天。"))
    old = locked.status
    locked.status = Status.FINALISED
    locked.finalised_at = timezone.now()
    locked.onsite_date = date
    locked.assessors_present = present
    locked.save(update_fields=["status", "finalised_at", "onsite_date", "assessors_present", "updated_at"])
    audit(actor=actor, action="onsite_finalise", assessment=locked, field="status", old=old, new=locked.status,
          note=f"{date.isoformat()} {present}")
    _sync(assessment, locked)
    return assessment


def reopen_refusal(assessment):
    """Why this branch's on-site assessment cannot be reopened now (no query), or None."""
    if assessment.status == Status.PUBLISHED:
        return _("考评结果已通报，不能重新打开。")
    if assessment.status != Status.FINALISED:
        return _("只有考评完成的支部才能重新打开（当前状态：%(status)s）。") % {
            "status": assessment.get_status_display()}
    if assessment.round.phase != Phase.ONSITE:
        return _("考核批次已不在现场考评阶段，不能重新打开。")
    return None


@transaction.atomic
def onsite_reopen(*, assessment, actor, reason):
    """重新打开: the township admin sends a finalised branch back to 考评中, with a reason."""
    locked = _locked(assessment)
    if not is_admin_of(actor, locked):
        raise ServiceError(_("只有镇党委管理员可以重新打开已完成的考评。"))
    refusal = reopen_refusal(locked)
    if refusal:
        raise ServiceError(refusal)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写重新打开的原因。"))
    if len(reason) > NOTE_MAX:
        raise InvalidInput(_("原因不能超过 %(n)s 字。") % {"n": NOTE_MAX})
    old = locked.status
    locked.status = Status.ONSITE
    locked.finalised_at = None
    locked.save(update_fields=["status", "finalised_at", "updated_at"])
    audit(actor=actor, action="onsite_reopen", assessment=locked, field="status", old=old, new=locked.status,
          note=reason)
    _sync(assessment, locked)
    return assessment


def _sync(assessment, locked):
    for field in ("status", "finalised_at", "onsite_date", "assessors_present"):
        setattr(assessment, field, getattr(locked, field))

