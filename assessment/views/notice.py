"""通报: preparing the notice (proposed rectification items, drafts added by hand or edited,
days, text, preview), publishing it, and the printable notice itself.

Every view begins with @login_required (and @require_POST where it only writes), then one
access helper: another township's round or a draft a secretary may not see is 404; an
assessor, who may see the round but not prepare its notice, gets 403 with the reason.
Views only call services; a service's refusal is shown as a message.
"""

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import results, selectors, selectors_demo
from assessment.converters import id_or_none
from assessment.models import Assessment, Grade, Item, Phase, Rectification, RectificationStatus, Role, Status
from assessment.notice_docx import DOCX_TYPE, write_notice_docx
from assessment.permissions import can_see_branch
from assessment.services import notice as services
from assessment.services.base import ServiceError

PRINT_BASE = "assessment/print_base.html"


def refuse(request, reason, status=403):
    """The page a user sees when they may see a thing but not do this: the reason, in words."""
    return render(request, "assessment/refused.html", {"reason": reason}, status=status)


def notice_context(round):
    rows = results.round_results(round, with_areas=False)
    rectifications = (
        Rectification.objects.filter(assessment__round=round)
        .exclude(status=RectificationStatus.DRAFT if round.published_at else "")
        .select_related("assessment__branch", "item")
        .order_by("assessment__branch__order", "assessment__branch__name", "item__number")
    )
    return {
        "round": round,
        "rows": rows,
        # 优秀 n 个、良好 n 个… in the order of the grades, those with no branch left out.
        "grades": [(label, n) for value, label in Grade.choices
                   if (n := sum(1 for row in rows if row.grade == value))],
        "demonstration": [row for row in rows if row.assessment.branch.is_demonstration],
        "problems": results.typical_problems(round),
        "rectifications": rectifications,
        "difference_label": results.DIFFERENCE_LABEL,
        "pairing_results": selectors_demo.pairings(round.township_id, upto=round),
    }


def _preparer_refusal(user):
    """None for the township admin (or superuser); else the reason (the round itself is visible)."""
    if user.is_superuser or user.role == Role.ADMIN:
        return None
    return _("只有镇党委管理员可以准备和发布通报。")


def _round_for_preparer(request, pk):
    """(round, refusal): 404 outside the user's township or for a secretary."""
    round = get_object_or_404(selectors.rounds_visible_to(request.user).select_related("published_by"), pk=pk)
    return round, _preparer_refusal(request.user)


def _draft_for_preparer(request, pk):
    draft = get_object_or_404(
        Rectification.objects.select_related("assessment__round", "assessment__branch"), pk=pk
    )
    if not can_see_branch(request.user, draft.assessment.branch) or request.user.role == Role.SECRETARY:
        raise Http404  # drafts are not shown to branches before the notice
    return draft, _preparer_refusal(request.user)


def _prepare_url(round, anchor=""):
    return reverse("notice-prepare", args=[round.pk]) + anchor


def _posted_deadline(request):
    """The posted 整改时限 (年-月-日), or None with the error message queued."""
    try:
        return datetime.date.fromisoformat(request.POST.get("deadline", "").strip())
    except ValueError:
        messages.error(request, _("请填写有效的整改时限（年-月-日）。"))
        return None


def _posted(model, request, field):
    """The object whose id is posted in `field`; None for no such object (or not a number)."""
    pk = id_or_none(request.POST.get(field))
    return None if pk is None else model.objects.filter(pk=pk).first()


