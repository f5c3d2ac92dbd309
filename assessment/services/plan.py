"""清单式推进: setting the duties of the standard, logging records (with their files), closing a
year, and reminding the branches behind on a duty.

Each function takes keyword arguments, runs in one transaction, checks the actor and the
state, raises ServiceError with a message a person can read, and writes the audit record.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import (
    Assessment, Duty, Item, Message, PlanReminder, PlanYear, Record, RecordFile, Role, Round, Score, User,
)
from assessment.models_plan import DutyPeriod, DutyRule, DutyUnit
from assessment.permissions import is_township_admin
from assessment.plan_rules import suggest_duty, suggest_rule
from assessment.uploads import inspect_upload

from .base import ServiceError, audit
from .evidence import delete_files, evidence_store
from .reminders import send_emails
from .selfeval import InvalidInput, self_score_record

TOPIC_MAX = 200
NOTE_MAX = 2000
MAX_FILES = 20


# --- Which standard a year follows -------------------------------------------


def year_round(township_id, year):
    """The round whose standard a township's year follows: that year's round, else the latest
    round before it (a new year's plan starts from last year's duties), else None."""
    rounds = Round.objects.filter(township_id=township_id).select_related("standard")
    return (rounds.filter(year=year).order_by("-created_at").first()
            or rounds.filter(year__lt=year).order_by("-year", "-created_at").first())


def year_closed(township_id, year):
    return PlanYear.objects.filter(township_id=township_id, year=year, closed_at__isnull=False).exists()


# --- The duties of a standard ------------------------------------------------


def _check_standard_admin(actor, standard):
    if not is_township_admin(actor):
        raise ServiceError(_("只有镇党委管理员可以设置年度任务。"))
    if not actor.is_superuser and standard.township_id not in (None, actor.township_id):
        raise ServiceError(_("只能设置本镇的考核标准。"))


def _duty_text(duty):
    return (f"{duty.name} {duty.get_period_display()}{duty.per_period}{duty.unit} "
            f"{duty.get_rule_display()} {duty.deduction}")


@transaction.atomic
def duties_adopt_suggestions(*, standard, actor):
    """采用建议: a duty for every counting item of `standard` that has none yet. Returns how many."""
    _check_standard_admin(actor, standard)
    taken = set(Duty.objects.filter(item__standard=standard).values_list("item_id", flat=True))
    made = 0
    for item in Item.objects.filter(standard=standard).exclude(pk__in=taken).order_by("number"):
        suggestion = suggest_duty(item.content)
        if suggestion is None:
            continue
        rule = suggest_rule(item.criteria, item.points)
        duty = Duty.objects.create(
            item=item, name=suggestion.name, period=suggestion.period, per_period=suggestion.per_period,
            unit=suggestion.unit, rule=rule.kind, deduction=rule.deduction, rule_text=rule.text,
            updated_by=actor if actor.pk else None,
        )
        audit(actor=actor, action="duty_set", item=item, target=f"{standard} · {item.number}", new=_duty_text(duty))
        made += 1
    return made


def _clean_duty(values, item):
    name = (values.get("name") or "").strip()
    if not name:
        raise InvalidInput(_("请填写任务名称。"))
    if len(name) > 50:
        raise InvalidInput(_("任务名称不能超过 50 字。"))
    period, unit, rule = values.get("period"), values.get("unit"), values.get("rule")
    if period not in DutyPeriod.values or unit not in DutyUnit.values or rule not in DutyRule.values:
        raise InvalidInput(_("请选择周期、单位和计分规则。"))
    try:
        per_period = int(values.get("per_period"))
        deduction = Decimal(str(values.get("deduction") or "0"))
    except (TypeError, ValueError, InvalidOperation):
        raise InvalidInput(_("每周期应完成须为正整数，扣分须为数字。")) from None
    if not 1 <= per_period <= 1000:
        raise InvalidInput(_("每周期应完成须为 1 到 1000 之间的整数。"))
    if not deduction.is_finite() or deduction < 0 or deduction > item.points or deduction != round(deduction, 2):
        raise InvalidInput(_("扣分应在 0 到 %(points)s 分之间，最多两位小数。") % {"points": item.points})
    return {"name": name, "period": period, "per_period": per_period, "unit": unit, "rule": rule,
            "deduction": deduction}


@transaction.atomic
def duty_save(*, item, actor, values):
    """Set (or change) the duty of one item from a form's values. Returns the Duty."""
    _check_standard_admin(actor, item.standard)
    cleaned = _clean_duty(values, item)
    duty = Duty.objects.select_for_update().filter(item=item).first()
    old = _duty_text(duty) if duty else ""
    if duty is None:
        duty = Duty(item=item, rule_text=suggest_rule(item.criteria, item.points).text)
    for field, value in cleaned.items():
        setattr(duty, field, value)
    duty.updated_by, duty.updated_at = actor, timezone.now()
    duty.save()
    if old != _duty_text(duty):
        audit(actor=actor, action="duty_set", item=item, target=f"{item.standard} · {item.number}",
              old=old, new=_duty_text(duty))
    return duty


