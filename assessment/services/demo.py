"""示范点: marking and withdrawing model practices (示范做法), carrying them over to a new version
of the standard, the visits held at a 示范点 (观摩) and the pairings (结对帮带).

Only the township's admin (or the superuser) changes any of these; every change is one
transaction and writes its audit record. A branch's files become part of a model only by being
copied in when the admin marks them, so nothing else of the branch is ever shown with it.
"""

import uuid

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import (
    DemoSite, Evidence, Item, ModelFile, ModelPractice, ModelSource, Pairing, Status, Visit, VisitBranch, VisitPhoto,
)
from assessment.models_plan import Duty, PlanYear, Record, RecordFile
from assessment.uploads import inspect_upload

from .base import ServiceError, audit
from .evidence import delete_files, evidence_store
from .selfeval import InvalidInput

ACCEPTED = (Status.FINALISED, Status.PUBLISHED)  # evidence the township has seen and scored
MAX_FILES = 20
TITLE_MAX, TEXT_MAX = 100, 4000


def check_township_admin(actor, township_id):
    if not (actor.is_superuser or (actor.is_township_admin and actor.township_id == township_id)):
        raise ServiceError(_("只有本镇党委管理员可以管理示范点。"))


def same_item_q(item, prefix="item__"):
    """The items that are `item` in any version: the same content."""
    return Q(**{f"{prefix}content": item.content})


def _text(value, label, maximum, required=True):
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写%(label)s。") % {"label": label})
    if len(value) > maximum:
        raise InvalidInput(_("%(label)s不能超过 %(n)s 字。") % {"label": label, "n": maximum})
    return value


def _check_site(branch, township_id):
    if branch.township_id != township_id or not branch.is_demonstration:
        raise InvalidInput(_("“%(branch)s”不是本镇的示范点。") % {"branch": branch})


def _copy(field_file, stem, extension):
    """A copy of a stored file under a new name in the model's folder: the branch may later
    remove its own file, the model keeps its copy."""
    with field_file.open("rb") as handle:
        return ContentFile(handle.read(), name=f"{stem}.{extension}")


def _copy_in(practice, source, actor, stored):
    """Copy one file of the branch (Evidence or RecordFile) into the model."""
    stem = uuid.uuid4().hex
    extension = source.file.name.rsplit(".", 1)[-1] if "." in source.file.name else "bin"
    row = ModelFile(practice=practice, original_name=source.original_name, content_type=source.content_type,
                    size=source.size, uploaded_by=actor)
    try:
        row.file.save(f"{stem}.{extension}", _copy(source.file, stem, extension), save=False)
        stored.append(row.file.name)
        if source.thumbnail:
            row.thumbnail.save(f"{stem}.jpg", _copy(source.thumbnail, stem, "jpg"), save=False)
            stored.append(row.thumbnail.name)
    except OSError:
        raise ServiceError(_("文件“%(name)s”已不在存储中，无法选用。") % {"name": source.original_name})
    row.save()
    return row


def _chosen_sources(branch, item, evidence_ids, record_file_ids):
    """The branch's accepted evidence and record files of this item the admin chose; refuses others."""
    evidence_ids, record_file_ids = set(evidence_ids), set(record_file_ids)
    evidence = list(Evidence.objects.filter(
        same_item_q(item), pk__in=evidence_ids, assessment__branch=branch, assessment__status__in=ACCEPTED,
    ))
    files = list(RecordFile.objects.filter(
        same_item_q(item, "record__duty__item__"), pk__in=record_file_ids, record__branch=branch,
    ))
    if len(evidence) != len(evidence_ids) or len(files) != len(record_file_ids):
        raise InvalidInput(_("所选文件不属于该示范点本项目已通过考评的材料，请重新选择。"))
    return evidence + files


def model_mark(*, township, item, branch, actor, title, description, year, source=ModelSource.UPLOAD,
               evidence_ids=(), record_file_ids=(), uploads=()):
    """Mark what stands as the model for `item`: a description and files, copied from the 示范点's
    accepted evidence or year records the admin chose, and/or uploaded directly. Returns it."""
    check_township_admin(actor, township.pk)
    _check_site(branch, township.pk)
    if item.standard.township_id not in (None, township.pk):
        raise InvalidInput(_("该考核项目不属于本镇的考核标准。"))
    title = _text(title, _("标题"), TITLE_MAX)
    description = _text(description, _("做法说明"), TEXT_MAX)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise InvalidInput(_("请填写来源年度，例如 2025。"))
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise InvalidInput(_("来源年度不正确。"))
    if source not in ModelSource.values:
        raise InvalidInput(_("请选择来源。"))
    uploads = list(uploads)
    if len(uploads) + len(evidence_ids) + len(record_file_ids) > MAX_FILES:
        raise InvalidInput(_("一个示范做法最多 %(n)s 个文件。") % {"n": MAX_FILES})
    sources = _chosen_sources(branch, item, evidence_ids, record_file_ids)
    checked = [(upload, inspect_upload(upload)) for upload in uploads]
    stored = []
    try:
        with transaction.atomic():
            practice = ModelPractice.objects.create(
                township=township, item=item, branch=branch, year=year, title=title, description=description,
                source=source, marked_by=actor)
            for found in sources:
                _copy_in(practice, found, actor, stored)
            for upload, found in checked:
                evidence_store(ModelFile(practice=practice, uploaded_by=actor), upload, found, stored)
            audit(actor=actor, action="model_mark", item=item, target=f"{branch} · {title}",
                  new=f"#{practice.pk} {len(sources) + len(checked)} files", note=description[:200])
    except BaseException:
        delete_files(stored)
        raise
    return practice


