"""Each home as a to-do list: what the user has to do next in each round, read in a fixed
number of queries whatever the number of branches.

- a secretary: the one thing to do now (the checklist and the days left, or submit); after
  the notice their grade, rank, per-area scores and the rectification items to report, overdue
  first;
- a township admin: per round who has not submitted, who is not assessed, what waits for
  verification (待核验) and what is overdue, with links;
- an assessor: the branches to score on site, the next unscored first (their own team's first).
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from . import results
from .models import Assessment, Phase, Rectification, RectificationStatus, Role, Status
from .rows import assessment_rows
from .selectors import BOARD_STATUSES, _attach_score_sums, overdue_q, status_word

UNSUBMITTED = (Status.NOT_STARTED, Status.SELF)
SCORABLE = (Status.SUBMITTED, Status.NO_SELF, Status.ONSITE)
ASSESSOR_ROWS = 12


@dataclass
class Todo:
    text: str
    url: str = ""
    level: str = "info"      # "danger" overdue, "warning" to do now, "info", "success" done
    detail: str = ""


@dataclass
class RoundTodo:
    round: object
    todos: list = field(default_factory=list)
    links: list = field(default_factory=list)   # (label, url)
    result: object = None                        # a secretary's ResultRow after the notice
    areas: list = field(default_factory=list)    # (area, on-site subtotal) after the notice
    rectifications: list = field(default_factory=list)
    queue: list = field(default_factory=list)    # an assessor's branches


def rounds_counts(rounds, today=None):
    """{round id: counts} for several rounds in two grouped queries (see selectors.round_counts)."""
    today = today or timezone.localdate()
    ids = [r.pk for r in rounds]
    counts = {pk: {} for pk in ids}
    for row in Assessment.objects.filter(round_id__in=ids).order_by().values("round_id").annotate(
        branches=Count("pk"),
        unsubmitted=Count("pk", filter=Q(status__in=UNSUBMITTED)),
        late=Count("pk", filter=Q(status__in=UNSUBMITTED, self_late=True)),
        scorable=Count("pk", filter=Q(status__in=SCORABLE)),
        finalised=Count("pk", filter=Q(status__in=(Status.FINALISED, Status.PUBLISHED))),
    ):
        counts[row.pop("round_id")].update(row)
    for row in Rectification.objects.filter(assessment__round_id__in=ids).order_by().values(
            "assessment__round_id").annotate(
        total=Count("pk", filter=Q(status__in=BOARD_STATUSES)),
        reported=Count("pk", filter=Q(status=RectificationStatus.REPORTED)),
        overdue=Count("pk", filter=overdue_q(today)),
        closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED)),
    ):
        counts[row.pop("assessment__round_id")].update(row)
    return counts


def _board(round, **params):
    url = reverse("rectification-board", args=[round.pk])
    return url + ("?" + urlencode(params) if params else "")


def _admin(round, c, user):
    todo = RoundTodo(round)
    branches = c.get("branches", 0)
    if round.phase == Phase.PREPARATION:
        todo.todos.append(Todo(_("核对批次设置后进入自评阶段"), reverse("round-phase-confirm", args=[round.pk]), "warning"))
    elif round.phase == Phase.SELF:
        n = c.get("unsubmitted", 0)
        if n:
            todo.todos.append(Todo(_("%(n)s 个支部未提交自评") % {"n": n},
                                   reverse("selfeval-overview", args=[round.pk]) + "?status=not_started", "warning",
                                   _("已提交 %(done)s/%(all)s") % {"done": branches - n, "all": branches}))
        else:
            todo.todos.append(Todo(_("各支部已全部提交自评，可以进入现场考评阶段"),
                                   reverse("round-phase-confirm", args=[round.pk]), "success"))
    elif round.phase == Phase.ONSITE:
        n = branches - c.get("finalised", 0)
        if c.get("unsubmitted"):
            todo.todos.append(Todo(_("%(n)s 个支部延长自评、尚未提交") % {"n": c["unsubmitted"]},
                                   reverse("onsite-overview", args=[round.pk]), "warning"))
        if n:
            todo.todos.append(Todo(_("%(n)s 个支部未考评完成") % {"n": n}, reverse("onsite-overview", args=[round.pk]),
                                   "warning", _("考评完成 %(done)s/%(all)s") % {"done": c.get("finalised", 0), "all": branches}))
        else:
            todo.todos.append(Todo(_("各支部已全部考评完成，可以准备并发布通报"), reverse("notice-prepare", args=[round.pk]),
                                   "success"))
    elif round.phase == Phase.NOTICE:
        if c.get("reported"):
            todo.todos.append(Todo(_("%(n)s 项整改待核验") % {"n": c["reported"]},
                                   _board(round, status=RectificationStatus.REPORTED), "warning"))
        if c.get("overdue"):
            todo.todos.append(Todo(_("%(n)s 项整改逾期") % {"n": c["overdue"]}, _board(round, overdue=1), "danger"))
        if not c.get("reported") and not c.get("overdue"):
            todo.todos.append(Todo(_("整改已销号 %(closed)s/%(total)s，暂无待核验或逾期事项") % {
                "closed": c.get("closed", 0), "total": c.get("total", 0)}, _board(round), "success"))
    todo.links.append((_("考核进度与阶段"), reverse("round-detail", args=[round.pk])))
    if round.phase in (Phase.ONSITE, Phase.NOTICE, Phase.ARCHIVED):
        todo.links.append((_("排名"), reverse("results-ranking", args=[round.pk])))
    if round.published_at:
        todo.links += [(_("整改台账"), _board(round)), (_("通报"), reverse("notice-detail", args=[round.pk]))]
    return todo


def _secretary(round, assessment, today):
    todo = RoundTodo(round)
    status, label = status_word(assessment.status, assessment.returned_reason)
    checklist = reverse("selfeval-checklist", args=[assessment.pk])
    open_self = assessment.status in UNSUBMITTED and (
        round.phase == Phase.SELF or (round.phase == Phase.ONSITE and assessment.self_late))
    if open_self:
        deadline = assessment.self_deadline or round.self_end
        days = (deadline - today).days if deadline else None
        left = "" if days is None else (_("还剩 %(n)s 天") % {"n": days} if days > 0 else
                                       _("今天截止") if days == 0 else _("已截止"))
        if assessment.items and assessment.scored >= assessment.items:
            todo.todos.append(Todo(_("全部项目已自评，请提交自评"), reverse("selfeval-submit", args=[assessment.pk]),
                                   "warning", left))
        elif status == "returned":
            todo.todos.append(Todo(_("自评被退回，请按退回原因修改后重新提交"), checklist, "danger",
                                   assessment.returned_reason))
        else:
            todo.todos.append(Todo(_("对照标准完成自评：已评 %(done)s/%(all)s 项") % {
                "done": assessment.scored, "all": assessment.items}, checklist, "warning", left))
    elif round.published_at is None:
        todo.todos.append(Todo(_("本支部状态：%(status)s。通报发布后可查看考评结果。") % {"status": label}, checklist, "info"))
    return todo


def _secretary_results(todo, assessment, today):
    """After the notice: grade, rank, per-area on-site scores and the items to report."""
    round = todo.round
    rows = results.round_results(round)
    todo.result = next((r for r in rows if r.assessment.pk == assessment.pk), None)
    areas = list(round.standard.areas.all())
    if todo.result:
        todo.areas = [(area, todo.result.areas.get(area.pk, (0, 0))[1]) for area in areas]
    items = list(Rectification.objects.filter(assessment=assessment, status__in=BOARD_STATUSES)
                 .select_related("item").order_by("deadline", "pk"))
    for r in items:
        r.overdue = r.is_overdue(today)
    order = {RectificationStatus.PENDING: 1, RectificationStatus.REPORTED: 2, RectificationStatus.CLOSED: 3}
    items.sort(key=lambda r: (not r.overdue, order[r.status], r.deadline))
    todo.rectifications = items
    overdue = sum(r.overdue for r in items)
    pending = sum(r.status == RectificationStatus.PENDING for r in items)
    if overdue:
        todo.todos.append(Todo(_("%(n)s 项整改已逾期，请尽快报告整改情况") % {"n": overdue}, "", "danger"))
    elif pending:
        todo.todos.append(Todo(_("%(n)s 项整改待报告") % {"n": pending}, "", "warning"))
    elif items:
        todo.todos.append(Todo(_("整改事项均已报告"), "", "success"))
    todo.links += [(_("查看通报"), reverse("notice-detail", args=[round.pk])),
                   (_("本支部考评结果"), reverse("results-branch", args=[assessment.pk])),
                   (_("排名"), reverse("results-ranking", args=[round.pk]))]


def _assessor(round, user):
    todo = RoundTodo(round)
    qs = Assessment.objects.filter(round=round, status__in=SCORABLE)
    rows = assessment_rows(qs.order_by("branch__order", "branch__name", "pk"), "scheduled_date")
    _attach_score_sums(rows, qs)
    mine = set(qs.filter(team=user).values_list("pk", flat=True)) if user.pk else set()
    for row in rows:
        row.mine = row.pk in mine
        row.url = reverse("onsite-scoring", args=[row.pk])
        row.status_label = str(Status(row.status).label)
    rows.sort(key=lambda r: (not r.mine, r.status != Status.ONSITE, r.scheduled_date is None,
                             r.scheduled_date or datetime.date.min, r.branch.order))
    todo.queue = rows[:ASSESSOR_ROWS]
    if rows:
        first = rows[0]
        todo.todos.append(Todo(_("下一个：%(branch)s（已评 %(done)s/%(all)s 项）") % {
            "branch": first.branch.name, "done": first.onsite_scored, "all": first.total_items}, first.url, "warning"))
    days = {}
    for row in rows:
        if row.mine and row.scheduled_date:
            days.setdefault(row.scheduled_date, []).append(row.branch.name)
    for day, names in sorted(days.items()):
        if len(names) > 1:
            todo.todos.append(Todo(_("您在%(date)s有 %(n)s 处考评：%(places)s，请与镇党委核对日程。") % {
                "date": formats.date_format(day, "DATE_FORMAT"), "n": len(names), "places": "、".join(names)},
                reverse("round-schedule-print", args=[round.pk]), "danger"))
    todo.links.append((_("现场考评总览"), reverse("onsite-overview", args=[round.pk])))
    todo.links.append((_("考评日程"), reverse("round-schedule-print", args=[round.pk])))
    return todo


def home_todo(user, rounds, secretary_assessments=None, today=None):
    """[RoundTodo] for the user's home, one per round (rounds as on the home)."""
    today = today or timezone.localdate()
    if user.role == Role.SECRETARY:
        todos = []
        for round in rounds:
            assessment = (secretary_assessments or {}).get(round.pk)
            if assessment is None:
                continue
            todo = _secretary(round, assessment, today)
            if round.published_at and assessment.status == Status.PUBLISHED:
                _secretary_results(todo, assessment, today)
            todos.append(todo)
        return todos
    if user.is_superuser or user.role == Role.ADMIN:
        counts = rounds_counts(rounds, today)
        return [_admin(round, counts[round.pk], user) for round in rounds]
    if user.role == Role.ASSESSOR:
        return [_assessor(round, user) for round in rounds if round.phase == Phase.ONSITE]
    return []
