"""限期整改: one item's page (report, close, return) and the board of a round.

Every view begins with @login_required (and @require_POST where it only writes), then one
access helper: an item outside the user's township or branch, or not yet published for a
secretary, is 404. A refusal (wrong role, wrong state) re-renders the page with the reason
and status 403; a missing text, 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessment import grids, selectors, selectors_demo
from assessment.converters import id_or_none
from assessment.models import Rectification, RectificationStatus, Role
from assessment.permissions import can_see_branch, is_township_staff
from assessment.services import rectifications as services
from assessment.services.base import ServiceError

from .notice import refuse

ACTIONS = {
    "rectification_draft": gettext_lazy("修改拟整改事项"),
    "rectification_report": gettext_lazy("报告整改情况"),
    "rectification_verify": gettext_lazy("核验销号"),
    "rectification_return": gettext_lazy("退回重新整改"),
}
FIELDS = {
    "problem": gettext_lazy("存在问题"), "requirement": gettext_lazy("整改要求"),
    "deadline": gettext_lazy("整改时限"), "responsible": gettext_lazy("责任人"),
}


def _rectification_for(user, pk):
    """The item with its round and branch, if the user may see it; else 404."""
    r = get_object_or_404(
        Rectification.objects.select_related(
            "assessment__round__township", "assessment__branch", "item__area", "verified_by"
        ),
        pk=pk,
    )
    if not can_see_branch(user, r.assessment.branch):
        raise Http404
    if not is_township_staff(user) and (r.status == RectificationStatus.DRAFT or r.assessment.round.published_at is None):
        raise Http404
    return r


def _history(r):
    rows = []
    for log in selectors.rectification_history(r):
        what = ACTIONS.get(log.action, log.action)
        if log.action == "rectification_draft" and log.field in FIELDS:
            what = f"{what}：{FIELDS[log.field]}"
        rows.append({"at": log.at, "actor": log.actor or _("系统"), "what": what,
                     "note": log.note if log.action != "rectification_draft" else log.new_value})
    return rows


def _detail(request, r, *, error="", status=200, measures=None, reason=""):
    user = request.user
    context = {
        "r": r,
        "round": r.assessment.round,
        "overdue": r.is_overdue(),
        "history": _history(r),
        "is_secretary": services.is_branch_secretary(user, r),
        "report_refusal": services.report_refusal(r, user),
        "can_verify": services.verify_refusal(r, user) is None,
        "error": error,
        "measures": r.measures if measures is None else measures,
        "reason": reason,
        "files": r.evidence.order_by("uploaded_at"),
        "models": selectors_demo.models_of_same_item(r.assessment.round.township_id, r.item) if r.item_id else (),
    }
    return render(request, "assessment/rectification_detail.html", context, status=status)


@login_required
def rectification_detail(request, pk):
    return _detail(request, _rectification_for(request.user, pk))


@login_required
@require_POST
def rectification_report(request, pk):
    r = _rectification_for(request.user, pk)
    measures = request.POST.get("measures", "")
    refusal = services.report_refusal(r, request.user)
    if refusal:
        return _detail(request, r, error=refusal, status=403, measures=measures)
    try:
        services.rectification_report(rectification=r, actor=request.user, measures=measures,
                                      uploads=request.FILES.getlist("file"))
    except ServiceError as error:
        return _detail(request, r, error=error.message, status=400, measures=measures)
    messages.success(request, _("已报告整改情况，等待镇党委核验。"))
    return redirect("rectification-detail", pk=r.pk)


@login_required
@require_POST
def rectification_verify(request, pk):
    r = _rectification_for(request.user, pk)
    refusal = services.verify_refusal(r, request.user)
    if refusal:
        return _detail(request, r, error=refusal, status=403)
    try:
        services.rectification_verify(rectification=r, actor=request.user, note=request.POST.get("note", ""))
    except ServiceError as error:
        return _detail(request, r, error=error.message, status=400)
    messages.success(request, _("已核验销号。"))
    return redirect("rectification-detail", pk=r.pk)


@login_required
@require_POST
def rectification_return(request, pk):
    r = _rectification_for(request.user, pk)
    reason = request.POST.get("reason", "")
    refusal = services.verify_refusal(r, request.user)
    if refusal:
        return _detail(request, r, error=refusal, status=403)
    try:
        services.rectification_return(rectification=r, actor=request.user, reason=reason)
    except ServiceError as error:
        return _detail(request, r, error=error.message, status=400, reason=reason)
    messages.success(request, _("已退回，支部需重新整改并报告。"))
    return redirect("rectification-detail", pk=r.pk)


@login_required
def rectification_board(request, pk):
    """整改台账: every item of the round the user may see, filtered and paginated."""
    user = request.user
    round = get_object_or_404(selectors.rounds_visible_to(user), pk=pk)
    is_secretary = user.role == Role.SECRETARY and not user.is_superuser
    if (is_secretary or user.role == Role.COUNTY) and round.published_at is None:
        return refuse(request, _("通报发布后才能查看整改事项。"))
    filters = {
        "branch": None if is_secretary else id_or_none(request.GET.get("branch")),
        "area": id_or_none(request.GET.get("area")),
        "status": request.GET.get("status", ""),
        "overdue": request.GET.get("overdue") == "1",
    }
    board = selectors.rectification_board(user, round, page=request.GET.get("page"), **filters)
    query = request.GET.copy()
    query.pop("page", None)
    # 1,000 branches at county scale, twice (templates/assessment/_board_branches.html), kept the
    # same whatever the filter; the chosen branch is written apart, before the options.
    branch_rows = branch_options = ""
    if not is_secretary:
        branch_rows = grids.board_branches(board.branches, "rows")
        branch_options = grids.board_branches(board.branches, "options")
    chosen = next((b for b in board.branches if b.branch_id == filters["branch"]), None) if filters["branch"] else None
    return render(request, "assessment/rectification_board.html", {
        "round": round,
        "board": board,
        "branch_rows": branch_rows,
        "branch_options": branch_options,
        "chosen": chosen,
        "filters": filters,
        "areas": list(round.standard.areas.all()),
        "statuses": [(value, label) for value, label in RectificationStatus.choices
                     if value in selectors.BOARD_STATUSES],
        "is_secretary": is_secretary,
        "is_admin": user.is_superuser or (user.role == Role.ADMIN),
        "query": query.urlencode(),
        "today": timezone.localdate(),
    })


urlpatterns = [
    path("rectifications/<id:pk>/", rectification_detail, name="rectification-detail"),
    path("rectifications/<id:pk>/report/", rectification_report, name="rectification-report"),
    path("rectifications/<id:pk>/verify/", rectification_verify, name="rectification-verify"),
    path("rectifications/<id:pk>/return/", rectification_return, name="rectification-return"),
    path("rounds/<id:pk>/rectifications/", rectification_board, name="rectification-board"),
]
