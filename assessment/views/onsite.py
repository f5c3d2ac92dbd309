"""党委一线考评: the round overview, the on-site scoring page with its per-item save,
veto findings, bonus decisions, 考评完成 and reopening; the round's phase.

Every view begins with @login_required (and @require_POST where it only writes), then
one access helper: outside the user's township 404, a secretary (or another role) 403
with the reason. Views only call services and show their refusals: 400 for a wrong
value, 403 for a refusal (wrong phase, not submitted, finalised), 409 for a conflict
with another assessor's save.

The scoring page's body (templates/assessment/_onsite_body.html, 56 rows) is rendered once per
version of the assessment and kept (assessment/pages.py).
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import grids, pages, permissions, selectors, selectors_demo, selectors_plan
from assessment.forms import clean_self_score
from assessment.models import BonusClaim, BranchKind, Grade, Phase, Score, Status, Veto
from assessment.services import onsite as services
from assessment.services.base import ServiceError
from assessment.services.selfeval import InvalidInput


BADGES = {
    Status.NOT_STARTED: "text-bg-light border",
    Status.SELF: "text-bg-secondary",
    Status.SUBMITTED: "text-bg-primary",
    Status.ONSITE: "text-bg-warning",
    Status.FINALISED: "text-bg-success",
    Status.PUBLISHED: "text-bg-dark",
}

# --- access ---------------------------------------------------------------------


def _refused(request, reason, round=None, assessment=None, status=403):
    return render(request, "assessment/refused.html",
                  {"reason": reason, "round": round, "assessment": assessment}, status=status)


def _staff_refusal(user):
    if permissions.is_township_staff(user):
        return ""
    if user.role == "secretary":
        return _("现场考评由镇党委考评人员进行，支部书记在通报发布后查看考评结果。")
    return _("您的角色不能使用现场考评。")


def _status_of(error):
    if isinstance(error, services.ScoreConflict):
        return 409
    return 400 if isinstance(error, InvalidInput) else 403


# --- the round overview ---------------------------------------------------------------


def _query(**params):
    from urllib.parse import urlencode

    params = {k: v for k, v in params.items() if v}
    return "?" + urlencode(params) if params else "?"


@login_required
def overview(request, pk):
    round = get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)
    reason = _staff_refusal(request.user)
    if reason:
        return _refused(request, reason, round=round)
    data = selectors.onsite_overview(round, status=request.GET.get("status"), kind=request.GET.get("kind"))
    labels = {value: str(label) for value, label in Status.choices}  # translated once, not per row
    labels[selectors.RETURNED] = _("已退回")
    for row in data.rows:
        word = selectors.RETURNED if row.status == Status.SELF and row.returned_reason else row.status
        row.status_label = labels[word]  # selectors.status_word, with the labels translated once
        row.badge = BADGES.get(row.status, "text-bg-info")
        row.percent = row.onsite_scored * 100 // row.total_items if row.total_items else 0
    status_filters = [{"value": "", "label": _("全部"), "count": data.counts["all"],
                       "url": _query(kind=data.kind)}]
    for value, label in Status.choices:
        status_filters.append({"value": value, "label": label, "count": data.counts[value],
                               "url": _query(status=value, kind=data.kind)})
    kind_filters = [{"value": "", "label": _("全部类型"), "url": _query(status=data.status)}]
    kind_filters += [{"value": value, "label": label, "url": _query(status=data.status, kind=value)}
                     for value, label in BranchKind.choices]
    user = request.user
    is_admin = user.is_superuser or (permissions.is_township_admin(user) and user.township_id == round.township_id)
    return render(request, "assessment/onsite_overview.html", {
        "round": round, "data": data, "rows": data.rows, "status_filters": status_filters,
        "rows_html": grids.onsite_overview_rows(data.rows, bool(data.status or data.kind)),
        "kind_filters": kind_filters, "is_admin": is_admin,
        "late_rows": [row for row in data.rows if row.status in (Status.NOT_STARTED, Status.SELF)]
        if is_admin and round.phase == Phase.ONSITE else [],
        "can_publish": is_admin and round.phase == Phase.ONSITE,
    })


# --- the scoring page ------------------------------------------------------------------

def _grade(assessment, sheet):
    """Total, capped bonus, veto and grade of the sheet (one query: the grade bands)."""
    result = selectors.onsite_grade(assessment, sheet.progress["onsite_total"], sheet.bonus_total,
                                    any(v["finding_id"] for v in sheet.vetoes))
    return {**result, "grade_label": Grade(result["grade"]).label}


def _scoring_context(request, assessment, sheet):
    user = request.user
    refusal = services.onsite_edit_refusal(assessment, user)
    editable = refusal is None
    is_admin = services.is_admin_of(user, assessment)
    text = selectors.decimal_text
    progress = sheet.progress
    result = _grade(assessment, sheet)
    bonus = result["bonus"]
    graded = bool(progress["scored"] or result["has_veto"])  # before: 0 points would read as 不合格
    return {
        "assessment": assessment, "round": assessment.round, "sheet": sheet, "areas": sheet.areas,
        "progress": progress, "editable": editable, "refusal": refusal or "",
        "is_admin": is_admin,
        "can_reopen": is_admin and assessment.status == Status.FINALISED and assessment.round.phase == Phase.ONSITE,
        "texts": {
            "onsite_total": text(progress["onsite_total"]), "self_total": text(progress["self_total"]),
            "bonus": text(bonus), "bonus_total": text(sheet.bonus_total), "bonus_cap": text(sheet.bonus_cap),
            "over_cap": sheet.bonus_total > sheet.bonus_cap, "total": text(progress["onsite_total"] + bonus),
            "has_veto": result["has_veto"],
            "grade": result["grade_label"] if graded else "—",
            # 不合格 on a veto is no figure that may change: not marked 按目前的得分
            "provisional": graded and not result["has_veto"] and assessment.status not in (Status.FINALISED, Status.PUBLISHED),
        },
        "status_label": assessment.get_status_display(),
    }


def _staff_assessment(request, pk):
    """(assessment, refusal): 404 outside the user's township; a refusal for other roles."""
    assessment = permissions.assessment_for(request.user, pk)
    return assessment, _staff_refusal(request.user)


