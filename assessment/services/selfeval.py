"""支部对照自评: the branch secretary scores their own branch, submits it;
the township admin returns it (退回) or extends its deadline.

Every function here takes keyword arguments, runs in one transaction with the
assessment row locked, checks the state and the actor, raises ServiceError
with a message a person can read, and writes the audit record.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from assessment.models import Assessment, Message, Phase, Role, Score, Status
from assessment.permissions import is_township_admin

from .base import InvalidInput, ServiceError, audit, audit_many, audit_record, status_advance
from .edits import edit_applies, edit_ids, parse_version, score_conflict
from .notify import notify, township_admins

STEP = Decimal("0.5")
NOTE_MAX = 2000
OPEN_STATUSES = (Status.NOT_STARTED, Status.SELF)


# --- Pure checks (no queries): shared by the services, the views and the templates ---


def self_deadline(assessment):
    """The date after which the branch can no longer save: its own extension, else the round's."""
    return assessment.self_deadline or assessment.round.self_end


def is_branch_secretary(user, assessment):
    return getattr(user, "role", None) == Role.SECRETARY and user.branch_id == assessment.branch_id


def self_edit_refusal(assessment, actor, today=None):
    """Why `actor` may not change this self-evaluation now, or None if they may."""
    if not is_branch_secretary(actor, assessment):
        return _("只有本支部书记可以填写和提交自评。")
    late = assessment.round.phase == Phase.ONSITE and assessment.self_late
    if assessment.round.phase != Phase.SELF and not late:
        return _("当前考核批次不在自评阶段（现为“%(phase)s”），自评不能修改。") % {
            "phase": assessment.round.get_phase_display()
        }
    if assessment.status == Status.SUBMITTED:
        return _("自评已提交，不能再修改。如需修改，请联系镇党委管理员退回。")
    if assessment.status not in OPEN_STATUSES:
        return _("本支部当前状态为“%(status)s”，自评不能修改。") % {"status": assessment.get_status_display()}
    deadline = self_deadline(assessment)
    today = today or timezone.localdate()
    if deadline and today > deadline:
        return _("自评已于 %(date)s 截止，不能再保存或提交。如需延期，请联系镇党委管理员。") % {
            "date": formats.date_format(deadline, "DATE_FORMAT")
        }
    return None


def self_score_error(score, points):
    """The message for a self score that is not allowed, or None. `score` is a Decimal or None."""
    if score is None:
        return None
    if not score.is_finite():
        return _("请输入数字，例如 1.5。")
    if score < 0 or score > points:
        return _("得分应在 0 到 %(points)s 分之间。") % {"points": _points(points)}
    if score % STEP != 0:
        return _("得分须为 0.5 的整数倍。")
    return None


def self_note_error(note):
    if len(note) > NOTE_MAX:
        return _("自评说明不能超过 %(n)s 字。") % {"n": NOTE_MAX}
    return None


def _is_admin_of(actor, assessment):
    return is_township_admin(actor) and (actor.is_superuser or actor.township_id == assessment.round.township_id)


