"""Reads scoped to a user: the only place that filters by township and branch."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, FloatField, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Assessment, Branch, BranchKind, Message, Phase, Role, Round, Status
from .models import ZERO, Score
from .selectors_evidence import evidence_by_item


def branches_visible_to(user):
    qs = Branch.objects.select_related("township")
    if user.is_superuser:
        return qs
    if user.role == Role.SECRETARY:
        return qs.filter(pk=user.branch_id)
    if user.role in (Role.ADMIN, Role.ASSESSOR):
        return qs.filter(township_id=user.township_id)
    return qs.none()


def rounds_visible_to(user):
    qs = Round.objects.select_related("township", "standard")
    if user.is_superuser:
        return qs
    if user.township_id:
        return qs.filter(township_id=user.township_id)
    return qs.none()


def home_rounds(user):
    """The rounds on a user's home, with how many branches are in each status."""
    return rounds_visible_to(user).exclude(phase=Phase.ARCHIVED).annotate(
        branch_count=Count("assessments"),
        submitted_count=Count("assessments", filter=Q(assessments__submitted_at__isnull=False)),
    )


# --- The township's view of the self-evaluation phase ------------------------

RETURNED = "returned"  # not a stored status: 自评中 with a return reason (已退回)

# What the overview shows and filters by, in the order a sort by status uses.
OVERVIEW_STATUSES = [Status.NOT_STARTED.value, Status.SELF.value, RETURNED, Status.SUBMITTED.value,
                     Status.ONSITE.value, Status.FINALISED.value, Status.PUBLISHED.value]
OVERVIEW_SORTS = ("branch", "kind", "status", "progress", "total", "submitted")
OVERVIEW_DEFAULT_SORT = "progress"  # least progress first: who has not started shows at the top


def _rank(field, values):
    """The position of `field`'s value in `values` (a sort by meaning, not by code)."""
    return Case(*[When(**{field: value}, then=Value(i)) for i, value in enumerate(values)],
                default=Value(len(values)), output_field=IntegerField())


def _returned_q():
    return Q(status=Status.SELF) & ~Q(returned_reason="")


@dataclass
class SelfOverview:
    rows: list      # assessments with branch, overview_status, scored_items, total_items, self_total
    counts: dict    # overview status -> number of branches, and "all"
    sort: str       # the sort applied, e.g. "progress" or "-total"
    status: str     # the status filtered by, or ""


def self_overview(round, sort=None, status=None):
    """Every branch of `round` with its self-evaluation progress, in two queries.

    `sort` is one of OVERVIEW_SORTS, with "-" for descending (anything else:
    the default); `status` one of OVERVIEW_STATUSES (anything else: no filter).
    Empty values (no score, not submitted) sort as the lowest.
    """
    key = (sort or "").removeprefix("-")
    if key not in OVERVIEW_SORTS:
        sort, key = OVERVIEW_DEFAULT_SORT, OVERVIEW_DEFAULT_SORT
    descending = sort.startswith("-")
    status = status if status in OVERVIEW_STATUSES else ""

    rows = (
        Assessment.objects.filter(round=round)
        .select_related("branch")
        .annotate(
            overview_status=Case(When(_returned_q(), then=Value(RETURNED)), default=F("status"),
                                 output_field=CharField()),
            total_items=Count("scores"),
            scored_items=Count("scores", filter=Q(scores__self_score__isnull=False)),
            self_total=Sum("scores__self_score"),
        )
        .annotate(
            progress=Coalesce(
                Cast("scored_items", FloatField()) / NullIf(Cast("total_items", FloatField()), Value(0.0)),
                Value(0.0),
            ),
            status_rank=_rank("overview_status", OVERVIEW_STATUSES),
            kind_rank=_rank("branch__kind", BranchKind.values),
        )
    )
    if status:
        rows = rows.filter(overview_status=status)
    fields = {
        "branch": ["branch__order", "branch__name"],
        "kind": ["kind_rank"],
        "status": ["status_rank"],
        "progress": ["progress"],
        "total": ["self_total"],
        "submitted": ["submitted_at"],
    }[key]
    order = [F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_first=True) for f in fields]
    rows = rows.order_by(*order, "branch__order", "branch__name", "pk")

    conditions = {value: Q(status=value) for value in OVERVIEW_STATUSES}
    conditions[Status.SELF.value] = Q(status=Status.SELF, returned_reason="")
    conditions[RETURNED] = _returned_q()
    totals = Assessment.objects.filter(round=round).aggregate(
        n_all=Count("pk"), **{f"n_{value}": Count("pk", filter=q) for value, q in conditions.items()}
    )
    counts = {key.removeprefix("n_"): value for key, value in totals.items()}
    return SelfOverview(rows=list(rows), counts=counts, sort=sort, status=status)