def _save_all(request, assessment):
    """The no-script form: save every item whose inputs were posted and changed.
    Returns ({item_id: row values to show}, number saved)."""
    errors, saved = {}, 0
    for score in Score.objects.filter(assessment=assessment).select_related("item"):
        key = score.item_id
        version = request.POST.get(f"version-{key}")
        if version is None:
            continue
        raw_score = request.POST.get(f"score-{key}", "")
        reason = request.POST.get(f"reason-{key}", "").strip()
        rect = bool(request.POST.get(f"rect-{key}"))
        requirement = request.POST.get(f"requirement-{key}", "").strip()
        typed = {"onsite_text": raw_score, "reason": reason, "requirement": requirement,
                 "checked": " checked" if rect else ""}
        try:
            value = clean_self_score(raw_score, score.points)
        except ValidationError as error:
            errors[key] = {**typed, "error": error.messages[0]}
            continue
        if (value, reason, rect, requirement) == (score.onsite_score, score.deduction_reason,
                                                  score.needs_rectification, score.requirement):
            continue
        try:
            services.onsite_score_record(assessment=assessment, item=score.item, actor=request.user, score=value,
                                         reason=reason, needs_rectification=rect, requirement=requirement,
                                         version=version)
        except services.ScoreConflict as conflict:
            # Show the other person's values (and their version): nothing typed here overwrites them unseen.
            mine = raw_score or _("未评分")
            errors[key] = {"error": conflict.message + _("（您填写的 %(mine)s 分未保存）") % {"mine": mine},
                           "conflict": True}
            continue
        except ServiceError as error:
            errors[key] = {**typed, "error": error.message}
            continue
        saved += 1
    return errors, saved


@login_required
def scoring(request, pk):
    """The on-site scoring page of one branch. POST (scripts off): save every item at once."""
    assessment, reason = _staff_assessment(request, pk)
    if reason:
        return _refused(request, reason, assessment=assessment)
    errors, status = {}, 200
    if request.method == "POST":
        refusal = services.onsite_edit_refusal(assessment, request.user)
        if refusal:
            messages.error(request, refusal)
            status = 403
        else:
            errors, saved = _save_all(request, assessment)
            if not errors:
                messages.success(request, _("已保存 %(n)s 项。") % {"n": saved} if saved else _("没有需要保存的修改。"))
                return redirect("onsite-scoring", pk=assessment.pk)
            numbers = "、".join(str(n) for n in sorted(
                Score.objects.filter(assessment=assessment, item_id__in=errors).values_list("item__number", flat=True)))
            messages.error(request, _("有 %(n)s 项未保存（第 %(numbers)s 项），请按提示修改后再保存。") % {
                "n": len(errors), "numbers": numbers})
            status = 409 if any(e.get("conflict") for e in errors.values()) else 400
    refusal = services.onsite_edit_refusal(assessment, request.user)
    viewer = (str(refusal), services.is_admin_of(request.user, assessment))

    def body_context():
        plan_counts = selectors_plan.item_counts(assessment, timezone.localdate())
        models = selectors_demo.models_by_item(assessment.branch.township_id, assessment.round.standard_id)
        sheet = selectors.onsite_sheet_for(assessment)
        for area in sheet.areas:
            for row in area.rows:
                row.update(errors.get(row["item_id"], ()))  # what was typed into a refused save
                row["plan"], row["models"] = plan_counts.get(row["item_id"]), models.get(row["item_id"], ())
        return _scoring_context(request, assessment, sheet)

    # What was typed into a refused form is shown once, not kept (key None).
    key = None if errors else pages.key("onsite", assessment, request, viewer)
    body = pages.body("assessment/_onsite_body.html", key, body_context, request)
    return render(request, "assessment/onsite.html", {"assessment": assessment, "body": body}, status=status)