@transaction.atomic
def duty_remove(*, duty, actor):
    _check_standard_admin(actor, duty.item.standard)
    if Record.objects.filter(duty=duty).exists():
        raise ServiceError(_("“%(name)s”已有活动记录，不能取消。") % {"name": duty.name})
    audit(actor=actor, action="duty_remove", item=duty.item, target=f"{duty.item.standard} · {duty.item.number}",
          old=_duty_text(duty))
    duty.delete()


# --- Records -----------------------------------------------------------------


def _check_secretary(actor, branch):
    if getattr(actor, "role", None) != Role.SECRETARY or actor.branch_id != branch.pk:
        raise ServiceError(_("只有本支部书记可以填写活动记录。"))


def _check_open(branch, year):
    if year_closed(branch.township_id, year):
        raise ServiceError(_("%(year)s年度的记录已锁定，不能再新增、修改或删除。") % {"year": year})


def _optional_count(value, label):
    value = "" if value is None else str(value).strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(_("%(label)s须为整数。") % {"label": label}) from None
    if not 0 <= number <= 100000:
        raise InvalidInput(_("%(label)s须为 0 到 100000 之间的整数。") % {"label": label})
    return number


def _clean_record(values, branch, today):
    """The record's fields from a form's values, or InvalidInput naming the first problem."""
    raw_date = (values.get("date") or "").strip()
    try:
        date = datetime.date.fromisoformat(raw_date)
    except ValueError:
        raise InvalidInput(_("请填写日期，例如 2026-03-05。")) from None
    if date > today:
        raise InvalidInput(_("日期不能晚于今天：请在活动开展后再记录。"))
    topic = (values.get("topic") or "").strip()
    if not topic:
        raise InvalidInput(_("请填写主题。"))
    if len(topic) > TOPIC_MAX:
        raise InvalidInput(_("主题不能超过 %(n)s 字。") % {"n": TOPIC_MAX})
    note = (values.get("note") or "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("说明不能超过 %(n)s 字。") % {"n": NOTE_MAX})
    attended = _optional_count(values.get("attended"), _("实到人数"))
    expected = _optional_count(values.get("expected"), _("应到人数"))
    if attended is not None and expected is not None and attended > expected:
        raise InvalidInput(_("实到人数不能多于应到人数。"))
    quantity = _optional_count(values.get("quantity"), _("计数")) or 1
    if quantity > 1000:
        raise InvalidInput(_("计数不能超过 1000。"))
    return {"date": date, "year": date.year, "month": date.month, "topic": topic, "note": note,
            "attended": attended, "expected": expected, "quantity": quantity}


def _duty_for(branch, year, duty_id):
    """The duty `duty_id` if it belongs to the standard the branch's township follows that year."""
    found = year_round(branch.township_id, year)
    try:
        duty = Duty.objects.select_related("item").get(pk=int(duty_id))
    except (TypeError, ValueError, Duty.DoesNotExist):
        duty = None
    if duty is None or found is None or duty.item.standard_id != found.standard_id:
        raise InvalidInput(_("请选择本年度的一项任务。"))
    return duty


def _check_files(uploads):
    if len(uploads) > MAX_FILES:
        raise InvalidInput(_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES})
    return [(upload, inspect_upload(upload)) for upload in uploads]