# --- 支部对照自评 -------------------------------------------------------------


class SelfArea:
    """One area of a checklist: its rows and the subtotal computed by the database."""

    def __init__(self, area):
        self.area = area
        self.rows = []
        self.subtotal = ZERO
        self.scored = 0
        self.items = 0


class SelfRow(dict):
    """One item of a checklist, as a flat dict of what the template prints (a dict, because the
    template engine looks keys up before attributes: the 56-row grid renders noticeably faster).
    `score_text`/`note_text` are what the inputs show; a view replaces them with what was typed
    when it sets `error`."""

    __slots__ = ()

    def __init__(self, score, files):
        item = score.item
        super().__init__(
            score=score, item=item, files=files,
            # Strings: integers would go through number localisation on every print.
            id=str(item.pk), number=str(item.number), area=str(item.area_id),
            content=item.content, criteria=item.criteria, check_method=item.check_method,
            evidence=item.evidence, points_text=decimal_text(score.points),
            score_text="" if score.self_score is None else decimal_text(score.self_score),
            note_text=score.self_note, error="",
        )

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def decimal_text(value):
    """Decimal 2.0 -> "2", 1.5 -> "1.5"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def self_summary(assessment, today=None):
    """What a secretary's card shows of an assessment, without queries: the status
    (未开始/自评中/已退回/已提交/…), the effective deadline and the days left."""
    status = RETURNED if assessment.status == Status.SELF and assessment.returned_reason else assessment.status
    label = _("已退回") if status == RETURNED else assessment.get_status_display()
    deadline = assessment.self_deadline or assessment.round.self_end
    today = today or timezone.localdate()
    days_left = (deadline - today).days if isinstance(deadline, datetime.date) else None
    return {"status": status, "label": label, "deadline": deadline, "days_left": days_left,
            "extended": bool(assessment.self_deadline)}


def self_area_subtotals(assessment, area_id=None):
    """{area_id: {"subtotal", "scored", "items"}} of the self scores, summed by the database."""
    qs = Score.objects.filter(assessment=assessment)
    if area_id is not None:
        qs = qs.filter(item__area_id=area_id)
    rows = qs.values("item__area_id").annotate(
        subtotal=Sum("self_score"), scored=Count("self_score"), items=Count("id")
    ).order_by()
    return {
        row["item__area_id"]: {"subtotal": row["subtotal"] or ZERO, "scored": row["scored"], "items": row["items"]}
        for row in rows
    }


def self_progress(assessment):
    """{"scored", "items", "total"} of an assessment's self scores: one aggregate query."""
    agg = Score.objects.filter(assessment=assessment).aggregate(
        items=Count("id"), scored=Count("self_score"), total=Sum("self_score")
    )
    return {"scored": agg["scored"], "items": agg["items"], "total": agg["total"] or ZERO}


def checklist_for(assessment):
    """The self-evaluation checklist of an assessment, grouped by area, in three queries
    whatever the number of items and files: the scores with their items and areas, the
    assessment's evidence of items, and the per-area subtotals.

    Returns (areas, progress): a list of SelfArea, and {"scored", "items", "total"}.
    """
    scores = Score.objects.filter(assessment=assessment).select_related("item", "item__area").order_by(
        "item__area__number", "item__number"
    )
    files = evidence_by_item(assessment)  # one query: the assessment's evidence of items
    subtotals = self_area_subtotals(assessment)
    areas = []
    current = None
    for score in scores:
        if current is None or current.area.pk != score.item.area_id:
            current = SelfArea(score.item.area)
            sums = subtotals.get(current.area.pk)
            if sums:
                current.subtotal, current.scored, current.items = sums["subtotal"], sums["scored"], sums["items"]
            areas.append(current)
        current.rows.append(SelfRow(score, files.get(score.item_id, ())))
    progress = {
        "scored": sum(a.scored for a in areas),
        "items": sum(a.items for a in areas),
        "total": sum((a.subtotal for a in areas), ZERO),
    }
    return areas, progress