@login_required
@require_POST
def item_save(request, pk, item_id):
    """Save of one item: JSON {ok, error, saved_at, version, total, progress, area_subtotal, …};
    409 {ok: false, conflict: true, error, current} when someone else saved it since."""
    score = permissions.score_for(request.user, pk, item_id)
    assessment = score.assessment

    def refuse(message, status, **extra):
        return JsonResponse({"ok": False, "error": message, **extra}, status=status)

    reason = _staff_refusal(request.user)
    if reason:
        return refuse(reason, 403)
    refusal = services.onsite_edit_refusal(assessment, request.user)
    if refusal:
        return refuse(refusal, 403)
    post = request.POST
    try:
        value = clean_self_score(post["score"], score.points) if "score" in post else score.onsite_score
    except ValidationError as error:
        return refuse(error.messages[0], 400)
    reason = post["reason"] if "reason" in post else score.deduction_reason
    requirement = post["requirement"] if "requirement" in post else score.requirement
    rect = post.get("needs_rectification", "") not in ("", "0", "false") if "needs_rectification" in post \
        else score.needs_rectification
    try:
        row = services.onsite_score_record(
            assessment=assessment, item=score.item, actor=request.user, score=value, reason=reason,
            needs_rectification=rect, requirement=requirement, version=post.get("version"),
            edit=post.get("edit", ""), prior=post.get("prior", ""))
    except services.ScoreConflict as conflict:
        return refuse(conflict.message, 409, conflict=True, current=conflict.current)
    except ServiceError as error:
        return refuse(error.message, _status_of(error))
    progress, areas = selectors.kept_progress(assessment)
    area = areas.get(score.item.area_id, {})
    result = selectors.onsite_grade(assessment, progress["onsite_total"])
    return JsonResponse({
        "ok": True, "error": "", "conflict": False,
        "saved_at": timezone.localtime().strftime("%H:%M:%S"),
        "version": row.version, "changed": row.changed,
        "total": selectors.decimal_text(progress["onsite_total"]),
        "progress": f"{progress['onsite_scored']}/{progress['items']}",
        "scored": progress["onsite_scored"], "items": progress["items"],
        "changes": progress["changes"],  # the page shows the figures of the latest read only
        "area": score.item.area_id,
        "area_subtotal": selectors.decimal_text(area.get("onsite_sum", 0)),
        "area_progress": f"{area.get('onsite_scored', 0)}/{area.get('items', 0)}",
        "status": assessment.get_status_display(),
        "grand_total": selectors.decimal_text(result["total"]),
        "grade": str(Grade(result["grade"]).label),
    })


def _back(assessment, anchor):
    return reverse("onsite-scoring", kwargs={"pk": assessment.pk}) + f"#{anchor}"


@login_required
@require_POST
def veto_save(request, pk, veto_id):
    """Record (action=add, with a note) or remove (action=remove) a veto condition found on site."""
    assessment, reason = _staff_assessment(request, pk)
    if reason:
        return _refused(request, reason, assessment=assessment)
    veto = get_object_or_404(Veto, pk=veto_id, standard_id=assessment.round.standard_id)
    found = request.POST.get("action") != "remove"
    try:
        services.veto_finding_set(assessment=assessment, veto=veto, actor=request.user, found=found,
                                  note=request.POST.get("note", ""))
    except ServiceError as error:
        if _status_of(error) == 403:
            return _refused(request, error.message, assessment=assessment)
        messages.error(request, error.message)
    else:
        messages.success(request, (_("已记录否决情形：%(code)s。") if found else _("已撤销否决情形：%(code)s。")) % {
            "code": veto.code})
    return redirect(_back(assessment, "vetoes"))