def _store_files(record, actor, checked, stored):
    for upload, found in checked:
        row = evidence_store(RecordFile(record=record, uploaded_by=actor), upload, found, stored)
        audit(actor=actor, action="record_file_add", target=_target(record), new=found.original_name,
              note=f"#{row.pk} {found.kind.content_type} {found.size}")


def _target(record):
    return f"{record.branch} · {record.duty.name} · {record.date:%Y-%m-%d}"


FIELDS = ("date", "topic", "attended", "expected", "quantity", "note")


def record_add(*, branch, actor, values, uploads=(), today=None):
    """Log one meeting or activity of `branch` (with files, checked as evidence is). Returns it."""
    today = today or timezone.localdate()
    _check_secretary(actor, branch)
    cleaned = _clean_record(values, branch, today)
    duty = _duty_for(branch, cleaned["year"], values.get("duty"))
    checked = _check_files(list(uploads))  # before the transaction: reading files takes time
    stored = []
    try:
        with transaction.atomic():
            _check_open(branch, cleaned["year"])
            record = Record.objects.create(branch=branch, duty=duty, created_by=actor, **cleaned)
            audit(actor=actor, action="record_add", item=duty.item, target=_target(record),
                  new=f"{record.topic}（{record.attended or '-'}/{record.expected or '-'}，{record.quantity}{duty.unit}）")
            _store_files(record, actor, checked, stored)
    except BaseException:
        delete_files(stored)
        raise
    return record


def record_change(*, record, actor, values, uploads=(), today=None):
    """Change a record (and add files to it); every changed field is audited."""
    today = today or timezone.localdate()
    _check_secretary(actor, record.branch)
    cleaned = _clean_record(values, record.branch, today)
    checked = _check_files(list(uploads))
    stored = []
    try:
        with transaction.atomic():
            locked = Record.objects.select_for_update().select_related("duty__item", "branch").get(pk=record.pk)
            _check_open(locked.branch, locked.year)
            if cleaned["year"] != locked.year:
                raise InvalidInput(_("不能把记录改到另一个年度：请删除后在那一年重新记录。"))
            for field in FIELDS:
                old, new = getattr(locked, field), cleaned[field]
                if old != new:
                    audit(actor=actor, action="record_change", item=locked.duty.item, target=_target(locked),
                          field=field, old=old, new=new)
                    setattr(locked, field, new)
            locked.year, locked.month = cleaned["year"], cleaned["month"]
            locked.save()
            _store_files(locked, actor, checked, stored)
    except BaseException:
        delete_files(stored)
        raise
    return locked


@transaction.atomic
def record_delete(*, record, actor):
    """Delete a record with its files (removed from storage after the commit); audited."""
    _check_secretary(actor, record.branch)
    locked = Record.objects.select_for_update().select_related("duty__item", "branch").filter(pk=record.pk).first()
    if locked is None:
        raise ServiceError(_("该记录已被删除。"))
    _check_open(locked.branch, locked.year)
    names = [name for pair in locked.files.values_list("file", "thumbnail") for name in pair]
    audit(actor=actor, action="record_delete", item=locked.duty.item, target=_target(locked),
          old=f"{locked.topic}（{locked.attended or '-'}/{locked.expected or '-'}，{locked.quantity}{locked.duty.unit}）",
          note=f"{len(names) // 2} 个文件")
    locked.delete()
    transaction.on_commit(lambda: delete_files(names))
    return locked


@transaction.atomic
def record_file_remove(*, file, actor):
    record = file.record
    _check_secretary(actor, record.branch)
    _check_open(record.branch, record.year)
    row = RecordFile.objects.select_for_update().filter(pk=file.pk).first()
    if row is None:
        raise ServiceError(_("该文件已被删除。"))
    names = [row.file.name, row.thumbnail.name]
    audit(actor=actor, action="record_file_remove", target=_target(record), old=row.original_name, note=f"#{row.pk}")
    row.delete()
    transaction.on_commit(lambda: delete_files(names))


