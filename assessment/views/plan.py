"""清单式推进: a branch's year (its duties against what is due, its records), the record form,
the township's grid and 台账, the duties of a standard, and the records as evidence of the
self-evaluation and the on-site assessment.

Another township's or branch's things: 404. A wrong role or a closed year: 403 with the reason.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from assessment import selectors_plan
from assessment.exporters_plan import PlanLedger
from assessment.models import Branch, Duty, Item, Record, RecordFile, Role, Standard, Township
from assessment.permissions import assessment_for, check_branch, is_township_admin, is_township_staff
from assessment.services.base import ServiceError
from assessment.services.plan import (
    duties_adopt_suggestions, duty_remove, duty_save, plan_reminders_send, plan_year_close, record_add,
    record_change, record_delete, record_file_remove, suggestion_take_back,
)
from assessment.services.selfeval import InvalidInput, self_edit_refusal, self_score_record
from assessment.plan_rules import suggest_duty, suggest_rule
from assessment.models_plan import DutyPeriod, DutyRule, DutyUnit
from assessment.uploads import download_name, kind_for

from .evidence import _serve
from .exports import xlsx_response

MIN_YEAR, MAX_YEAR = 2000, 2100


def _year(year):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    return year


def _refuse(request, reason, status=403):
    return render(request, "assessment/refused.html", {"reason": reason}, status=status)


def _staff_township(request):
    """The township whose grid a staff member sees (the superuser picks one with ?township=)."""
    user = request.user
    if user.is_superuser:
        raw = request.GET.get("township") or request.POST.get("township")
        qs = Township.objects.order_by("pk")
        township = qs.filter(pk=int(raw)).first() if raw and raw.isdigit() else qs.first()
    elif is_township_staff(user):
        township = user.township
    else:
        raise PermissionDenied(_("全镇清单由镇党委管理员和考评人员查看。"))
    if township is None:
        raise Http404
    return township


def _record_for(user, pk):
    record = get_object_or_404(Record.objects.select_related("branch", "duty__item"), pk=pk)
    check_branch(user, record.branch)
    return record


# --- A branch's year --------------------------------------------------------------


@login_required
def plan_home(request):
    today = timezone.localdate()
    if request.user.role == Role.SECRETARY and not request.user.is_superuser:
        return redirect("plan-branch", today.year, request.user.branch_id)
    _staff_township(request)
    return redirect("plan-grid", today.year)


@login_required
@require_safe
def plan_branch(request, year, branch_id):
    branch = get_object_or_404(Branch.objects.select_related("township"), pk=branch_id)
    check_branch(request.user, branch)
    year, today = _year(year), timezone.localdate()
    plan = selectors_plan.plan_year(branch.township_id, year)
    rows = selectors_plan.branch_year(branch, year, today, plan)
    can_record = (request.user.role == Role.SECRETARY and request.user.branch_id == branch.pk
                  and not plan.closed and bool(plan.duties) and year <= today.year)
    return render(request, "assessment/plan_branch.html", {
        "branch": branch, "plan": plan, "rows": rows, "today": today, "can_record": can_record,
        "current": year == today.year, "behind": [row for row in rows if row.behind],
        "open": [row for row in rows if row.tally.open_needed and year == today.year],
        "is_staff": is_township_staff(request.user),
    })


def _form_context(branch, plan, values, record=None, error=None):
    return {"branch": branch, "plan": plan, "values": values, "record": record, "error": error,
            "today": timezone.localdate()}


@login_required
def record_new(request, year, branch_id):
    branch = get_object_or_404(Branch.objects.select_related("township"), pk=branch_id)
    check_branch(request.user, branch)
    plan = selectors_plan.plan_year(branch.township_id, _year(year))
    if request.user.role != Role.SECRETARY or request.user.branch_id != branch.pk:
        return _refuse(request, _("只有本支部书记可以填写活动记录。"))
    if plan.closed:
        return _refuse(request, _("%(year)s年度的记录已锁定，不能再新增、修改或删除。") % {"year": year})
    if request.method == "POST":
        try:
            record = record_add(branch=branch, actor=request.user, values=request.POST,
                                uploads=request.FILES.getlist("file"))
        except ServiceError as error:
            return render(request, "assessment/plan_record_form.html",
                          _form_context(branch, plan, request.POST, error=error.message),
                          status=400 if isinstance(error, InvalidInput) else 403)
        messages.success(request, _("已记录：%(duty)s %(date)s “%(topic)s”。") % {
            "duty": record.duty.name, "date": f"{record.date.month}月{record.date.day}日", "topic": record.topic})
        return redirect(reverse("plan-branch", args=[record.year, branch.pk]) + f"#duty-{record.duty_id}")
    today = timezone.localdate()
    default = today if today.year == year else datetime.date(year, 12, 31)
    values = {"duty": request.GET.get("duty", ""), "date": default.isoformat(), "quantity": "1",
              "expected": branch.members or ""}
    return render(request, "assessment/plan_record_form.html", _form_context(branch, plan, values))


@login_required
def record_edit(request, pk):
    record = _record_for(request.user, pk)
    branch = record.branch
    if request.user.role != Role.SECRETARY or request.user.branch_id != branch.pk:
        return _refuse(request, _("只有本支部书记可以修改活动记录。"))
    plan = selectors_plan.plan_year(branch.township_id, record.year)
    if request.method == "POST":
        try:
            record = record_change(record=record, actor=request.user, values=request.POST,
                                   uploads=request.FILES.getlist("file"))
        except ServiceError as error:
            status = 400 if isinstance(error, InvalidInput) else 403
            return render(request, "assessment/plan_record_form.html",
                          _form_context(branch, plan, request.POST, record, error.message), status=status)
        messages.success(request, _("已保存修改。"))
        return redirect(reverse("plan-branch", args=[record.year, branch.pk]) + f"#duty-{record.duty_id}")
    values = {"duty": str(record.duty_id), "date": record.date.isoformat(), "topic": record.topic,
              "attended": record.attended if record.attended is not None else "",
              "expected": record.expected if record.expected is not None else "",
              "quantity": record.quantity, "note": record.note}
    return render(request, "assessment/plan_record_form.html", _form_context(branch, plan, values, record))


@login_required
@require_POST
def record_delete_view(request, pk):
    record = _record_for(request.user, pk)
    back = reverse("plan-branch", args=[record.year, record.branch_id]) + f"#duty-{record.duty_id}"
    try:
        record_delete(record=record, actor=request.user)
    except ServiceError as error:
        return _refuse(request, error.message)
    messages.success(request, _("已删除记录“%(topic)s”。") % {"topic": record.topic})
    return redirect(back)


def _file_for(user, pk):
    file = get_object_or_404(RecordFile.objects.select_related("record__branch"), pk=pk)
    check_branch(user, file.record.branch)
    return file


@login_required
@require_safe
def record_file(request, pk):
    file = _file_for(request.user, pk)
    kind = kind_for(file.content_type)
    extension = kind.extension if kind else "bin"
    return _serve(file.file, content_type=kind.content_type if kind else "application/octet-stream",
                  filename=download_name(file.original_name, kind) if kind else file.original_name,
                  fallback=f"record-{file.pk}.{extension}", inline=bool(kind and kind.inline))


@login_required
@require_POST
def record_file_remove_view(request, pk):
    file = _file_for(request.user, pk)
    try:
        record_file_remove(file=file, actor=request.user)
    except ServiceError as error:
        return _refuse(request, error.message)
    messages.success(request, _("已删除“%(name)s”。") % {"name": file.original_name})
    return redirect("plan-record-edit", file.record_id)


# --- The township ---------------------------------------------------------------


@login_required
@require_safe
def plan_grid(request, year):
    township = _staff_township(request)
    year, today = _year(year), timezone.localdate()
    plan = selectors_plan.plan_year(township.pk, year)
    duty = None
    raw = request.GET.get("duty")
    if plan.duties:
        monthly = next((d for d in plan.duties if d.period == "month"), plan.duties[0])  # the most telling
        duty = next((d for d in plan.duties if str(d.pk) == raw), monthly)
    rows = selectors_plan.township_grid(township.pk, year, duty, today) if duty else []
    behind = [row for row in rows if row.tally.missing]
    remindable = [row for row in behind if not row.reminded]
    rows_html = render_to_string("assessment/_plan_grid_rows.html", {"rows": rows, "year": year})
    return render(request, "assessment/plan_grid.html", {
        "township": township, "plan": plan, "duty": duty, "rows_html": rows_html, "count": len(rows),
        "behind": len(behind), "remindable": len(remindable), "today": today,
        "can_admin": is_township_admin(request.user), "months": range(1, 13),
        "can_close": is_township_admin(request.user) and not plan.closed and year < today.year,
    })


@login_required
@require_POST
def plan_remind(request, year, duty_id):
    township = _staff_township(request)
    if not is_township_admin(request.user):
        return _refuse(request, _("只有镇党委管理员可以发送提醒。"))
    year, today = _year(year), timezone.localdate()
    plan = selectors_plan.plan_year(township.pk, year)
    duty = next((d for d in plan.duties if d.pk == duty_id), None)
    if duty is None:
        raise Http404
    if year != today.year:
        return _refuse(request, _("只能提醒本年度落后的党支部。"))
    rows = selectors_plan.township_grid(township.pk, year, duty, today)
    behind = [row for row in rows if row.tally.missing and not row.reminded]
    if request.POST.get("confirm") != "1" and len(behind) > 1:  # sending to many: ask first, naming the count
        return render(request, "assessment/bulk_confirm.html", {
            "title": _("提醒落后的支部"), "button": _("确认发送 %(n)s 条提醒") % {"n": len(behind)},
            "question": _("将就“%(duty)s”向 %(n)s 个落后的支部发送提醒，确认发送吗？") % {"duty": duty.name, "n": len(behind)},
            "names": [row.name for row in behind], "hidden": [("township", township.pk)],
            "action": reverse("plan-remind", args=[year, duty.pk]),
            "back": reverse("plan-grid", args=[year]) + f"?duty={duty.pk}",
        })
    try:
        result = plan_reminders_send(township=township, year=year, duty=duty, actor=request.user, today=today,
                                     behind_branch_ids=[row.branch_id for row in rows if row.tally.missing],
                                     base_url=request.build_absolute_uri("/"))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        text = _("已提醒 %(n)s 个支部。") % {"n": result.branches}
        if result.already:
            text += _("%(n)s 个支部本月已提醒过，未重复提醒。") % {"n": result.already}
        if result.without_secretary:
            text += _("%(n)s 个支部没有支部书记账号。") % {"n": result.without_secretary}
        (messages.success if result.branches else messages.warning)(request, text)
    return redirect(reverse("plan-grid", args=[year]) + f"?duty={duty.pk}")


@login_required
@require_safe
def plan_ledger(request, year):
    township = _staff_township(request)
    plan = selectors_plan.plan_year(township.pk, _year(year))
    if not plan.duties:
        return _refuse(request, _("本年度还没有设置年度任务，没有台账可导出。"))
    return xlsx_response(request, PlanLedger(township, plan, timezone.localdate()))


@login_required
@require_POST
def plan_close(request, year):
    township = _staff_township(request)
    if not is_township_admin(request.user):
        return _refuse(request, _("只有镇党委管理员可以锁定年度记录。"))
    try:
        plan_year_close(township=township, year=_year(year), actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(year)s年度的记录已锁定。") % {"year": year})
    return redirect("plan-grid", year)


# --- The duties of a standard -------------------------------------------------------


def _standard_for(user, pk):
    standard = get_object_or_404(Standard, pk=pk)
    if not is_township_admin(user):
        raise PermissionDenied(_("年度任务由镇党委管理员设置。"))
    if not user.is_superuser and standard.township_id not in (None, user.township_id):
        raise Http404
    return standard


@login_required
def plan_duties(request, pk):
    standard = _standard_for(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "adopt":
                made = duties_adopt_suggestions(standard=standard, actor=request.user)
                messages.success(request, _("已按建议设置 %(n)s 项年度任务。") % {"n": made})
            else:
                item = get_object_or_404(Item, pk=request.POST.get("item") or 0, standard=standard)
                if action == "remove":
                    duty_remove(duty=get_object_or_404(Duty, item=item), actor=request.user)
                    messages.success(request, _("第%(n)s项已不再计入年度任务。") % {"n": item.number})
                else:
                    duty_save(item=item, actor=request.user, values=request.POST)
                    messages.success(request, _("第%(n)s项的年度任务已保存。") % {"n": item.number})
        except ServiceError as error:
            messages.error(request, error.message)
        return redirect(reverse("plan-duties", args=[standard.pk]) + (
            f"#item-{request.POST.get('item')}" if request.POST.get("item") else ""))
    items = list(Item.objects.filter(standard=standard).select_related("duty").order_by("number"))
    rows = []
    for item in items:
        duty = getattr(item, "duty", None)
        suggestion = suggest_duty(item.content)
        if duty is None and suggestion is None:
            continue
        rows.append({"item": item, "duty": duty, "suggestion": suggestion,
                     "rule": suggest_rule(item.criteria, item.points)})
    return render(request, "assessment/plan_duties.html", {
        "standard": standard, "rows": rows, "periods": DutyPeriod.choices, "units": DutyUnit.choices,
        "rules": DutyRule.choices, "unset": sum(1 for row in rows if row["duty"] is None),
    })


# --- The record as evidence: self-evaluation and on site -----------------------------


@login_required
@require_safe
def plan_suggestions(request, pk):
    assessment = assessment_for(request.user, pk)
    today = timezone.localdate()
    plan = selectors_plan.plan_year(assessment.branch.township_id, assessment.round.year)
    if assessment.round.standard_id != (plan.round.standard_id if plan.round else None):
        plan.duties = selectors_plan.year_duties(assessment.round.standard_id)
    rows = selectors_plan.record_suggestions(assessment, today, plan)
    refusal = self_edit_refusal(assessment, request.user)
    return render(request, "assessment/plan_suggestions.html", {
        "assessment": assessment, "rows": rows, "editable": refusal is None,
        "is_secretary": request.user.role == Role.SECRETARY,
    })


@login_required
@require_POST
def plan_suggestion_accept(request, pk, item_id):
    """The secretary's act: save the self score and note they chose (the suggestion or another),
    or take a saved score back (action=clear: the item is unscored again, its note kept)."""
    assessment = assessment_for(request.user, pk)
    item = get_object_or_404(Item, pk=item_id, standard_id=assessment.round.standard_id)
    back = reverse("plan-suggestions", args=[assessment.pk]) + f"#item-{item.pk}"
    clear = request.POST.get("action") == "clear"
    raw = (request.POST.get("score") or "").strip()
    try:
        if clear:
            suggestion_take_back(assessment=assessment, item=item, actor=request.user)
        else:
            if not raw:
                raise InvalidInput(_("请填写自评得分。"))
            self_score_record(assessment=assessment, item=item, actor=request.user, score=raw,
                              note=request.POST.get("note", ""))
    except ServiceError as error:
        if not isinstance(error, InvalidInput):
            return _refuse(request, error.message)
        messages.error(request, _("第%(n)s项：%(error)s") % {"n": item.number, "error": error.message})
    else:
        if clear:
            messages.success(request, _("第%(n)s项已撤回自评得分，现为未评。") % {"n": item.number})
        else:
            messages.success(request, _("第%(n)s项自评得分已保存：%(score)s 分。") % {"n": item.number, "score": raw})
    return redirect(back)


urlpatterns = [
    path("plan/", plan_home, name="plan-home"),
    path("plan/<year:year>/branches/<id:branch_id>/", plan_branch, name="plan-branch"),
    path("plan/<year:year>/branches/<id:branch_id>/records/new/", record_new, name="plan-record-new"),
    path("plan/records/<id:pk>/", record_edit, name="plan-record-edit"),
    path("plan/records/<id:pk>/delete/", record_delete_view, name="plan-record-delete"),
    path("plan/files/<id:pk>/", record_file, name="plan-record-file"),
    path("plan/files/<id:pk>/delete/", record_file_remove_view, name="plan-record-file-remove"),
    path("plan/<year:year>/", plan_grid, name="plan-grid"),
    path("plan/<year:year>/duties/<id:duty_id>/remind/", plan_remind, name="plan-remind"),
    path("plan/<year:year>/ledger.xlsx", plan_ledger, name="plan-ledger"),
    path("plan/<year:year>/close/", plan_close, name="plan-close"),
    path("standards/<id:pk>/duties/", plan_duties, name="plan-duties"),
    path("assessments/<id:pk>/plan/", plan_suggestions, name="plan-suggestions"),
    path("assessments/<id:pk>/plan/items/<id:item_id>/", plan_suggestion_accept, name="plan-suggestion-accept"),
]
