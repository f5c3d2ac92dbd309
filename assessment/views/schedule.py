"""考评日程: the township admin assigns a team and an on-site date to every branch of a round in
one form (GET/POST /rounds/<pk>/schedule/); the staff print it by date (…/schedule/print/).
The round is scoped to the user (404 outside their township); the service checks again."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import formats
from django.utils.translation import gettext as _

from assessment.models import Assessment
from assessment.permissions import is_township_staff
from assessment.services.base import ServiceError
from assessment.services.schedule import (
    round_schedule_set, schedule_assessors, schedule_clashes, schedule_refusal,
)

from .rounds import _refused, _round, is_admin_of_round


def _rows(round):
    return list(Assessment.objects.filter(round=round).select_related("branch")
                .prefetch_related("team").order_by("branch__order", "branch__name", "pk"))


def _clash_lines(rows):
    names = {u.pk: str(u) for a in rows for u in a.team.all()}
    return [_("%(person)s在%(date)s有两处考评：%(places)s") % {
        "person": names[user_id], "date": formats.date_format(date, "DATE_FORMAT"), "places": "、".join(places)}
        for (user_id, date), places in sorted(schedule_clashes(rows).items(), key=lambda kv: (kv[0][1], names[kv[0][0]]))]


def _plan(request, rows):
    """The posted form as the service's plan; a date that cannot be read is an error."""
    plan = {}
    for a in rows:
        value = request.POST.get(f"date-{a.pk}", "").strip()
        try:
            date = datetime.date.fromisoformat(value) if value else None
        except ValueError:
            raise ServiceError(_("%(branch)s的考评日期无法识别，请按“2027-01-01”的格式选择日期。") % {"branch": a.branch.name})
        team = []
        for raw in request.POST.getlist(f"team-{a.pk}"):
            if not raw.isdigit():
                raise ServiceError(_("考评组只能由本镇的考评人员组成，请刷新页面后重试。"))
            team.append(int(raw))
        plan[a.pk] = (date, team)
    return plan


@login_required
def round_schedule(request, pk):
    round = _round(request, pk)
    if not is_admin_of_round(request.user, round):
        return _refused(request, _("考评日程由本镇党委管理员安排。"), round)
    refusal = schedule_refusal(round)
    if refusal:
        return _refused(request, refusal, round)
    rows = _rows(round)
    if request.method == "POST":
        try:
            changed = round_schedule_set(round=round, actor=request.user, plan=_plan(request, rows))
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("round-schedule", pk=round.pk)
        messages.success(request, _("考评日程已保存（%(n)s 个支部有变更）。") % {"n": changed})
        for line in _clash_lines(_rows(round)):
            messages.warning(request, line)
        return redirect("round-schedule", pk=round.pk)
    assessors = list(schedule_assessors(round))
    for a in rows:
        a.team_ids = {u.pk for u in a.team.all()}
    return render(request, "assessment/round_schedule.html", {
        "round": round, "rows": rows, "assessors": assessors, "clashes": _clash_lines(rows),
    })


@login_required
def round_schedule_print(request, pk):
    round = _round(request, pk)
    if not is_township_staff(request.user):
        return _refused(request, _("考评日程由镇党委管理员和考评人员查看。"), round)
    rows = _rows(round)
    rows.sort(key=lambda a: (a.scheduled_date is None, a.scheduled_date or datetime.date.min,
                             a.branch.order, a.branch.name))
    mine = {a.pk for a in rows if any(u.pk == request.user.pk for u in a.team.all())}
    return render(request, "assessment/round_schedule_print.html", {
        "round": round, "rows": rows, "mine": mine, "clashes": _clash_lines(rows),
        "is_admin": is_admin_of_round(request.user, round), "can_edit": not schedule_refusal(round),
    })


urlpatterns = [
    path("rounds/<id:pk>/schedule/", round_schedule, name="round-schedule"),
    path("rounds/<id:pk>/schedule/print/", round_schedule_print, name="round-schedule-print"),
]
