"""The round's page: its path 准备 → 自评 → 现场考评 → 通报整改 → 归档 with the counts of each
step; moving on (a confirmation that names what is not done), stepping back with a reason,
and marking a branch given more time as 未自评.

Each view begins with @login_required (and @require_POST where it writes), then the round
scoped to the user (404 outside their township); the staff see the page, the township admin
changes the phase; the services check again and write the audit record."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_POST

from assessment import permissions, selectors
from assessment.models import Phase
from assessment.permissions import is_township_staff
from assessment.services.base import ServiceError
from assessment.services.rounds import (
    ARRANGEMENTS, LATE, PHASE_PATH, SKIP, phase_back_refusal, phase_next, phase_previous, round_phase_back,
    round_phase_set, self_evaluation_skip,
)

PHASE_BUTTONS = {
    Phase.SELF: N_("进入自评阶段"),
    Phase.ONSITE: N_("进入现场考评阶段"),
    Phase.ARCHIVED: N_("归档本批次"),
}
STEP_LABELS = {
    Phase.PREPARATION: N_("准备"), Phase.SELF: N_("自评"), Phase.ONSITE: N_("现场考评"),
    Phase.NOTICE: N_("通报整改"), Phase.ARCHIVED: N_("归档"),
}


def _refused(request, reason, round=None, status=403):
    return render(request, "assessment/refused.html", {"reason": reason, "round": round}, status=status)


def _round(request, pk):
    return get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)


def is_admin_of_round(user, round):
    return user.is_superuser or (permissions.is_township_admin(user) and user.township_id == round.township_id)


def _steps(round, counts):
    """The five steps with the figures that matter at each, and which is done / current."""
    current = PHASE_PATH.index(round.phase)
    figures = {
        Phase.PREPARATION: [(_("支部"), counts["branches"])],
        Phase.SELF: [(_("已提交"), f"{counts['submitted']}/{counts['branches']}")]
        + ([(_("延长自评"), counts["late"])] if counts["late"] else [])
        + ([(_("未自评"), counts["no_self"])] if counts["no_self"] else []),
        Phase.ONSITE: [(_("考评完成"), f"{counts['finalised']}/{counts['branches']}")]
        + ([(_("考评中"), counts["onsite"])] if counts["onsite"] else []),
        Phase.NOTICE: [(_("整改"), counts["rect_total"]), (_("已销号"), counts["rect_closed"]),
                       (_("待核验"), counts["rect_reported"]), (_("逾期"), counts["rect_overdue"])],
        Phase.ARCHIVED: [],
    }
    return [{"phase": phase, "label": _(STEP_LABELS[phase]), "figures": figures[phase],
             "state": "done" if i < current else "current" if i == current else "todo"}
            for i, phase in enumerate(PHASE_PATH)]


@login_required
def round_detail(request, pk):
    round = _round(request, pk)
    if not is_township_staff(request.user):
        return _refused(request, _("考核批次的进度由镇党委管理员和考评人员查看。"), round)
    counts = selectors.round_counts(round)
    is_admin = is_admin_of_round(request.user, round)
    next_phase = phase_next(round) if is_admin else None
    previous = phase_previous(round) if is_admin else None
    return render(request, "assessment/round_detail.html", {
        "round": round, "counts": counts, "steps": _steps(round, counts), "is_admin": is_admin,
        "next_phase": next_phase, "next_label": _(PHASE_BUTTONS[next_phase]) if next_phase else "",
        "previous": previous, "previous_label": Phase(previous).label if previous else "",
        "back_refusal": phase_back_refusal(round) if previous else None,
        "can_publish": is_admin and round.phase == Phase.ONSITE,
    })


def _confirmation(round, target, counts):
    """What is not done before moving `round` into `target`: lines to name on the page."""
    today = timezone.localdate()
    lines = []
    if target == Phase.SELF:
        if not round.self_end:
            lines.append(_("本批次尚未设定自评截止日期。"))
    elif target == Phase.ONSITE:
        if round.self_end and round.self_end >= today:
            lines.append(_("自评截止日期为 %(date)s，距今还有 %(n)s 天。") % {
                "date": _date(round.self_end), "n": (round.self_end - today).days})
        if counts["unsubmitted"]:
            lines.append(_("%(n)s 个支部尚未提交自评（其中 %(m)s 个尚未开始），请在下方逐个选择如何处理。") % {
                "n": counts["unsubmitted"], "m": counts["not_started"]})
    elif target == Phase.ARCHIVED:
        open_items = counts["rect_pending"] + counts["rect_reported"]
        if open_items:
            lines.append(_("还有 %(n)s 项整改未销号：待整改 %(pending)s 项（其中逾期 %(overdue)s 项），待核验 %(reported)s 项。") % {
                "n": open_items, "pending": counts["rect_pending"], "overdue": counts["rect_overdue"],
                "reported": counts["rect_reported"]})
    return lines


def _date(value):
    from django.utils import formats

    return formats.date_format(value, "DATE_FORMAT")


@login_required
def round_phase_confirm(request, pk):
    """The confirmation before moving on: what is not done, named; for the on-site phase, a
    choice for every branch that has not submitted (more time, or 未自评)."""
    round = _round(request, pk)
    if not is_admin_of_round(request.user, round):
        return _refused(request, _("只有本镇党委管理员可以变更考核批次的阶段。"), round)
    target = phase_next(round)
    if target is None:
        reason = (_("现场考评阶段之后，发布通报即进入通报整改阶段。") if round.phase == Phase.ONSITE
                  else _("“%(phase)s”是最后一个阶段。") % {"phase": round.get_phase_display()})
        return _refused(request, reason, round)
    counts = selectors.round_counts(round)
    unsubmitted = selectors.round_unsubmitted(round) if target == Phase.ONSITE else []
    return render(request, "assessment/round_phase_confirm.html", {
        "round": round, "target": target, "target_label": Phase(target).label,
        "button": _(PHASE_BUTTONS[target]), "lines": _confirmation(round, target, counts), "counts": counts,
        "unsubmitted": unsubmitted, "late": LATE, "skip": SKIP,
        "open_rectifications": selectors.round_open_rectifications(round) if target == Phase.ARCHIVED else [],
        "until": (round.self_end if round.self_end and round.self_end >= timezone.localdate()
                  else timezone.localdate() + datetime.timedelta(days=7)),
    })


def _posted_date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


@login_required
@require_POST
def round_phase(request, pk):
    round = _round(request, pk)
    if request.POST.get("confirm") not in ("1", "on"):
        if not is_admin_of_round(request.user, round):
            return _refused(request, _("只有本镇党委管理员可以变更考核批次的阶段。"), round)
        messages.error(request, _("请先核对未完成的事项，勾选确认后再变更阶段。"))
        return redirect("round-phase-confirm", pk=round.pk)
    everyone = request.POST.get("all", "")
    arrangements = {}
    for key, value in request.POST.items():
        if key.startswith("arrange-"):
            choice = value if value in ARRANGEMENTS else everyone
            arrangements[key.removeprefix("arrange-")] = choice
    try:
        round_phase_set(round=round, actor=request.user, phase=request.POST.get("phase", ""),
                        arrangements=arrangements, until=_posted_date(request.POST.get("until")))
    except ServiceError as error:
        if not is_admin_of_round(request.user, round):
            return _refused(request, error.message, round)
        messages.error(request, error.message)
        return redirect("round-phase-confirm", pk=round.pk)
    messages.success(request, _("考核批次已进入“%(phase)s”。") % {"phase": round.get_phase_display()})
    return redirect("round-detail", pk=round.pk)


@login_required
@require_POST
def round_back(request, pk):
    round = _round(request, pk)
    try:
        round_phase_back(round=round, actor=request.user, reason=request.POST.get("reason", ""))
    except ServiceError as error:
        return _refused(request, error.message, round)
    messages.success(request, _("考核批次已退回“%(phase)s”。") % {"phase": round.get_phase_display()})
    return redirect("round-detail", pk=round.pk)


@login_required
@require_POST
def self_skip(request, pk):
    assessment = permissions.assessment_for(request.user, pk)
    try:
        self_evaluation_skip(assessment=assessment, actor=request.user)
    except ServiceError as error:
        return _refused(request, error.message, assessment.round)
    messages.success(request, _("%(branch)s将按未自评进行现场考评。") % {"branch": assessment.branch.name})
    return redirect("onsite-overview", pk=assessment.round_id)


urlpatterns = [
    path("rounds/<id:pk>/", round_detail, name="round-detail"),
    path("rounds/<id:pk>/phase/next/", round_phase_confirm, name="round-phase-confirm"),
    path("rounds/<id:pk>/phase/", round_phase, name="round-phase-set"),
    path("rounds/<id:pk>/phase/back/", round_back, name="round-phase-back"),
    path("assessments/<id:pk>/self/skip/", self_skip, name="selfeval-skip"),
]
