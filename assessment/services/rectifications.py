"""限期整改: the branch reports what it did; the township closes the item (销号)
or returns it. Each step is recorded with who and when."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import Evidence, Phase, Rectification, RectificationStatus, Role
from assessment.permissions import is_township_admin
from assessment.uploads import inspect_upload

from .base import ServiceError, audit
from .notify import branch_secretaries, notify, township_admins
from .evidence import delete_files, evidence_store

TEXT_MAX = 2000


def _locked(rectification):
    return Rectification.objects.select_for_update().select_related("assessment__round", "assessment__branch").get(
        pk=rectification.pk
    )


def is_branch_secretary(user, rectification):
    return user.role == Role.SECRETARY and user.branch_id == rectification.assessment.branch_id


def is_admin_of(user, rectification):
    return user.is_superuser or (
        is_township_admin(user) and user.township_id == rectification.assessment.round.township_id
    )


def archived_refusal(rectification):
    """An archived round is closed for good: nothing is reported, closed or returned in it."""
    if rectification.assessment.round.phase == Phase.ARCHIVED:
        return _("该考核批次已归档，整改事项不能再报告、销号或退回。")
    return None


def report_refusal(rectification, actor):
    """Why `actor` may not report this item now, or None."""
    if not is_branch_secretary(actor, rectification):
        return _("只有本支部书记可以报告整改情况。")
    if archived_refusal(rectification):
        return archived_refusal(rectification)
    if rectification.status == RectificationStatus.REPORTED:
        return _("已报告整改，正在等待镇党委核验。")
    if rectification.status == RectificationStatus.CLOSED:
        return _("该整改事项已销号。")
    if rectification.status != RectificationStatus.PENDING:
        return _("该整改事项尚未发布。")
    return None


MAX_FILES = 20


def rectification_report(*, rectification, actor, measures, uploads=()):
    """The branch reports what it did, with evidence files: all in one transaction. Files are
    checked by content first; stored files are deleted again if the report fails."""
    measures = measures.strip()
    if not measures:
        raise ServiceError(_("请填写整改措施。"))
    if len(measures) > TEXT_MAX:
        raise ServiceError(_("整改措施不能超过 %(n)s 字。") % {"n": TEXT_MAX})
    if len(uploads) > MAX_FILES:
        raise ServiceError(_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES})
    refusal = report_refusal(rectification, actor)
    if refusal:
        raise ServiceError(refusal)
    checked = [(upload, inspect_upload(upload)) for upload in uploads]
    stored = []
    try:
        with transaction.atomic():
            locked = _locked(rectification)
            refusal = report_refusal(locked, actor)
            if refusal:
                raise ServiceError(refusal)
            old = locked.status
            locked.measures = measures
            locked.status = RectificationStatus.REPORTED
            locked.reported_at = timezone.now()
            locked.save(update_fields=["measures", "status", "reported_at"])
            for upload, check in checked:
                evidence_store(Evidence(assessment=locked.assessment, item=locked.item, rectification=locked,
                                        uploaded_by=actor), upload, check, stored)
            audit(actor=actor, action="rectification_report", assessment=locked.assessment, item=locked.item,
                  field="status", old=old, new=locked.status,
                  note=measures + (_("（佐证材料 %(n)s 个）") % {"n": len(checked)} if checked else ""))
            notify(user_ids=township_admins(locked.assessment.round.township_id),
                   text=_("%(branch)s报告了整改情况，待核验：%(problem)s") % {
                       "branch": locked.assessment.branch.name, "problem": locked.problem[:40]},
                   link=reverse("rectification-detail", args=[locked.pk]), topic=f"rect_report:{locked.pk}")
    except BaseException:
        delete_files(stored)
        raise
    return locked


def verify_refusal(rectification, actor):
    """Why `actor` may not close or return this item now, or None."""
    if not is_admin_of(actor, rectification):
        return _("只有镇党委管理员可以核验整改事项。")
    if archived_refusal(rectification):
        return archived_refusal(rectification)
    if rectification.status != RectificationStatus.REPORTED:
        return _("只有“已报告整改”的事项可以核验（当前为“%(status)s”）。") % {
            "status": rectification.get_status_display()}
    return None


def _check_verifier(locked, actor):
    refusal = verify_refusal(locked, actor)
    if refusal:
        raise ServiceError(refusal)


@transaction.atomic
def rectification_verify(*, rectification, actor, note=""):
    """销号: the township has checked the measures and closes the item."""
    locked = _locked(rectification)
    _check_verifier(locked, actor)
    locked.status = RectificationStatus.CLOSED
    locked.verified_by = actor
    locked.verified_at = timezone.now()
    locked.verify_note = note.strip()[:TEXT_MAX]
    locked.save(update_fields=["status", "verified_by", "verified_at", "verify_note"])
    audit(actor=actor, action="rectification_verify", assessment=locked.assessment, item=locked.item,
          field="status", old=RectificationStatus.REPORTED, new=locked.status, note=locked.verify_note)
    notify(user_ids=branch_secretaries(locked.assessment.branch_id),
           text=_("整改事项已销号：%(problem)s") % {"problem": locked.problem[:40]},
           link=reverse("rectification-detail", args=[locked.pk]), topic=f"rect_verify:{locked.pk}")
    return locked


@transaction.atomic
def rectification_return(*, rectification, actor, reason):
    """退回: the measures are not enough; the branch works on it again."""
    locked = _locked(rectification)
    _check_verifier(locked, actor)
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("请填写退回原因。"))
    locked.status = RectificationStatus.PENDING
    locked.returned_reason = reason[:TEXT_MAX]
    locked.reported_at = None  # 完成时间 is that of the next report; the old one stays in the history
    locked.verified_by = actor
    locked.verified_at = timezone.now()
    locked.verify_note = locked.returned_reason
    locked.save(update_fields=["status", "returned_reason", "reported_at", "verified_by", "verified_at",
                               "verify_note"])
    audit(actor=actor, action="rectification_return", assessment=locked.assessment, item=locked.item,
          field="status", old=RectificationStatus.REPORTED, new=locked.status, note=reason)
    notify(user_ids=branch_secretaries(locked.assessment.branch_id),
           text=_("整改事项被退回，请重新整改并报告：%(problem)s（原因：%(reason)s）") % {
               "problem": locked.problem[:40], "reason": reason[:100]},
           link=reverse("rectification-detail", args=[locked.pk]), topic=f"rect_return:{locked.pk}")
    return locked