# --- The record as evidence -----------------------------------------------------------


@transaction.atomic
def suggestion_take_back(*, assessment, item, actor):
    """撤回: the secretary takes back a self score (one accepted from the records or typed): the item
    is unscored again, its note kept; audited by self_score_record."""
    Assessment.objects.select_for_update(of=("self",)).filter(pk=assessment.pk).first()  # lock order: the assessment first
    note = Score.objects.filter(assessment=assessment, item=item).values_list("self_note", flat=True).first()
    return self_score_record(assessment=assessment, item=item, actor=actor, score=None, note=note or "")


# --- The year: closing it, reminding those behind ------------------------------


def _check_township_admin(actor, township_id):
    if not is_township_admin(actor) or not (actor.is_superuser or actor.township_id == township_id):
        raise ServiceError(_("只有本镇党委管理员可以这样做。"))


@transaction.atomic
def plan_year_close(*, township, year, actor):
    """锁定: the year's records can no longer be added, changed or deleted."""
    _check_township_admin(actor, township.pk)
    row, _created = PlanYear.objects.select_for_update().get_or_create(township=township, year=year)
    if row.closed_at:
        raise ServiceError(_("%(year)s年度已锁定。") % {"year": year})
    if year >= timezone.localdate().year:
        raise ServiceError(_("只能锁定已结束的年度。"))
    row.closed_at, row.closed_by = timezone.now(), actor
    row.save()
    audit(actor=actor, action="plan_year_close", target=f"{township} {year}", field="closed_at", new=row.closed_at)
    return row


@dataclass
class PlanReminderResult:
    branches: int       # branches reminded now
    already: int        # behind, but reminded of this duty this month already
    without_secretary: int


def plan_reminders_send(*, township, year, duty, behind_branch_ids, actor, today=None, base_url=""):
    """Remind the secretaries of the branches behind on `duty` (as the grid found them); each
    branch at most once per duty and month (PlanReminder's unique constraint)."""
    today = today or timezone.localdate()
    _check_township_admin(actor, township.pk)
    if not behind_branch_ids:
        raise ServiceError(_("没有落后的党支部，无需提醒。"))
    with transaction.atomic():
        done = set(PlanReminder.objects.filter(duty=duty, year=today.year, month=today.month,
                                               branch_id__in=behind_branch_ids).values_list("branch_id", flat=True))
        todo = [pk for pk in behind_branch_ids if pk not in done]
        secretaries = {}
        for user in User.objects.filter(role=Role.SECRETARY, is_active=True, branch_id__in=todo,
                                        branch__township=township).select_related("branch").order_by("pk"):
            secretaries.setdefault(user.branch_id, []).append(user)
        messages, emails, reminders = [], [], []
        for branch_id, users in secretaries.items():
            link = reverse("plan-branch", args=[year, branch_id])
            text = _("【%(year)s年度清单】“%(branch)s”的“%(duty)s”落后于进度，请及时开展并记录。") % {
                "year": year, "branch": users[0].branch.name, "duty": duty.name}
            for user in users:
                messages.append(Message(user=user, text=text, link=link))
                if user.email:
                    emails.append((user.email, text + "\n\n" + (base_url.rstrip("/") + link)))
            reminders.append(PlanReminder(branch_id=branch_id, duty=duty, year=today.year, month=today.month,
                                          sent_by=actor))
        try:
            with transaction.atomic():
                PlanReminder.objects.bulk_create(reminders)
        except IntegrityError:
            raise ServiceError(_("刚刚已有人发送了本月的提醒，请刷新后再试。")) from None
        Message.objects.bulk_create(messages)
        if reminders:
            audit(actor=actor, action="plan_remind", item=duty.item, target=f"{township} {year} · {duty.name}",
                  note=_("提醒 %(n)s 个支部") % {"n": len(reminders)})
        subject = _("清单提醒：%(duty)s") % {"duty": duty.name}
        transaction.on_commit(lambda: send_emails(subject, emails))
    return PlanReminderResult(len(reminders), len(done), len(todo) - len(reminders))
