"""The township's view of a round: the self-evaluation overview and reminders;
and the in-app inbox where secretaries read those reminders."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import grids, selectors
from assessment.models import Assessment, Phase, Role, Status
from assessment.permissions import is_township_admin, is_township_staff
from assessment.services.base import ServiceError
from assessment.services.reminders import REMINDABLE, messages_mark_read, self_reminders_send


def _status_labels():
    labels = dict(Status.choices)
    labels[selectors.RETURNED] = _("已退回")
    return labels


BADGES = {
    Status.NOT_STARTED: "text-bg-secondary",
    Status.SELF: "text-bg-primary",
    selectors.RETURNED: "text-bg-warning",
    Status.SUBMITTED: "text-bg-success",
}


def _forbidden(request, round, reason):
    """403 with the reason on the page (the project has no 403.html of its own yet)."""
    return render(request, "assessment/selfeval_overview.html",
                  {"round": round, "forbidden": reason}, status=403)


def _staff_round(request, pk):
    """The round `pk` if the user's township runs it (404 otherwise), and the reason
    the user may not see the township's overview ("" when they may)."""
    round = get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)
    if is_township_staff(request.user):
        return round, ""
    if request.user.role == Role.SECRETARY:
        return round, _("支部书记只能查看本支部的自评，全镇自评进度由镇党委管理员和考评人员查看。")
    return round, _("您的角色不能查看全镇自评进度。")


def _query(sort, status, **extra):
    params = {k: v for k, v in (("sort", sort), ("status", status), *extra.items()) if v}
    return "?" + urlencode(params) if params else "?"


@login_required
def self_overview(request, pk):
    round, reason = _staff_round(request, pk)
    if reason:
        return _forbidden(request, round, reason)
    overview = selectors.self_overview(round, sort=request.GET.get("sort"), status=request.GET.get("status"))
    sort, status = overview.sort, overview.status
    labels = {value: str(label) for value, label in _status_labels().items()}  # translated once, not per row
    can_remind = is_township_admin(request.user) and round.phase == Phase.SELF
    select_unsubmitted = can_remind and request.GET.get("select") == "unsubmitted"

    for row in overview.rows:
        row.status_label = labels.get(row.overview_status, row.overview_status)
        row.badge = BADGES.get(row.overview_status, "text-bg-info")
        row.percent = row.scored_items * 100 // row.total_items if row.total_items else 0
        row.remindable = row.status in REMINDABLE
        row.checked = select_unsubmitted and row.remindable

    current = sort.removeprefix("-")
    columns = []
    for key, label in (("branch", _("党支部")), ("kind", _("类型")), ("status", _("状态")),
                       ("progress", _("进度")), ("total", _("自评总分")), ("submitted", _("提交时间"))):
        if key == current:
            arrow = "▼" if sort.startswith("-") else "▲"
            next_sort = key if sort.startswith("-") else "-" + key
        else:
            arrow, next_sort = "", key
        columns.append({"key": key, "label": label, "arrow": arrow, "url": _query(next_sort, status)})

    main = [Status.NOT_STARTED, Status.SELF, Status.SUBMITTED, selectors.RETURNED]
    filters = [{"value": "", "label": _("全部"), "count": overview.counts["all"], "url": _query(sort, "")}]
    for value in selectors.OVERVIEW_STATUSES:
        count = overview.counts[value]
        if value in main or count:
            filters.append({"value": value, "label": labels[value], "count": count, "url": _query(sort, value)})

    return render(request, "assessment/selfeval_overview.html", {
        "round": round,
        "overview": overview,
        "rows": overview.rows,
        "rows_html": grids.selfeval_overview_rows(overview.rows, can_remind, bool(status)),
        "columns": columns,
        "filters": filters,
        "counts": [f for f in filters[1:] if f["value"] in main],
        "can_remind": can_remind,
        "select_unsubmitted": select_unsubmitted,
        "select_url": _query(sort, status, select="unsubmitted"),
        "unselect_url": _query(sort, status),
    })


def _remind_targets(round, branch_ids):
    """The assessments of `round` a reminder to `branch_ids` would reach (not submitted yet)."""
    ids = [int(value) for value in branch_ids if str(value).isdigit() and len(str(value)) < 19]
    return list(Assessment.objects.filter(round=round, branch_id__in=ids, status__in=REMINDABLE)
                .select_related("branch").order_by("branch__order", "branch__name"))


@login_required
@require_POST
def self_remind(request, pk):
    round = get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)
    if not is_township_admin(request.user):
        return _forbidden(request, round, _("只有镇党委管理员可以发送自评提醒。"))
    if round.phase != Phase.SELF:
        return _forbidden(request, round, _("自评阶段已结束（当前为“%(phase)s”），不能再发送自评提醒。") % {
            "phase": round.get_phase_display()})
    if request.POST.get("confirm") != "1":
        chosen = _remind_targets(round, request.POST.getlist("branch"))
        if len(chosen) > 1:  # sending to many: ask first, naming the count
            hidden = [("branch", a.branch_id) for a in chosen]
            hidden += [(key, request.POST.get(key, "")) for key in ("sort", "status")]
            return render(request, "assessment/bulk_confirm.html", {
                "title": _("发送自评提醒"), "button": _("确认发送 %(n)s 条提醒") % {"n": len(chosen)},
                "question": _("将向 %(n)s 个支部的支部书记发送自评提醒（站内消息和电子邮件），确认发送吗？") % {"n": len(chosen)},
                "names": [a.branch.name for a in chosen], "hidden": hidden,
                "action": reverse("selfeval-remind", args=[round.pk]),
                "back": reverse("selfeval-overview", args=[round.pk]),
            })
    try:
        result = self_reminders_send(
            round=round, actor=request.user, branch_ids=request.POST.getlist("branch"),
            base_url=request.build_absolute_uri("/"),
        )
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        text = _("已向 %(n)s 个支部发送提醒") % {"n": result.branches}
        notes = []
        if result.skipped_submitted:
            notes.append(_("%(n)s 个已提交的支部未提醒") % {"n": result.skipped_submitted})
        if result.without_secretary:
            notes.append(_("%(n)s 个支部没有支部书记账号") % {"n": result.without_secretary})
        if notes:
            text += "（" + "；".join(notes) + "）"
        (messages.success if result.branches else messages.warning)(request, text)
    sort, status = request.POST.get("sort", ""), request.POST.get("status", "")
    sort = sort if sort.removeprefix("-") in selectors.OVERVIEW_SORTS else ""
    status = status if status in selectors.OVERVIEW_STATUSES else ""
    url = reverse("selfeval-overview", kwargs={"pk": round.pk})
    return redirect(url + _query(sort, status) if sort or status else url)


@login_required
def message_list(request):
    """The user's own messages, newest first; those shown are marked read."""
    page = Paginator(selectors.messages_for(request.user), 30).get_page(request.GET.get("page"))
    messages_mark_read(user=request.user, message_ids=[m.pk for m in page if m.read_at is None])
    request.user.unread_count = None  # counted again for the badge, after marking these read
    return render(request, "assessment/message_list.html", {"page": page})


urlpatterns = [
    path("rounds/<id:pk>/self/", self_overview, name="selfeval-overview"),
    path("rounds/<id:pk>/self/remind/", self_remind, name="selfeval-remind"),
    path("messages/", message_list, name="message-list"),
]