@login_required
def notice_prepare(request, pk):
    """准备通报: propose items, edit the drafts, set the days and the text, preview, publish."""
    round, refusal = _round_for_preparer(request, pk)
    if refusal:
        return refuse(request, refusal)
    context = notice_context(round)
    drafts = list(
        Rectification.objects.filter(assessment__round=round, status=RectificationStatus.DRAFT)
        .select_related("assessment__branch", "item__area")
        .order_by("assessment__branch__order", "assessment__branch__name", "item__number", "pk")
    )
    rows = context["rows"]
    unfinished = [row.assessment.branch.name for row in rows
                  if row.assessment.status not in (Status.FINALISED, Status.PUBLISHED)]
    open_phase = round.phase in (Phase.ONSITE, Phase.NOTICE)
    context.update(
        drafts=drafts,
        unfinished=unfinished,
        open_phase=open_phase,
        published=round.published_at is not None,
        today=timezone.localdate(),
    )
    if open_phase and round.published_at is None:  # the form 添加整改事项: one query (the items)
        context.update(
            # The ranking's rows already hold every assessment with its branch.
            add_branches=sorted((row.assessment for row in rows),
                                key=lambda a: (a.branch.order, a.branch.name, a.pk)),
            add_items=list(Item.objects.filter(standard_id=round.standard_id).select_related("area")
                           .order_by("number")),
            add_deadline=services.default_deadline(round),
            add_requirement=services.DEFAULT_REQUIREMENT,
            finalised=Status.FINALISED,
        )
    return render(request, "assessment/notice_prepare.html", context)


@login_required
@require_POST
def notice_propose(request, pk):
    round, refusal = _round_for_preparer(request, pk)
    if refusal:
        return refuse(request, refusal)
    include = request.POST.get("include_deductions") in ("1", "on", "true")
    try:
        count = services.rectifications_propose(round=round, actor=request.user, include_deductions=include)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if count:
            messages.success(request, _("已列入 %(n)s 项拟整改事项。") % {"n": count})
        else:
            messages.info(request, _("没有新的拟整改事项：已列入的事项保持不变。"))
    return redirect(_prepare_url(round, "#drafts"))


@login_required
@require_POST
def notice_days(request, pk):
    round, refusal = _round_for_preparer(request, pk)
    if refusal:
        return refuse(request, refusal)
    try:
        days = int(request.POST.get("days", ""))
    except ValueError:
        days = None
    try:
        services.round_rectification_days_set(round=round, actor=request.user, days=days)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("默认整改天数已设为 %(n)s 天，此后列入的事项按此计算整改时限。") % {"n": days})
    return redirect(_prepare_url(round, "#days"))