def model_withdraw(*, practice, actor, reason):
    """Withdraw a model: it is no longer shown anywhere; the row and its files stay for the audit."""
    check_township_admin(actor, practice.township_id)
    reason = _text(reason, _("撤回原因"), 500)
    with transaction.atomic():
        locked = ModelPractice.objects.select_for_update().get(pk=practice.pk)
        if locked.withdrawn_at:
            raise ServiceError(_("该示范做法已撤回。"))
        locked.withdrawn_at, locked.withdrawn_by, locked.withdraw_reason = timezone.now(), actor, reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        audit(actor=actor, action="model_withdraw", item=locked.item, target=f"{locked.branch} · {locked.title}",
              old=f"#{locked.pk}", note=reason)
    practice.withdrawn_at = locked.withdrawn_at
    return locked


def model_carry_over(*, township, standard, actor):
    """Carry the township's models of earlier versions over to `standard` where the item is the
    same (the same content): a new model for the new item, sharing the stored files. Models
    already carried over are skipped. Returns the number carried over."""
    check_township_admin(actor, township.pk)
    with transaction.atomic():
        return _carry_over(township.pk, standard, actor, _items_by_content(standard))


def models_carry_over_on_import(*, standard, actor=None):
    """On importing a new version (services.standards.standard_import, in its transaction):
    carry over the models of every township that may use `standard` (its own township, or every
    township with models when the standard is the county's). Returns the number carried over."""
    targets = _items_by_content(standard)
    townships = (ModelPractice.objects.filter(withdrawn_at__isnull=True).exclude(item__standard=standard)
                 .order_by().values_list("township_id", flat=True).distinct())
    if standard.township_id:
        townships = townships.filter(township_id=standard.township_id)
    with transaction.atomic():
        return sum(_carry_over(township_id, standard, actor, targets) for township_id in townships) if targets else 0


def _items_by_content(standard):
    targets = {}
    for item in Item.objects.filter(standard=standard).order_by("number"):
        targets.setdefault(item.content.strip(), item)
    return targets


def _carry_over(township_id, standard, actor, targets):
    """The carry-over of one township's models (in the caller's transaction), audited. A model
    that was itself carried over to a later version is carried from there (or not at all when
    withdrawn there), so a chain of versions never shows the same model twice."""
    if not targets:
        return 0
    done = 0
    carried = ModelPractice.objects.filter(township_id=township_id, carried_from__isnull=False)
    already = set(carried.filter(item__standard=standard).values_list("carried_from_id", flat=True))
    already |= set(carried.exclude(item__standard=standard).values_list("carried_from_id", flat=True))
    earlier = (ModelPractice.objects.filter(township_id=township_id, withdrawn_at__isnull=True)
               .exclude(item__standard=standard).select_related("item").prefetch_related("files"))
    for practice in earlier:
        target = targets.get(practice.item.content.strip())
        if target is None or practice.pk in already:
            continue
        copy = ModelPractice.objects.create(
            township_id=township_id, item=target, branch_id=practice.branch_id, year=practice.year,
            title=practice.title, description=practice.description, source=practice.source,
            carried_from=practice, marked_by_id=actor.pk if getattr(actor, "pk", None) else practice.marked_by_id)
        ModelFile.objects.bulk_create([
            ModelFile(practice=copy, file=f.file.name, original_name=f.original_name,
                      content_type=f.content_type, size=f.size, thumbnail=f.thumbnail.name,
                      uploaded_by_id=f.uploaded_by_id)
            for f in practice.files.all()
        ])
        done += 1
    if done:
        audit(actor=actor, action="model_carry_over", target=str(standard), new=str(done))
    return done


def site_theme_set(*, site, actor, theme, models_for=""):
    """Set a 示范点's theme and what it is a model for."""
    check_township_admin(actor, site.township_id)
    _check_site(site, site.township_id)
    theme = _text(theme, _("示范主题"), 100)
    models_for = _text(models_for, _("示范内容"), TEXT_MAX, required=False)
    with transaction.atomic():
        found = DemoSite.objects.select_for_update().filter(branch=site).first()
        old = f"{found.theme}｜{found.models_for}" if found else ""
        DemoSite.objects.update_or_create(branch=site, defaults={"theme": theme, "models_for": models_for})
        audit(actor=actor, action="site_theme_set", target=str(site), old=old, new=f"{theme}｜{models_for}")


