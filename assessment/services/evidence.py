"""佐证材料 and 加分项申报 during 支部对照自评.

The same rule as the self scores (`selfeval.self_edit_refusal`): only the branch's secretary,
only in the self-evaluation phase, only before submission and before the deadline.

Files are checked by content (assessment.uploads) before anything is stored; each upload is
one transaction, and a file written to storage is deleted again if the transaction fails.
Files of removed evidence are deleted from storage only after the removal commits.
"""

import logging
import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import Assessment, BonusClaim, Evidence, Status
from assessment.photos import make_medium
from assessment.uploads import inspect_upload

from .base import ServiceError, audit, status_advance
from .selfeval import InvalidInput, self_edit_refusal

logger = logging.getLogger(__name__)

CLAIM_NOTE_MAX = 2000


def evidence_refusal(assessment, actor):
    """Why `actor` may not add or remove evidence of this assessment now, or None if they may."""
    return self_edit_refusal(assessment, actor)


def evidence_editable(assessment, actor):
    return evidence_refusal(assessment, actor) is None


def evidence_check(*, assessment, actor):
    """Raise ServiceError unless `actor` may change this assessment's evidence now (no lock, no query)."""
    refusal = evidence_refusal(assessment, actor)
    if refusal:
        raise ServiceError(refusal)


def _storage():
    return Evidence._meta.get_field("file").storage


def delete_files(names):
    storage = _storage()
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except OSError:  # the record is gone either way; an orphan file is only wasted space
            logger.exception("could not delete evidence file %s", name)


def _locked_and_checked(assessment, actor):
    locked = (
        Assessment.objects.select_for_update(of=("self",)).select_related("round").get(pk=assessment.pk)
    )
    refusal = evidence_refusal(locked, actor)
    if refusal:
        raise ServiceError(refusal)
    return locked


def _start(locked, actor):
    """The first change of a self-evaluation moves it from 未开始 to 自评中 (as a score save does)."""
    status_advance(locked=locked, actor=actor, from_status=Status.NOT_STARTED, to_status=Status.SELF,
                   action="self_start")


def evidence_store(evidence, upload, checked, stored, medium=None):
    """Save a checked upload (its thumbnail, and a photo's mid-size copy `medium`: JPEG bytes from
    photos.make_medium) under names the app chooses onto the unsaved `evidence`, and save it. The
    names written are appended to `stored`, so that the caller deletes them (delete_files) if its
    transaction fails. Call inside that transaction."""
    stem = uuid.uuid4().hex
    evidence.original_name = checked.original_name
    evidence.content_type = checked.kind.content_type
    evidence.size = checked.size
    upload.seek(0)
    evidence.file.save(f"{stem}.{checked.kind.extension}", upload, save=False)
    stored.append(evidence.file.name)
    if checked.thumbnail:
        evidence.thumbnail.save(f"{stem}.jpg", ContentFile(checked.thumbnail), save=False)
        stored.append(evidence.thumbnail.name)
    if medium:
        evidence.medium.save(f"{stem}.jpg", ContentFile(medium), save=False)
        stored.append(evidence.medium.name)
    evidence.save()
    return evidence


def evidence_add(*, assessment, actor, upload, item=None, bonus_claim=None, upload_key=""):
    """Attach one uploaded file to an item (or a bonus claim) of `assessment`. Returns the Evidence.

    The file is checked by content and stored under a new name (uuid + detected extension);
    images get a thumbnail, large photos a mid-size copy. If anything fails after the file was
    written, it is deleted again. `upload_key` (from the upload script, one per file): when
    this assessment already holds a file under that key, the post is a repeat of one that
    arrived (its reply was lost) and that Evidence is returned, nothing stored again."""
    if (item is None) == (bonus_claim is None):
        raise ValueError("evidence_add needs exactly one of item and bonus_claim")
    evidence_check(assessment=assessment, actor=actor)
    if item is not None and item.standard_id != assessment.round.standard_id:
        raise ServiceError(_("本考核项目不属于该考核批次。"))
    if bonus_claim is not None and bonus_claim.assessment_id != assessment.pk:
        raise ServiceError(_("该加分申报不属于本支部。"))

    upload_key = clean_upload_key(upload_key)
    if upload_key and (done := _already_stored(assessment, upload_key)):
        return done
    checked = inspect_upload(upload)  # before the transaction: reading and thumbnailing take time
    medium = make_medium(upload, checked.kind)

    stored = []
    try:
        with transaction.atomic():
            locked = _locked_and_checked(assessment, actor)
            if bonus_claim is not None and not BonusClaim.objects.filter(pk=bonus_claim.pk).exists():
                raise ServiceError(_("该加分申报已撤回。"))
            if upload_key and (done := _already_stored(locked, upload_key)):
                return done  # the same file, posted twice at once
            evidence = evidence_store(
                Evidence(assessment=locked, item=item, bonus_claim=bonus_claim, uploaded_by=actor,
                         upload_key=upload_key),
                upload, checked, stored, medium,
            )
            audit(
                actor=actor, action="evidence_add", assessment=locked, item=item,
                target=_target(locked, bonus_claim), new=checked.original_name,
                note=f"#{evidence.pk} {checked.kind.content_type} {checked.size}",
            )
            _start(locked, actor)
    except BaseException:
        delete_files(stored)
        raise
    assessment.status = locked.status
    return evidence


