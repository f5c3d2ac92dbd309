"""支部对照自评: the checklist, the per-item autosave, submit, return and extend.

Every view begins with @login_required (and @require_POST where it only writes),
then permissions.assessment_for (404 outside the user's branch or township).
Views only call services and show their refusals: 400 for a wrong value,
403 for a refusal (wrong role, closed phase, submitted, past the deadline).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import pages, permissions, selectors, selectors_demo, selectors_evidence, selectors_plan
from assessment.forms import SelfExtendForm, SelfReturnForm, clean_self_note, clean_self_score
from assessment.models import Phase, Score, Status
from assessment.services import selfeval as services
from assessment.services.base import ServiceError
from assessment.services.edits import ScoreConflict


def _status_of(error):
    return 400 if isinstance(error, services.InvalidInput) else 403


def _context(request, assessment):
    """What every self-evaluation page knows about the assessment and the user."""
    user = request.user
    refusal = services.self_edit_refusal(assessment, user)
    is_secretary = services.is_branch_secretary(user, assessment)
    is_admin = permissions.is_township_admin(user)
    open_phase = assessment.round.phase in (Phase.PREPARATION, Phase.SELF)
    return {
        "assessment": assessment,
        "round": assessment.round,
        "summary": selectors.self_summary(assessment),
        "editable": refusal is None,
        "refusal": refusal if is_secretary else "",
        "is_secretary": is_secretary,
        "is_admin": is_admin,
        "can_return": is_admin and assessment.status == Status.SUBMITTED and assessment.round.phase == Phase.SELF,
        "can_extend": is_admin and open_phase,
    }


def _viewer(context):
    """What the checklist's body shows of the viewer and the day (part of its cache key)."""
    return tuple(str(context[name]) for name in ("editable", "refusal", "is_secretary", "is_admin",
                                                 "can_return", "can_extend")) + tuple(
        (name, str(value)) for name, value in context["summary"].items())


def _save_all(request, assessment):
    """The no-JS form: save every item whose inputs were posted and changed, each checked against
    the version the page showed (version-<id>; services/edits.py: an older one is a conflict).
    Returns ({item_id: (message, score_text, note_text, item number)}, number saved)."""
    errors, saved = {}, 0
    for score in Score.objects.filter(assessment=assessment).select_related("item"):
        key = score.item_id
        raw_score = request.POST.get(f"score-{key}")
        raw_note = request.POST.get(f"note-{key}")
        if raw_score is None and raw_note is None:
            continue
        try:
            value = clean_self_score(raw_score, score.points) if raw_score is not None else score.self_score
            note = clean_self_note(raw_note) if raw_note is not None else score.self_note
        except ValidationError as error:
            errors[key] = (error.messages[0], raw_score or "", raw_note or "", score.item.number)
            continue
        if value == score.self_score and note == score.self_note:
            continue
        try:
            services.self_score_record(assessment=assessment, item=score.item, actor=request.user,
                                       score=value, note=note, version=request.POST.get(f"version-{key}"))
        except ServiceError as error:
            errors[key] = (error.message, raw_score or "", raw_note or "", score.item.number)
            continue
        saved += 1
    return errors, saved


@login_required
def checklist(request, pk):
    """The checklist of one branch. POST (scripts off): save every item at once."""
    assessment = permissions.assessment_for(request.user, pk)
    context = _context(request, assessment)
    errors, status = {}, 200
    if request.method == "POST":
        if not context["editable"]:
            messages.error(request, services.self_edit_refusal(assessment, request.user))
            status = 403
        else:
            errors, saved = _save_all(request, assessment)
            if not errors:
                messages.success(request, _("已保存 %(n)s 项。") % {"n": saved} if saved else _("已保存，所有修改均已记录。"))
                return redirect("selfeval-checklist", pk=assessment.pk)
            numbers = "、".join(str(number) for number in sorted(e[3] for e in errors.values()))
            messages.error(request, _("有 %(n)s 项未保存（第 %(numbers)s 项），请按提示修改后再保存。") % {
                "n": len(errors), "numbers": numbers})
            status = 400
            context = _context(request, assessment)  # the first save may have moved the status
    def body_context():
        plan_counts = selectors_plan.item_counts(assessment, timezone.localdate())
        models = selectors_demo.models_by_item(assessment.branch.township_id, assessment.round.standard_id)
        areas, progress = selectors.checklist_for(assessment)
        last_saved = None
        for area in areas:
            for row in area.rows:
                if row["updated_at"] and (last_saved is None or row["updated_at"] > last_saved):
                    last_saved = row["updated_at"]
                if row["item_id"] in errors:
                    row["error"], row["score_text"], row["note_text"], _number = errors[row["item_id"]]
                row["plan"], row["models"] = plan_counts.get(row["item_id"]), models.get(row["item_id"], ())
        return {**context, "areas": areas, "progress": progress, "last_saved": last_saved,
                "missing": progress["items"] - progress["scored"], "max_bytes": settings.EVIDENCE_MAX_BYTES,
                "bonuses": selectors_evidence.bonus_claims_for(assessment)}

    # What was typed into a refused form is shown once, not kept (key None).
    key = None if errors else pages.key("checklist", assessment, request, _viewer(context))
    context["body"] = pages.body("assessment/_checklist_body.html", key, body_context, request)
    return render(request, "assessment/checklist.html", context, status=status)