@login_required
@require_POST
def notice_text(request, pk):
    round, refusal = _round_for_preparer(request, pk)
    if refusal:
        return refuse(request, refusal)
    try:
        services.notice_text_save(round=round, actor=request.user, text=request.POST.get("text", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("通报正文已保存，可在下方预览。"))
    return redirect(_prepare_url(round, "#preview"))


@login_required
@require_POST
def draft_save(request, pk):
    draft, refusal = _draft_for_preparer(request, pk)
    if refusal:
        return refuse(request, refusal)
    round = draft.assessment.round
    deadline = _posted_deadline(request)
    if deadline is None:
        return redirect(_prepare_url(round, f"#draft-{draft.pk}"))
    try:
        services.rectification_draft_update(
            rectification=draft, actor=request.user, problem=request.POST.get("problem", ""),
            requirement=request.POST.get("requirement", ""), deadline=deadline,
            responsible=request.POST.get("responsible", ""),
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已保存%(branch)s的拟整改事项。") % {"branch": draft.assessment.branch.name})
    return redirect(_prepare_url(round, f"#draft-{draft.pk}"))


@login_required
@require_POST
def draft_add(request, pk):
    """添加整改事项 by hand: a branch (its assessment in this round), an item of the standard or
    none (a problem of the branch as a whole), the texts, the deadline and who answers for it."""
    round, refusal = _round_for_preparer(request, pk)
    if refusal:
        return refuse(request, refusal)
    back = redirect(_prepare_url(round, "#draft-add"))
    deadline = _posted_deadline(request)
    if deadline is None:
        return back
    item = None
    if request.POST.get("item", "").strip():
        item = _posted(Item, request, "item")
        if item is None:
            messages.error(request, services.NOT_AN_ITEM_OF_STANDARD)
            return back
    try:
        draft = services.rectification_draft_add(
            round=round, actor=request.user, assessment=_posted(Assessment, request, "assessment"), item=item,
            problem=request.POST.get("problem", ""), requirement=request.POST.get("requirement", ""),
            deadline=deadline, responsible=request.POST.get("responsible", ""),
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return back
    messages.success(request, _("已为%(branch)s添加一项拟整改事项。") % {"branch": draft.assessment.branch.name})
    return redirect(_prepare_url(round, f"#draft-{draft.pk}"))


@login_required
@require_POST
def draft_remove(request, pk):
    draft, refusal = _draft_for_preparer(request, pk)
    if refusal:
        return refuse(request, refusal)
    try:
        services.rectification_draft_remove(rectification=draft, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已移除%(branch)s的一项拟整改事项。") % {"branch": draft.assessment.branch.name})
    return redirect(_prepare_url(draft.assessment.round, "#drafts"))


@login_required
@require_POST
def notice_publish(request, pk):
    round, refusal = _round_for_preparer(request, pk)
    if refusal:
        return refuse(request, refusal)
    if round.published_at is not None:
        return refuse(request, _("通报已于 %(at)s 发布，不能再次发布。") % {
            "at": formats.date_format(timezone.localtime(round.published_at), "DATETIME_FORMAT")})
    if request.POST.get("confirm") not in ("1", "on"):
        messages.error(request, _("请勾选“已核对通报内容，确认发布”后再发布。"))
        return redirect(_prepare_url(round, "#publish"))
    try:
        services.notice_publish(round=round, actor=request.user, text=request.POST.get("text", round.notice_text),
                                number=request.POST.get("number", ""))
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(_prepare_url(round, "#publish"))
    messages.success(request, _("通报已发布，各支部书记已收到消息，整改事项进入限期整改。"))
    return redirect("notice-detail", pk=round.pk)


@login_required
def notice_detail(request, pk):
    user = request.user
    round = get_object_or_404(selectors.rounds_visible_to(user), pk=pk)
    if round.published_at is None:
        return refuse(request, _("通报尚未发布。"))
    context = notice_context(round)
    context["print_mode"] = request.GET.get("print") == "1"
    context["base_template"] = PRINT_BASE if context["print_mode"] else "base.html"
    context["my_assessment"] = (
        Assessment.objects.filter(round=round, branch_id=user.branch_id).first()
        if user.role == Role.SECRETARY else None
    )
    context["can_prepare"] = user.is_superuser or user.role == Role.ADMIN
    return render(request, "assessment/notice.html", context)


@login_required
def notice_docx(request, pk):
    """The published notice as a Word file (.docx), for the office to edit and stamp."""
    round = get_object_or_404(selectors.rounds_visible_to(request.user).select_related("township"), pk=pk)
    if round.published_at is None:
        return refuse(request, _("通报尚未发布。"))
    target = io.BytesIO()
    write_notice_docx(notice_context(round), target)
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=f"通报-{round.name}.docx", content_type=DOCX_TYPE)


urlpatterns = [
    path("rounds/<id:pk>/notice.docx", notice_docx, name="notice-docx"),
    path("rounds/<id:pk>/notice/", notice_detail, name="notice-detail"),
    path("rounds/<id:pk>/notice/prepare/", notice_prepare, name="notice-prepare"),
    path("rounds/<id:pk>/notice/propose/", notice_propose, name="notice-propose"),
    path("rounds/<id:pk>/notice/days/", notice_days, name="notice-days"),
    path("rounds/<id:pk>/notice/text/", notice_text, name="notice-text"),
    path("rounds/<id:pk>/notice/publish/", notice_publish, name="notice-publish"),
    path("rounds/<id:pk>/notice/drafts/add/", draft_add, name="rectification-draft-add"),
    path("rectifications/<id:pk>/draft/", draft_save, name="rectification-draft-save"),
    path("rectifications/<id:pk>/draft/remove/", draft_remove, name="rectification-draft-remove"),
]