def _points(value):
    """2.0 -> "2", 1.5 -> "1.5"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _score_text(value):
    return "" if value is None else _points(value)


def _locked(assessment):
    return Assessment.objects.select_for_update(of=("self",)).select_related("round", "branch").get(pk=assessment.pk)


# --- Services ---------------------------------------------------------------


@transaction.atomic
def self_score_record(*, assessment, item, actor, score, note, version=None, edit="", prior=()):
    """Record the self score (a Decimal, or None for unscored) and the self note of one item.
    `version` is the Score.version the page's values were based on (None: not checked, the
    no-script form); `edit` the id of this edit and `prior` those of the page's earlier edits of
    the item not yet confirmed (services/edits.py): an older version raises ScoreConflict, an
    edit the row already holds changes nothing. Returns the Score (with `.changed`).
    The first change moves the assessment from 未开始 to 自评中."""
    locked = _locked(assessment)
    refusal = self_edit_refusal(locked, actor)
    if refusal:
        raise ServiceError(refusal)
    version = None if version is None else parse_version(version)
    edit, prior = edit_ids(edit, prior)
    try:
        row = Score.objects.select_for_update().get(assessment=locked, item=item)
    except Score.DoesNotExist:
        raise ServiceError(_("本考核项目不属于该考核批次。"))
    note = (note or "").strip()
    if score is not None:
        try:
            score = Decimal(score)
        except (InvalidOperation, TypeError, ValueError):
            raise InvalidInput(_("请输入数字，例如 1.5。"))
    if not edit_applies(row, version=version, edit=edit, prior=prior,
                        unchanged=(row.self_score, row.self_note) == (score, note),
                        conflict=lambda: score_conflict(row, item, row.self_score, {"note": row.self_note})):
        row.changed = []
        return row
    error = self_score_error(score, row.points) or self_note_error(note)
    if error:
        raise InvalidInput(error)

    changed, records = [], []  # one audit record per changed field, appended to the chain at once
    if row.self_score != score:
        records.append(audit_record(actor=actor, action="self_score", assessment=locked, item=item,
                                    field="self_score", old=_score_text(row.self_score), new=_score_text(score)))
        row.self_score = score
        changed.append("self_score")
    if row.self_note != note:
        records.append(audit_record(actor=actor, action="self_note", assessment=locked, item=item,
                                    field="self_note", old=row.self_note, new=note))
        row.self_note = note
        changed.append("self_note")
    if changed:
        row.version += 1
        row.edit_id = edit
        row.save(update_fields=[*changed, "version", "edit_id", "updated_at"])
        status_advance(locked=locked, actor=actor, from_status=Status.NOT_STARTED, to_status=Status.SELF,
                       action="self_start", records=records)
        audit_many(records)
    assessment.status = locked.status
    row.changed = changed
    return row


@transaction.atomic
def self_evaluation_submit(*, assessment, actor):
    """提交自评: every item must be scored; the checklist is then locked."""
    locked = _locked(assessment)
    refusal = self_edit_refusal(locked, actor)
    if refusal:
        if locked.status == Status.SUBMITTED and is_branch_secretary(actor, locked):
            refusal = _("自评已提交，请勿重复提交。")
        raise ServiceError(refusal)
    missing = Score.objects.filter(assessment=locked, self_score__isnull=True).count()
    if missing:
        raise ServiceError(_("还有 %(n)s 项未评分，请全部评分后再提交。") % {"n": missing})
    old = locked.status
    locked.status = Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.returned_reason = ""
    locked.save(update_fields=["status", "submitted_at", "returned_reason", "updated_at"])
    audit(actor=actor, action="self_submit", assessment=locked, field="status", old=old, new=locked.status)
    notify(user_ids=township_admins(locked.round.township_id),
           text=_("%(round)s：%(branch)s已提交自评。") % {"round": locked.round.name, "branch": locked.branch.name},
           link=reverse("selfeval-checklist", args=[locked.pk]), topic=f"self_submit:{locked.pk}")
    _sync(assessment, locked)
    return assessment


@transaction.atomic
def self_evaluation_return(*, assessment, actor, reason):
    """退回: the township admin sends a submitted self-evaluation back with a reason."""
    locked = _locked(assessment)
    if not _is_admin_of(actor, locked):
        raise ServiceError(_("只有镇党委管理员可以退回自评。"))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("请填写退回原因。"))
    if locked.status != Status.SUBMITTED:
        raise ServiceError(_("只有已提交的自评才能退回（当前状态：%(status)s）。") % {
            "status": locked.get_status_display()
        })
    if locked.round.phase != Phase.SELF:
        raise ServiceError(_("考核批次已不在自评阶段，不能退回自评。"))
    old = locked.status
    locked.status = Status.SELF
    locked.submitted_at = None
    locked.returned_reason = reason
    locked.save(update_fields=["status", "submitted_at", "returned_reason", "updated_at"])
    audit(actor=actor, action="self_return", assessment=locked, field="status", old=old, new=locked.status,
          note=reason)
    text = _("%(round)s：镇党委退回了本支部的自评，原因：%(reason)s") % {"round": locked.round.name, "reason": reason}
    Message.objects.bulk_create([
        Message(user_id=user_id, text=text, link=reverse("selfeval-checklist", args=[locked.pk]))
        for user_id in locked.branch.secretaries.filter(role=Role.SECRETARY).values_list("id", flat=True)
    ])
    _sync(assessment, locked)
    return assessment


@transaction.atomic
def self_deadline_extend(*, assessment, actor, until):
    """延长自评截止: give this branch its own self-evaluation deadline."""
    locked = _locked(assessment)
    if not _is_admin_of(actor, locked):
        raise ServiceError(_("只有镇党委管理员可以延长自评截止日期。"))
    if locked.round.phase not in (Phase.PREPARATION, Phase.SELF):
        raise ServiceError(_("考核批次已不在自评阶段，不能延期。"))
    if until is None:
        raise InvalidInput(_("请选择延期后的截止日期。"))
    if until < timezone.localdate():
        raise InvalidInput(_("延期后的截止日期不能早于今天。"))
    old = locked.self_deadline
    locked.self_deadline = until
    locked.save(update_fields=["self_deadline", "updated_at"])
    audit(actor=actor, action="self_extend", assessment=locked, field="self_deadline", old=old, new=until)
    _sync(assessment, locked)
    return assessment


def _sync(assessment, locked):
    for field in ("status", "submitted_at", "returned_reason", "self_deadline"):
        setattr(assessment, field, getattr(locked, field))