# --- 结对帮带 --------------------------------------------------------------------------


def pairing_add(*, site, helped, actor, note=""):
    check_township_admin(actor, site.township_id)
    _check_site(site, site.township_id)
    if helped.township_id != site.township_id:
        raise InvalidInput(_("帮带支部必须是本镇的党支部。"))
    if helped.pk == site.pk:
        raise InvalidInput(_("示范点不能与自己结对。"))
    note = _text(note, _("帮带重点"), 200, required=False)
    with transaction.atomic():
        if Pairing.objects.select_for_update().filter(site=site, helped=helped, ended_at__isnull=True).exists():
            raise ServiceError(_("%(site)s已与%(helped)s结对。") % {"site": site, "helped": helped})
        pairing = Pairing.objects.create(site=site, helped=helped, note=note, created_by=actor)
        audit(actor=actor, action="pairing_add", target=f"{site} → {helped}", new=note)
    return pairing


def pairing_end(*, pairing, actor):
    check_township_admin(actor, pairing.site.township_id)
    with transaction.atomic():
        locked = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if locked.ended_at:
            raise ServiceError(_("该结对已解除。"))
        locked.ended_at = timezone.now()
        locked.save(update_fields=["ended_at"])
        audit(actor=actor, action="pairing_end", target=f"{pairing.site} → {pairing.helped}")
    return locked


# --- 观摩 -------------------------------------------------------------------------------


def _learning_records(visit, branches, actor):
    """The visit counts for each visiting branch's learning item: a year record of its duty
    (清单式推进), unless the item has no duty or the year is closed. Returns how many."""
    duty = Duty.objects.filter(item_id=visit.item_id).first() if visit.item_id else None
    year = visit.date.year
    if duty is None or PlanYear.objects.filter(township_id=visit.site.township_id, year=year,
                                               closed_at__isnull=False).exists():
        return 0
    quantity = visit.hours if duty.unit == "学时" else 1
    Record.objects.bulk_create([
        Record(branch=branch, duty=duty, date=visit.date, year=year, month=visit.date.month,
               topic=(_("观摩学习：%(site)s %(topic)s") % {"site": visit.site, "topic": visit.topic})[:200],
               quantity=max(quantity, 1), note=_("镇党委组织的示范点观摩"), created_by=actor)
        for branch in branches
    ])
    return len(branches)


def visit_add(*, site, actor, date, topic, visitors, item=None, hours=2, note="", uploads=()):
    """Record a visit held at `site`: date, topic, who came from which branches ({branch: people}),
    photos. It counts as a learning record of each visiting branch for `item`. Returns it."""
    check_township_admin(actor, site.township_id)
    _check_site(site, site.township_id)
    topic = _text(topic, _("观摩主题"), 200)
    if not 1 <= hours <= 8:
        raise InvalidInput(_("学时应在 1 到 8 之间。"))
    note = _text(note, _("说明"), TEXT_MAX, required=False)
    if date is None:
        raise InvalidInput(_("请填写观摩日期。"))
    if date > timezone.localdate():
        raise InvalidInput(_("观摩日期不能晚于今天。"))
    if not visitors:
        raise InvalidInput(_("请选择参加观摩的党支部。"))
    if any(branch.township_id != site.township_id or branch.pk == site.pk for branch in visitors):
        raise InvalidInput(_("参加观摩的必须是本镇的其他党支部。"))
    if item is not None and item.standard.township_id not in (None, site.township_id):
        raise InvalidInput(_("该考核项目不属于本镇的考核标准。"))
    uploads = list(uploads)
    if len(uploads) > MAX_FILES:
        raise InvalidInput(_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES})
    checked = [(upload, inspect_upload(upload)) for upload in uploads]
    stored = []
    try:
        with transaction.atomic():
            visit = Visit.objects.create(site=site, date=date, topic=topic, note=note, item=item,
                                         hours=hours, created_by=actor)
            VisitBranch.objects.bulk_create([
                VisitBranch(visit=visit, branch=branch, people=_text(people, _("参加人员"), 200, required=False))
                for branch, people in visitors.items()
            ])
            for upload, found in checked:
                evidence_store(VisitPhoto(visit=visit, uploaded_by=actor), upload, found, stored)
            counted = _learning_records(visit, list(visitors), actor)
            audit(actor=actor, action="visit_add", item=item, target=f"{site} · {topic}",
                  new=f"{date:%Y-%m-%d} {len(visitors)} branches", note=f"{counted} records")
    except BaseException:
        delete_files(stored)
        raise
    return visit