@login_required
@require_POST
def item_save(request, pk, item_id):
    """Autosave of one item: JSON {ok, version, saved_at, total, progress, area_subtotal, error};
    409 {ok: false, conflict: true, error, current} when someone else saved it since the version
    the page sent (services/edits.py: an edit sent again is answered as saved)."""
    score = permissions.score_for(request.user, pk, item_id)
    assessment = score.assessment

    def refuse(message, status):
        return JsonResponse({"ok": False, "error": message, "saved_at": None, "total": None,
                             "progress": None, "area_subtotal": None}, status=status)

    refusal = services.self_edit_refusal(assessment, request.user)
    if refusal:
        return refuse(refusal, 403)
    try:
        value = clean_self_score(request.POST["score"], score.points) if "score" in request.POST else score.self_score
        note = clean_self_note(request.POST["note"]) if "note" in request.POST else score.self_note
    except ValidationError as error:
        return refuse(error.messages[0], 400)
    try:
        row = services.self_score_record(
            assessment=assessment, item=score.item, actor=request.user, score=value, note=note,
            version=request.POST.get("version"), edit=request.POST.get("edit", ""),
            prior=request.POST.get("prior", ""))
    except ScoreConflict as conflict:
        return JsonResponse({"ok": False, "conflict": True, "error": conflict.message,
                             "current": conflict.current}, status=409)
    except ServiceError as error:
        return refuse(error.message, _status_of(error))
    progress, areas = selectors.kept_progress(assessment)
    area = areas.get(score.item.area_id, {})
    return JsonResponse({
        "ok": True,
        "error": "",
        "version": row.version,
        "saved_at": timezone.localtime().strftime("%H:%M:%S"),
        "total": selectors.decimal_text(progress["self_total"]),
        "progress": f"{progress['self_scored']}/{progress['items']}",
        "scored": progress["self_scored"],
        "changes": progress["changes"],  # the page shows the figures of the latest read only
        "items": progress["items"],
        "area": score.item.area_id,
        "area_subtotal": selectors.decimal_text(area.get("self_sum", 0)),
        "area_progress": f"{area.get('self_scored', 0)}/{area.get('items', 0)}",
        "status": selectors.self_summary(assessment)["label"],
    })


@login_required
def submit(request, pk):
    """提交自评: a confirmation page with the totals; POST submits."""
    assessment = permissions.assessment_for(request.user, pk)
    context = _context(request, assessment)
    status, error = 200, ""
    if not context["is_secretary"]:
        error, status = _("只有本支部书记可以提交自评。"), 403
    elif request.method == "POST":
        try:
            services.self_evaluation_submit(assessment=assessment, actor=request.user)
        except ServiceError as e:
            error, status = e.message, _status_of(e)
        else:
            messages.success(request, _("自评已提交。提交后不能再修改；如需修改，请联系镇党委管理员退回。"))
            return redirect("selfeval-checklist", pk=assessment.pk)
        context = _context(request, assessment)
    progress = selectors.self_progress(assessment)
    context.update(
        error=error,
        progress=progress,
        missing=progress["items"] - progress["scored"],
        areas=selectors.self_area_summary([assessment]).get(assessment.pk, []),
    )
    return render(request, "assessment/selfeval_submit.html", context, status=status)


@login_required
def return_(request, pk):
    """退回: the township admin sends a submitted self-evaluation back, with a reason."""
    assessment = permissions.assessment_for(request.user, pk)
    context = _context(request, assessment)
    status, error = 200, ""
    form = SelfReturnForm(request.POST if request.method == "POST" else None)
    if not context["is_admin"]:
        error, status, form = _("只有镇党委管理员可以退回自评。"), 403, None
    elif request.method == "POST":
        if form.is_valid():
            try:
                services.self_evaluation_return(assessment=assessment, actor=request.user,
                                                reason=form.cleaned_data["reason"])
            except ServiceError as e:
                error, status = e.message, _status_of(e)
            else:
                messages.success(request, _("已退回%(branch)s的自评，支部书记可以重新修改。") % {
                    "branch": assessment.branch.name})
                return redirect("selfeval-checklist", pk=assessment.pk)
        else:
            status = 400
    context.update(form=form, error=error, action=_("退回自评"), button=_("退回"))
    return render(request, "assessment/selfeval_return.html", context, status=status)


@login_required
def extend(request, pk):
    """延长自评截止: the township admin gives this branch its own deadline."""
    assessment = permissions.assessment_for(request.user, pk)
    context = _context(request, assessment)
    status, error = 200, ""
    initial = {"until": context["summary"]["deadline"]}
    form = SelfExtendForm(request.POST if request.method == "POST" else None, initial=initial)
    if not context["is_admin"]:
        error, status, form = _("只有镇党委管理员可以延长自评截止日期。"), 403, None
    elif request.method == "POST":
        if form.is_valid():
            try:
                services.self_deadline_extend(assessment=assessment, actor=request.user,
                                              until=form.cleaned_data["until"])
            except ServiceError as e:
                error, status = e.message, _status_of(e)
            else:
                messages.success(request, _("%(branch)s的自评截止日期已延至 %(date)s。") % {
                    "branch": assessment.branch.name, "date": assessment.self_deadline.isoformat()})
                return redirect("selfeval-checklist", pk=assessment.pk)
        else:
            status = 400
    context.update(form=form, error=error, action=_("延长自评截止"), button=_("保存截止日期"))
    return render(request, "assessment/selfeval_extend.html", context, status=status)


urlpatterns = [
    path("assessments/<id:pk>/self/", checklist, name="selfeval-checklist"),
    path("assessments/<id:pk>/self/items/<id:item_id>/", item_save, name="selfeval-item-save"),
    path("assessments/<id:pk>/self/submit/", submit, name="selfeval-submit"),
    path("assessments/<id:pk>/self/return/", return_, name="selfeval-return"),
    path("assessments/<id:pk>/self/extend/", extend, name="selfeval-extend"),
]