@login_required
@require_POST
def bonus_decide(request, pk, claim_id):
    """认定 / 不认定 one bonus claim (decision = approved | rejected, note)."""
    assessment, reason = _staff_assessment(request, pk)
    if reason:
        return _refused(request, reason, assessment=assessment)
    claim = get_object_or_404(BonusClaim.objects.select_related("bonus"), pk=claim_id, assessment=assessment)
    try:
        services.bonus_claim_decide(assessment=assessment, claim=claim, actor=request.user,
                                    decision=request.POST.get("decision", ""), note=request.POST.get("note", ""))
    except ServiceError as error:
        if _status_of(error) == 403:
            return _refused(request, error.message, assessment=assessment)
        messages.error(request, error.message)
    else:
        claim.refresh_from_db()
        messages.success(request, _("加分项 %(code)s：%(decision)s。") % {
            "code": claim.bonus.code, "decision": claim.get_decision_display()})
    return redirect(_back(assessment, "bonuses"))


def _parse_date(text):
    try:
        return datetime.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


@login_required
def finalise(request, pk):
    """考评完成: a confirmation page with the total, bonus, veto and grade; POST finalises."""
    assessment, reason = _staff_assessment(request, pk)
    if reason:
        return _refused(request, reason, assessment=assessment)
    status, error = 200, ""
    sheet = selectors.onsite_sheet_for(assessment)
    present = "、".join(sheet.scorers)
    date_text = timezone.localdate().isoformat()
    if request.method == "POST":
        present = request.POST.get("assessors_present", "")
        date_text = request.POST.get("date", "")
        try:
            services.onsite_finalise(assessment=assessment, actor=request.user, assessors_present=present,
                                     date=_parse_date(date_text))
        except ServiceError as e:
            error, status = e.message, _status_of(e)
        else:
            messages.success(request, _("%(branch)s 考评完成，评分已锁定。") % {"branch": assessment.branch.name})
            return redirect("onsite-overview", pk=assessment.round_id)
    refusal = services.onsite_edit_refusal(assessment, request.user)
    if refusal is None and assessment.status != Status.ONSITE:
        refusal = _("还没有开始现场评分，不能确认考评完成。")
    if refusal is None:
        refusal = services.finalise_refusal(assessment)
    if request.method == "GET" and refusal:
        status = 403
    deductions = [row for area in sheet.areas for row in area.rows if row["deducted"]]
    return render(request, "assessment/onsite_finalise.html", {
        "assessment": assessment, "round": assessment.round, "sheet": sheet, "result": _grade(assessment, sheet),
        "refusal": refusal or "", "error": error, "present": present, "date_text": date_text,
        "deductions": deductions, "today": timezone.localdate().isoformat(),
    }, status=status)


@login_required
def reopen(request, pk):
    """重新打开: the township admin sends a finalised branch back to 考评中, with a reason."""
    assessment, reason = _staff_assessment(request, pk)
    if reason:
        return _refused(request, reason, assessment=assessment)
    if not services.is_admin_of(request.user, assessment):
        return _refused(request, _("只有镇党委管理员可以重新打开已完成的考评。"), assessment=assessment)
    refusal = services.reopen_refusal(assessment)
    if refusal:  # the form is not offered for what it would refuse
        return _refused(request, refusal, assessment=assessment)
    status, error, text = 200, "", ""
    if request.method == "POST":
        text = request.POST.get("reason", "")
        try:
            services.onsite_reopen(assessment=assessment, actor=request.user, reason=text)
        except ServiceError as e:
            error, status = e.message, _status_of(e)
        else:
            messages.success(request, _("已重新打开%(branch)s的现场考评。") % {"branch": assessment.branch.name})
            return redirect("onsite-scoring", pk=assessment.pk)
    return render(request, "assessment/onsite_reopen.html", {
        "assessment": assessment, "round": assessment.round, "error": error, "text": text,
        "finalised_at": formats.date_format(timezone.localtime(assessment.finalised_at), "DATETIME_FORMAT")
        if assessment.finalised_at else "",
    }, status=status)


urlpatterns = [
    path("rounds/<id:pk>/onsite/", overview, name="onsite-overview"),
    path("assessments/<id:pk>/onsite/", scoring, name="onsite-scoring"),
    path("assessments/<id:pk>/onsite/items/<id:item_id>/", item_save, name="onsite-item-save"),
    path("assessments/<id:pk>/onsite/vetoes/<id:veto_id>/", veto_save, name="onsite-veto-save"),
    path("assessments/<id:pk>/onsite/bonus/<id:claim_id>/", bonus_decide, name="onsite-bonus-decide"),
    path("assessments/<id:pk>/onsite/finalise/", finalise, name="onsite-finalise"),
    path("assessments/<id:pk>/onsite/reopen/", reopen, name="onsite-reopen"),
]