def secretary_home_assessments(user, rounds):
    """{round_id: assessment} of the secretary's branch in `rounds`, each with `scored`, `items`,
    `total` and `areas` (a list of dicts: name, points, subtotal, scored, items). Two queries."""
    if user.role != Role.SECRETARY or not user.branch_id:
        return {}
    assessments = list(
        Assessment.objects.filter(branch_id=user.branch_id, round__in=rounds).annotate(
            items=Count("scores"), scored=Count("scores__self_score"), total=Sum("scores__self_score")
        )
    )
    if not assessments:
        return {}
    areas = self_area_summary(assessments)
    for assessment in assessments:
        assessment.total = assessment.total or ZERO
        assessment.areas = areas.get(assessment.pk, [])
    return {assessment.round_id: assessment for assessment in assessments}


def self_area_summary(assessments):
    """{assessment_id: [{"name", "points", "subtotal", "scored", "items"}, …]} per area in order. One query."""
    areas = {}
    rows = Score.objects.filter(assessment__in=assessments).values(
        "assessment_id", "item__area__number", "item__area__name", "item__area__points"
    ).annotate(subtotal=Sum("self_score"), scored=Count("self_score"), items=Count("id")).order_by(
        "assessment_id", "item__area__number"
    )
    for row in rows:
        areas.setdefault(row["assessment_id"], []).append({
            "name": row["item__area__name"], "points": row["item__area__points"],
            "subtotal": row["subtotal"] or ZERO, "scored": row["scored"], "items": row["items"],
        })
    return areas


def messages_for(user):
    """The user's own in-app messages, newest first."""
    return Message.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")


# --- 通报限期整改: the rectification board, history and the earlier round --------

from django.core.paginator import Paginator  # noqa: E402
from django.db.models import BooleanField, ExpressionWrapper  # noqa: E402

from .models import AuditLog, Rectification, RectificationStatus  # noqa: E402

RECTIFICATION_OPEN = (RectificationStatus.PENDING, RectificationStatus.REPORTED)
BOARD_STATUSES = (RectificationStatus.PENDING, RectificationStatus.REPORTED, RectificationStatus.CLOSED)
BOARD_PAGE_SIZE = 50


def overdue_q(today, prefix=""):
    """逾期: not closed and the deadline before today."""
    return Q(**{f"{prefix}status__in": RECTIFICATION_OPEN, f"{prefix}deadline__lt": today})


def rectification_branch_ids_visible_to(user, round):
    """None for every branch of the round, else the ids the user may see (maybe none)."""
    if user.is_superuser:
        return None
    if user.role == Role.SECRETARY:
        return [user.branch_id] if round.published_at and user.branch_id else []
    if user.role in (Role.ADMIN, Role.ASSESSOR) and user.township_id == round.township_id:
        return None
    return []


def rectifications_visible_to(user, round):
    """The published rectification items of `round` the user may see: township staff every
    branch's, a secretary their own branch's once the notice is published. Drafts never."""
    qs = Rectification.objects.filter(assessment__round=round).exclude(status=RectificationStatus.DRAFT)
    ids = rectification_branch_ids_visible_to(user, round)
    return qs if ids is None else qs.filter(assessment__branch_id__in=ids)