def clean_upload_key(value):
    """The upload script's id of a file (letters, digits, '-'), or "" for anything else."""
    value = (value or "").strip()
    if len(value) > Evidence._meta.get_field("upload_key").max_length:
        return ""
    return value if value.replace("-", "").isalnum() and value.isascii() else ""


def _already_stored(assessment, upload_key):
    return Evidence.objects.filter(assessment=assessment, upload_key=upload_key).first()


def evidence_remove(*, evidence, actor):
    """Remove one file of an item or a bonus claim before submission. The stored files are
    deleted after the removal commits."""
    assessment = evidence.assessment
    evidence_check(assessment=assessment, actor=actor)
    with transaction.atomic():
        locked = _locked_and_checked(assessment, actor)
        row = (
            Evidence.objects.select_for_update(of=("self",))
            .select_related("item", "bonus_claim__bonus")
            .filter(pk=evidence.pk, assessment=locked)
            .first()
        )
        if row is None:
            raise ServiceError(_("该文件已被删除。"))
        if row.rectification_id:
            raise ServiceError(_("整改佐证材料不能在自评中删除。"))
        names = [row.file.name, row.thumbnail.name, row.medium.name]
        audit(
            actor=actor, action="evidence_remove", assessment=locked, item=row.item,
            target=_target(locked, row.bonus_claim), old=row.original_name, note=f"#{row.pk}",
        )
        row.delete()
        transaction.on_commit(lambda: delete_files(names))
    assessment.status = locked.status
    return row


def _target(assessment, bonus_claim):
    if bonus_claim is not None:
        return f"{assessment} · 加分项 {bonus_claim.bonus.code}"
    return str(assessment)


# --- 加分项申报 ----------------------------------------------------------------


@transaction.atomic
def bonus_claim_save(*, assessment, bonus, actor, note):
    """Claim a bonus item with a note (or change the note of the claim). Returns the BonusClaim.
    The claim is judged on site later; its decision stays 已申报 here."""
    locked = _locked_and_checked(assessment, actor)
    if bonus.standard_id != locked.round.standard_id:
        raise ServiceError(_("该加分项不属于本考核批次的考核标准。"))
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("请填写申报说明：取得了什么荣誉或成绩、何时、由谁认定。"))
    if len(note) > CLAIM_NOTE_MAX:
        raise InvalidInput(_("申报说明不能超过 %(n)s 字。") % {"n": CLAIM_NOTE_MAX})
    claim = BonusClaim.objects.select_for_update().filter(assessment=locked, bonus=bonus).first()
    target = f"{locked} · 加分项 {bonus.code}"
    if claim is None:
        claim = BonusClaim.objects.create(assessment=locked, bonus=bonus, note=note)
        audit(actor=actor, action="bonus_claim_save", assessment=locked, target=target, field="note", new=note)
    else:
        if claim.decision != BonusClaim.Decision.CLAIMED:
            raise ServiceError(_("该加分项已认定，不能再修改申报。"))
        if claim.note != note:
            audit(actor=actor, action="bonus_claim_save", assessment=locked, target=target, field="note",
                  old=claim.note, new=note)
            claim.note = note
            claim.save(update_fields=["note"])
    _start(locked, actor)
    assessment.status = locked.status
    return claim


@transaction.atomic
def bonus_claim_withdraw(*, assessment, bonus, actor):
    """Withdraw the claim of a bonus item, with its files (deleted from storage after commit)."""
    locked = _locked_and_checked(assessment, actor)
    claim = BonusClaim.objects.select_for_update().filter(assessment=locked, bonus=bonus).first()
    if claim is None:
        raise ServiceError(_("本支部没有申报该加分项。"))
    if claim.decision != BonusClaim.Decision.CLAIMED:
        raise ServiceError(_("该加分项已认定，不能撤回申报。"))
    files = list(Evidence.objects.filter(bonus_claim=claim).values_list("file", "thumbnail", "medium"))
    names = [name for pair in files for name in pair]
    audit(actor=actor, action="bonus_claim_withdraw", assessment=locked, target=f"{locked} · 加分项 {bonus.code}",
          field="note", old=claim.note, note=f"{len(files)} 个文件")
    claim.delete()  # its Evidence rows go with it (on_delete=CASCADE)
    transaction.on_commit(lambda: delete_files(names))
    assessment.status = locked.status
    return claim