def rectification_branch_counts(user, round, today=None):
    """Every branch of the round the user may see, with `rect_total`, `rect_closed` and
    `rect_overdue` counted by the database (one query)."""
    today = today or timezone.localdate()
    published = Q(rectifications__status__in=BOARD_STATUSES)
    qs = Assessment.objects.filter(round=round)
    ids = rectification_branch_ids_visible_to(user, round)
    if ids is not None:
        qs = qs.filter(branch_id__in=ids)
    return list(
        qs.select_related("branch").annotate(
            rect_total=Count("rectifications", filter=published),
            rect_closed=Count("rectifications", filter=Q(rectifications__status=RectificationStatus.CLOSED)),
            rect_overdue=Count("rectifications", filter=overdue_q(today, "rectifications__")),
        ).order_by("branch__order", "branch__name")
    )


def rectification_totals(queryset, today=None):
    """{"total", "closed", "overdue", "on_time", "on_time_rate"} of `queryset` in one query;
    on time = closed on or before the deadline (by the date of the verification)."""
    today = today or timezone.localdate()
    totals = queryset.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED)),
        overdue=Count("pk", filter=overdue_q(today)),
        on_time=Count("pk", filter=Q(status=RectificationStatus.CLOSED, verified_at__date__lte=F("deadline"))),
    )
    totals["on_time_rate"] = round(totals["on_time"] * 100 / totals["total"]) if totals["total"] else None
    return totals


@dataclass
class RectificationBoard:
    page: object        # a Django Page of Rectification rows (each with `overdue`)
    branches: list      # assessments with rect_total / rect_closed / rect_overdue
    totals: dict        # rectification_totals over every item the user may see
    filtered: bool      # a filter is applied


def rectification_board(user, round, *, branch=None, area=None, status="", overdue=False, page=1, today=None):
    """The board of a round for `user`: a page of items (filtered by branch, area, status,
    overdue), the counts per branch and the totals. Five queries whatever the number of items."""
    today = today or timezone.localdate()
    visible = rectifications_visible_to(user, round)
    rows = visible
    if branch:
        rows = rows.filter(assessment__branch_id=branch)
    if area:
        rows = rows.filter(item__area_id=area)
    if status in BOARD_STATUSES:
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(overdue_q(today))
    rows = rows.select_related("assessment__branch", "item__area").annotate(
        overdue=ExpressionWrapper(overdue_q(today), output_field=BooleanField()),
    ).order_by("assessment__branch__order", "assessment__branch__name", "item__number", "pk")
    paginator = Paginator(rows, BOARD_PAGE_SIZE)
    return RectificationBoard(
        page=paginator.get_page(page),
        branches=rectification_branch_counts(user, round, today),
        totals=rectification_totals(visible, today),
        filtered=bool(branch or area or status in BOARD_STATUSES or overdue),
    )


def rectification_history(rectification):
    """Who did what to a rectification item, and when: its audit records, oldest first."""
    qs = AuditLog.objects.filter(assessment_id=rectification.assessment_id, action__startswith="rectification")
    if rectification.item_id:
        qs = qs.filter(item_id=rectification.item_id)
    else:
        qs = qs.filter(item__isnull=True)
    return qs.select_related("actor").order_by("at", "pk")


def previous_round(round):
    """The latest earlier round of the same township with a published notice, or None."""
    return (
        Round.objects.filter(township_id=round.township_id, published_at__isnull=False)
        .exclude(pk=round.pk)
        .filter(Q(year__lt=round.year) | Q(year=round.year, created_at__lt=round.created_at))
        .select_related("standard")
        .order_by("-year", "-created_at", "-pk")
        .first()
    )


def previous_area_subtotals(earlier, branch_ids=None):
    """{branch_id: {area name: on-site subtotal}} of the earlier round, in one grouped query.
    Areas are matched by name: a new version of the standard keeps its area names."""
    qs = Score.objects.filter(assessment__round=earlier)
    if branch_ids is not None:
        qs = qs.filter(assessment__branch_id__in=branch_ids)
    result = {}
    for row in qs.values("assessment__branch_id", "item__area__name").annotate(onsite=Sum("onsite_score")).order_by():
        result.setdefault(row["assessment__branch_id"], {})[row["item__area__name"]] = row["onsite"] or ZERO
    return result


def previous_totals(earlier):
    """{branch_id: 考评总分} of the earlier round (on-site total plus bonus), one query."""
    from .results import results_queryset

    return dict(results_queryset(earlier).order_by().values_list("branch_id", "total"))
