"""Reads scoped to a user: the only place that filters by township and branch."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator

from django.db.models import (
    BooleanField, Case, CharField, Count, ExpressionWrapper, F, Q, Sum, Value, When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    ZERO, Area, Assessment, AuditLog, Branch, BranchKind, Message, Phase, Rectification, RectificationStatus,
    Role, Round, Score, Status, Subtotal, Township,
)
from .permissions import county_township_ids
from .rows import assessment_rows
from .selectors_evidence import bonuses_with_claim, evidence_by_item


def townships_visible_to(user):
    """Every township for the superuser, the county's for a county user (县委组织部), one's own
    for the township's people; none for anyone else."""
    qs = Township.objects.select_related("county")
    if user.is_superuser:
        return qs
    if user.role == Role.COUNTY:
        return qs.filter(county_id=user.county_id) if user.county_id else qs.none()
    if user.township_id:
        return qs.filter(pk=user.township_id)
    return qs.none()


def branches_visible_to(user):
    qs = Branch.objects.select_related("township")
    if user.is_superuser:
        return qs
    if user.role == Role.SECRETARY:
        return qs.filter(pk=user.branch_id)
    if user.role in (Role.ADMIN, Role.ASSESSOR):
        return qs.filter(township_id=user.township_id)
    if user.role == Role.COUNTY and user.county_id:
        return qs.filter(township__county_id=user.county_id)
    return qs.none()


def rounds_visible_to(user):
    """The rounds of the user's township; a county user's: every round of the county's townships
    (read-only: the pages' own role checks refuse them every change)."""
    qs = Round.objects.select_related("township", "standard")
    if user.is_superuser:
        return qs
    if user.role == Role.COUNTY:
        return qs.filter(township__county_id=user.county_id) if user.county_id else qs.none()
    if user.township_id:
        return qs.filter(township_id=user.township_id)
    return qs.none()


def home_rounds(user):
    """The rounds on a user's home, with how many branches are in each status."""
    return rounds_visible_to(user).exclude(phase=Phase.ARCHIVED).annotate(
        branch_count=Count("assessments"),
        submitted_count=Count("assessments", filter=Q(assessments__submitted_at__isnull=False)),
    )


# --- The round's path: 准备 → 自评 → 现场考评 → 通报整改 → 归档 --------------------

SUBMITTED_STATUSES = (Status.SUBMITTED, Status.ONSITE, Status.FINALISED, Status.PUBLISHED)


def round_counts(round, today=None):
    """What counts at each step of `round` (two queries): branches; submitted, not submitted,
    given more time, 未自评; on-site started and finalised; the published rectification items
    closed, awaiting verification (待核验), overdue, and the drafts."""
    today = today or timezone.localdate()
    counts = Assessment.objects.filter(round=round).aggregate(
        branches=Count("pk"),
        submitted=Count("pk", filter=Q(status__in=SUBMITTED_STATUSES) | Q(status=Status.NO_SELF, submitted_at__isnull=False)),
        unsubmitted=Count("pk", filter=Q(status__in=(Status.NOT_STARTED, Status.SELF))),
        not_started=Count("pk", filter=Q(status=Status.NOT_STARTED)),
        late=Count("pk", filter=Q(status__in=(Status.NOT_STARTED, Status.SELF), self_late=True)),
        no_self=Count("pk", filter=Q(status=Status.NO_SELF) | Q(status__in=(Status.ONSITE, Status.FINALISED, Status.PUBLISHED),
                                                              submitted_at__isnull=True)),
        onsite=Count("pk", filter=Q(status=Status.ONSITE)),
        finalised=Count("pk", filter=Q(status__in=(Status.FINALISED, Status.PUBLISHED))),
    )
    counts.update(Rectification.objects.filter(assessment__round=round).aggregate(
        rect_total=Count("pk", filter=Q(status__in=BOARD_STATUSES)),
        rect_closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED)),
        rect_reported=Count("pk", filter=Q(status=RectificationStatus.REPORTED)),
        rect_overdue=Count("pk", filter=overdue_q(today)),
        rect_pending=Count("pk", filter=Q(status=RectificationStatus.PENDING)),
        rect_drafts=Count("pk", filter=Q(status=RectificationStatus.DRAFT)),
    ))
    return counts


def round_unsubmitted(round):
    """The branches of `round` that have not submitted their self-evaluation, in branch order."""
    return list(Assessment.objects.filter(round=round, status__in=(Status.NOT_STARTED, Status.SELF))
                .select_related("branch").order_by("branch__order", "branch__name"))


def round_open_rectifications(round, today=None):
    """Per branch with open published items: (branch name, 待整改, 待核验, 逾期), one query."""
    today = today or timezone.localdate()
    return list(Assessment.objects.filter(round=round).annotate(
        pending=Count("rectifications", filter=Q(rectifications__status=RectificationStatus.PENDING)),
        reported=Count("rectifications", filter=Q(rectifications__status=RectificationStatus.REPORTED)),
        overdue=Count("rectifications", filter=overdue_q(today, "rectifications__")),
    ).filter(Q(pending__gt=0) | Q(reported__gt=0)).order_by("branch__order", "branch__name")
        .values_list("branch__name", "pending", "reported", "overdue"))


# --- The township's view of the self-evaluation phase ------------------------

RETURNED = "returned"  # not a stored status: 自评中 with a return reason (已退回)

# What the overview shows and filters by, in the order a sort by status uses.
OVERVIEW_STATUSES = [Status.NOT_STARTED.value, Status.SELF.value, RETURNED, Status.SUBMITTED.value,
                     Status.ONSITE.value, Status.FINALISED.value, Status.PUBLISHED.value]
OVERVIEW_SORTS = ("branch", "kind", "status", "progress", "total", "submitted")
OVERVIEW_DEFAULT_SORT = "progress"  # least progress first: who has not started shows at the top


def _attach_score_sums(rows, assessments):
    """Set on every row (an Assessment) its number of items, of self-scored and of on-site
    scored items, and its self and on-site totals (None while nothing is scored): the subtotals
    (models.Subtotal, kept by the database) summed per assessment in one grouped query, 7 rows
    a branch instead of 56 scores."""
    sums = {
        pk: (items, self_scored, onsite_scored, self_sum, onsite_sum)
        for pk, items, self_scored, onsite_scored, self_sum, onsite_sum in
        Subtotal.objects.filter(assessment__in=assessments).order_by().values("assessment_id").annotate(
            n=Sum("items"), n_self=Sum("self_scored"), n_onsite=Sum("onsite_scored"),
            s_self=Sum("self_sum"), s_onsite=Sum("onsite_sum"),
        ).values_list("assessment_id", "n", "n_self", "n_onsite", "s_self", "s_onsite")
    }
    empty = (0, 0, 0, None, None)
    for row in rows:
        items, self_scored, onsite_scored, self_sum, onsite_sum = sums.get(row.pk, empty)
        row.total_items, row.scored_items, row.onsite_scored = items, self_scored, onsite_scored
        row.self_total = self_sum if self_scored else None
        row.onsite_total = onsite_sum if onsite_scored else None


def _returned_q():
    return Q(status=Status.SELF) & ~Q(returned_reason="")


@dataclass
class SelfOverview:
    rows: list      # AssessmentRows with branch, overview_status, submitted_at, scored_items, total_items, self_total
    counts: dict    # overview status -> number of branches, and "all"
    sort: str       # the sort applied, e.g. "progress" or "-total"
    status: str     # the status filtered by, or ""


def self_overview(round, sort=None, status=None):
    """Every branch of `round` with its self-evaluation progress, in three queries (the rows,
    their score sums, the counts per status); sorted here.

    `sort` is one of OVERVIEW_SORTS, with "-" for descending (anything else:
    the default); `status` one of OVERVIEW_STATUSES (anything else: no filter).
    Empty values (no score, not submitted) sort as the lowest.
    """
    key = (sort or "").removeprefix("-")
    if key not in OVERVIEW_SORTS:
        sort, key = OVERVIEW_DEFAULT_SORT, OVERVIEW_DEFAULT_SORT
    descending = sort.startswith("-")
    status = status if status in OVERVIEW_STATUSES else ""

    rows = Assessment.objects.filter(round=round).annotate(
        overview_status=Case(When(_returned_q(), then=Value(RETURNED)), default=F("status"), output_field=CharField()),
    ).order_by("branch__order", "branch__name", "pk")
    if status:
        rows = rows.filter(overview_status=status)
    rows = assessment_rows(rows, "overview_status", "submitted_at")
    _attach_score_sums(rows, Assessment.objects.filter(round=round))
    statuses, kinds = {v: i for i, v in enumerate(OVERVIEW_STATUSES)}, {v: i for i, v in enumerate(BranchKind.values)}
    for row in rows:
        row.progress = row.scored_items / row.total_items if row.total_items else 0.0
        row.status_rank = statuses.get(row.overview_status, len(statuses))
        row.kind_rank = kinds.get(row.branch.kind, len(kinds))
    value = {
        "branch": lambda row: (row.branch.order, row.branch.name),
        "kind": lambda row: row.kind_rank,
        "status": lambda row: row.status_rank,
        "progress": lambda row: row.progress,
        "total": lambda row: row.self_total,
        "submitted": lambda row: row.submitted_at,
    }[key]
    # 1,000 rows sort in Python in a millisecond. They come in branch order, which the sort keeps
    # among equals (stable, also reversed). Empty values sort as the lowest: first going up,
    # last going down.
    rows.sort(key=lambda row: (value(row) is not None, value(row) if value(row) is not None else 0),
              reverse=descending)

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
    """One item of a checklist, as a flat dict of what the template prints (a dict of strings:
    the 56-row grid renders fastest that way). `score_text`/`note_text` are what the inputs
    show; a view replaces them with what was typed when it sets `error`."""

    __slots__ = ()

    def __init__(self, values, files):
        self_score = values["self_score"]
        super().__init__(
            id=str(values["item_id"]), item_id=values["item_id"], number=str(values["item__number"]),
            area=str(values["item__area_id"]), content=values["item__content"],
            criteria=values["item__criteria"], check_method=values["item__check_method"],
            evidence=values["item__evidence"], points_text=decimal_text(values["points"]),
            score_text="" if self_score is None else decimal_text(self_score),
            note_text=values["self_note"], files=files, error="", version=str(values["version"]),
            updated_at=values["updated_at"] if values["version"] else None,
        )

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


CHECKLIST_FIELDS = (
    "item_id", "item__number", "item__area_id", "item__content", "item__criteria", "item__check_method",
    "item__evidence", "points", "self_score", "self_note", "updated_at", "version",
)


def decimal_text(value):
    """Decimal 2.0 -> "2", 1.5 -> "1.5"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def status_word(status, returned_reason):
    """(status, label): the one word every page shows for an assessment's status: 已退回 for a
    self-evaluation sent back (stored as 自评中 with a return reason)."""
    if status == Status.SELF and returned_reason:
        return RETURNED, _("已退回")
    return status, str(Status(status).label)


def self_summary(assessment, today=None):
    """What a secretary's card shows of an assessment, without queries: the status
    (未开始/自评中/已退回/已提交/…), the effective deadline and the days left."""
    status, label = status_word(assessment.status, assessment.returned_reason)
    deadline = assessment.self_deadline or assessment.round.self_end
    today = today or timezone.localdate()
    days_left = (deadline - today).days if isinstance(deadline, datetime.date) else None
    return {"status": status, "label": label, "deadline": deadline, "days_left": days_left,
            "extended": bool(assessment.self_deadline)}


def self_progress(assessment):
    """{"scored", "items", "total"} of an assessment's self scores: one aggregate query."""
    agg = Score.objects.filter(assessment=assessment).aggregate(
        items=Count("id"), scored=Count("self_score"), total=Sum("self_score"), points=Sum("points"),
    )
    return {"scored": agg["scored"], "items": agg["items"], "total": agg["total"] or ZERO,
            "points": agg["points"] or ZERO}


KEPT_FIGURES = ("items", "self_scored", "onsite_scored", "self_sum", "onsite_sum")


def kept_progress(assessment):
    """The assessment's figures as the database keeps them (assessment_subtotal, kept by the
    triggers of assessment/subtotals.py in the same transaction as every score write): one query.
    Returns (totals, areas): {"changes", "items", "self_scored", "onsite_scored", "self_total",
    "onsite_total"} and {area_id: {"items", "self_scored", "onsite_scored", "self_sum", "onsite_sum"}}.
    `changes` is the kept totals' count of changes (models.Total), which every committed score
    change raises under that row's lock: of two reads, the one with more changes saw more."""
    areas = {row.pop("area_id"): row for row in Subtotal.objects.filter(assessment=assessment).values(
        "area_id", *KEPT_FIGURES, changes=F("assessment__kept_total__changes"))}
    rows = areas.values()
    changes = max((row.pop("changes") or 0 for row in rows), default=0)
    totals = {"changes": changes,
              "items": sum(row["items"] for row in rows),
              "self_scored": sum(row["self_scored"] for row in rows),
              "onsite_scored": sum(row["onsite_scored"] for row in rows),
              "self_total": sum((row["self_sum"] for row in rows), ZERO),
              "onsite_total": sum((row["onsite_sum"] for row in rows), ZERO)}
    return totals, areas


def checklist_for(assessment):
    """The self-evaluation checklist of an assessment, grouped by area, in two queries
    whatever the number of items and files: the scores with their items and areas (as
    plain values: the fastest to read), and the assessment's evidence of items.

    Returns (areas, progress): a list of SelfArea, and {"scored", "items", "total"}.
    """
    areas = {}
    files = evidence_by_item(assessment)  # one query: the assessment's evidence of items
    scores = (Score.objects.filter(assessment=assessment).order_by("item__area__number", "item__number")
              .values(*CHECKLIST_FIELDS, "item__area__number", "item__area__name", "item__area__points"))
    for values in scores:
        area = areas.get(values["item__area_id"])
        if area is None:
            area = areas[values["item__area_id"]] = SelfArea(Area(
                pk=values["item__area_id"], number=values["item__area__number"],
                name=values["item__area__name"], points=values["item__area__points"]))
        area.rows.append(SelfRow(values, files.get(values["item_id"], ())))
        area.items += 1
        if values["self_score"] is not None:
            area.scored += 1
            area.subtotal += values["self_score"]
    areas = list(areas.values())
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



BOARD_STATUSES = (RectificationStatus.PENDING, RectificationStatus.REPORTED, RectificationStatus.CLOSED)
BOARD_PAGE_SIZE = 50


def overdue_q(today, prefix=""):
    """逾期: not reported by the deadline (or returned and not reported again by it). An item
    reported in time that waits for the township's verification is 待核验, not overdue."""
    return Q(**{f"{prefix}status": RectificationStatus.PENDING, f"{prefix}deadline__lt": today})


def rectification_branch_ids_visible_to(user, round):
    """None for every branch of the round, else the ids the user may see (maybe none)."""
    if user.is_superuser:
        return None
    if user.role == Role.SECRETARY:
        return [user.branch_id] if round.published_at and user.branch_id else []
    if user.role in (Role.ADMIN, Role.ASSESSOR) and user.township_id == round.township_id:
        return None
    if user.role == Role.COUNTY and round.published_at and user.county_id \
            and round.township_id in county_township_ids(user):
        return None  # the county reads the published items of its townships
    return []


def rectifications_visible_to(user, round):
    """The published rectification items of `round` the user may see: township staff every
    branch's, a secretary their own branch's once the notice is published. Drafts never."""
    qs = Rectification.objects.filter(assessment__round=round).exclude(status=RectificationStatus.DRAFT)
    ids = rectification_branch_ids_visible_to(user, round)
    return qs if ids is None else qs.filter(assessment__branch_id__in=ids)


@dataclass
class BranchCount:
    """A branch's line of the 整改台账 (各支部整改情况, the branch filter): plain data, not a model."""

    pk: int             # the branch's assessment in the round
    branch_id: int
    name: str
    total: int          # published items (待整改, 已报告整改, 已销号)
    closed: int
    overdue: int


def rectification_branch_counts(user, round, today=None):
    """Every branch of the round the user may see (BranchCount), its items counted by the
    database: one query, no model instances (1,000 branches at county scale)."""
    today = today or timezone.localdate()
    published = Q(rectifications__status__in=BOARD_STATUSES)
    qs = Assessment.objects.filter(round=round)
    ids = rectification_branch_ids_visible_to(user, round)
    if ids is not None:
        qs = qs.filter(branch_id__in=ids)
    rows = qs.annotate(
        rect_total=Count("rectifications", filter=published),
        rect_closed=Count("rectifications", filter=Q(rectifications__status=RectificationStatus.CLOSED)),
        rect_overdue=Count("rectifications", filter=overdue_q(today, "rectifications__")),
    ).order_by("branch__order", "branch__name").values_list(
        "pk", "branch_id", "branch__name", "rect_total", "rect_closed", "rect_overdue")
    return [BranchCount(*row) for row in rows]


def rectification_totals(queryset, today=None):
    """{"total", "closed", "overdue", "on_time", "on_time_rate"} of `queryset` in one query;
    on time = closed on or before the deadline (by the date of the verification)."""
    today = today or timezone.localdate()
    totals = queryset.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED)),
        overdue=Count("pk", filter=overdue_q(today)),
        reported=Count("pk", filter=Q(status=RectificationStatus.REPORTED)),
        on_time=Count("pk", filter=Q(status=RectificationStatus.CLOSED, verified_at__date__lte=F("deadline"))),
    )
    totals["on_time_rate"] = round(totals["on_time"] * 100 / totals["total"]) if totals["total"] else None
    return totals


@dataclass
class RectificationBoard:
    page: object        # a Django Page of Rectification rows (each with `overdue`)
    branches: list      # BranchCount of every branch the user may see
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


# --- 党委一线考评 ---------------------------------------------------------------

from collections import defaultdict  # noqa: E402

from django.db.models import Exists, FilteredRelation, Min, OuterRef, Subquery, Window  # noqa: E402

from .models import BonusClaim, Evidence, GradeBand, Veto, VetoFinding  # noqa: E402
from .results import grade_for  # noqa: E402
from .services.onsite import SCORE_ACTIONS, SCORING_ACTIONS  # noqa: E402

ONSITE_STATUSES = Status.values  # 未开始 / 自评中 / 已提交 / 考评中 / 考评完成 / 已通报
HISTORY_ACTIONS = ("self_score", "self_note", *SCORE_ACTIONS)


@dataclass
class OnsiteOverview:
    rows: list      # AssessmentRows with branch, total_items, onsite_scored, self_total, onsite_total, assessors
    counts: dict    # status -> number of branches (within the kind filter), and "all"
    status: str     # the status filtered by, or ""
    kind: str       # the branch type filtered by, or ""


def onsite_overview(round, status=None, kind=None):
    """Every branch of `round` with its self and on-site totals, on-site progress and who is
    assessing it, in four queries whatever the number of branches: the rows, their score
    sums (grouped by the database), the distinct on-site actors per branch, and the counts
    per status.

    `status` is one of ONSITE_STATUSES, `kind` one of BranchKind.values (anything else: no filter).
    Who assesses a branch: the people present recorded at 考评完成, else the distinct
    actors of its on-site audit records (in the order they first acted)."""
    status = status if status in ONSITE_STATUSES else ""
    kind = kind if kind in BranchKind.values else ""
    base = Assessment.objects.filter(round=round)
    if kind:
        base = base.filter(branch__kind=kind)
    rows = base.order_by("branch__order", "branch__name", "pk")
    if status:
        rows = rows.filter(status=status)
    rows = assessment_rows(rows, "assessors_present", "returned_reason")
    _attach_score_sums(rows, base)

    actors = defaultdict(list)
    if rows:
        # Only the branches whose assessors were not recorded at 考评完成 need their audit records.
        unrecorded = ~Q(assessment__status__in=(Status.FINALISED, Status.PUBLISHED)) | Q(assessment__assessors_present="")
        audit = (AuditLog.objects.filter(unrecorded, assessment__round=round, action__in=SCORING_ACTIONS,
                                         actor__isnull=False)
                 .values("assessment_id", "actor_id", "actor__display_name", "actor__username")
                 .annotate(first=Min("at")).order_by("assessment_id", "first", "actor_id"))
        if kind:
            audit = audit.filter(assessment__branch__kind=kind)
        if status:
            audit = audit.filter(assessment__status=status)
        for row in audit:
            actors[row["assessment_id"]].append(row["actor__display_name"] or row["actor__username"])
    for row in rows:
        if row.status in (Status.FINALISED, Status.PUBLISHED) and row.assessors_present:
            row.assessors = row.assessors_present
        else:
            row.assessors = "、".join(actors.get(row.pk, ()))

    totals = base.aggregate(n_all=Count("pk"), **{f"n_{value}": Count("pk", filter=Q(status=value))
                                                  for value in ONSITE_STATUSES})
    counts = {key.removeprefix("n_"): value for key, value in totals.items()}
    return OnsiteOverview(rows=rows, counts=counts, status=status, kind=kind)


class OnsiteRow(dict):
    """One item of the on-site scoring page, as a flat dict of what the page prints (see
    SelfRow), built from one row of values (no model instances: the page is read often).
    `files` holds (id, thumbnail, original_name, content_type) tuples and `history` the item's
    audit records as dicts, oldest first; the view turns both into display strings."""

    __slots__ = ()

    def __init__(self, values, files, history):
        (item_id, number, area_id, content, criteria, check_method, points, self_score, self_note, onsite_score,
         reason, needs_rectification, requirement, version) = values
        super().__init__(
            item_id=item_id, files=files, history=history,
            id=str(item_id), number=str(number), area=str(area_id),
            content=content, criteria=criteria, check_method=check_method,
            points=points, points_text=decimal_text(points),
            self_text="" if self_score is None else decimal_text(self_score),
            self_note=self_note, onsite_score=onsite_score,
            onsite_text="" if onsite_score is None else decimal_text(onsite_score),
            reason=reason, requirement=requirement, needs_rectification=needs_rectification,
            checked=" checked" if needs_rectification else "",
            version=str(version),
            deducted=onsite_score is not None and onsite_score < points,
            error="",
        )

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class OnsiteArea:
    def __init__(self, pk, number, name, points):
        self.pk, self.number, self.name, self.points = pk, number, name, points
        self.points_text = decimal_text(points)
        self.rows = []
        self.self_subtotal = ZERO
        self.onsite_subtotal = ZERO
        self.scored = 0
        self.items = 0


@dataclass
class OnsiteSheet:
    areas: list         # OnsiteArea, each with rows (OnsiteRow)
    progress: dict      # {"scored", "items", "self_total", "onsite_total"}
    vetoes: list        # dicts of the standard's vetoes: pk, code, text, finding_id/_note/_at/_by (this branch's)
    bonuses: list       # Bonus of the standard, each with .claim (BonusClaim or None) and .files
    bonus_total: Decimal  # approved bonus points, before the cap
    bonus_cap: Decimal
    scorers: list       # names of the people who scored on site, in the order they first did


def onsite_grade(assessment, onsite_total, bonus_total=None, has_veto=None):
    """{"bonus", "total", "has_veto", "grade"} of the on-site scores as they stand: the approved
    bonus capped by the standard, a veto finding makes it 不合格, else the standard's bands.
    One query (the bands), two when the bonus and the veto are not given (both read at once)."""
    standard = assessment.round.standard
    if bonus_total is None or has_veto is None:
        approved = (BonusClaim.objects.filter(assessment=OuterRef("pk"), decision=BonusClaim.Decision.APPROVED)
                    .order_by().values("assessment").annotate(n=Sum("bonus__points")).values("n"))
        bonus_total, has_veto = Assessment.objects.filter(pk=assessment.pk).annotate(
            approved=Subquery(approved), vetoed=Exists(VetoFinding.objects.filter(assessment=OuterRef("pk"))),
        ).values_list("approved", "vetoed").get()
        bonus_total = bonus_total or ZERO
    bonus = min(bonus_total, standard.bonus_cap)
    total = onsite_total + bonus
    bands = GradeBand.objects.filter(standard_id=standard.pk).order_by("-min_score").values_list("grade", "min_score")
    grade = grade_for(total, has_veto, list(bands))
    return {"bonus": bonus, "total": total, "has_veto": has_veto, "grade": grade}


HISTORY_FIELDS = ("item_id", "action", "field", "old_value", "new_value", "at", "actor_id",
                  "actor__display_name", "actor__username")


def assessment_history(assessment):
    """Every audit record of the assessment, oldest first, as dicts with the actor's name:
    one query."""
    rows = list(AuditLog.objects.filter(assessment=assessment).order_by("at", "pk").values(*HISTORY_FIELDS))
    for row in rows:
        row["actor"] = (row["actor__display_name"] or row["actor__username"]) if row["actor_id"] else ""
    return rows


SHEET_FIELDS = ("item_id", "item__number", "item__area_id", "item__content", "item__criteria", "item__check_method",
                "points",
                "self_score", "self_note", "onsite_score", "deduction_reason", "needs_rectification",
                "requirement", "version")
FILE_FIELDS = ("id", "item_id", "bonus_claim_id", "thumbnail", "original_name", "content_type")


PER_AREA = {"partition_by": [F("item__area_id")]}


def onsite_sheet_for(assessment):
    """The on-site scoring page of an assessment in five queries whatever the number of items,
    files and audit records: the scores with their items and areas and the per-area sums
    (window aggregates: summed by the database in the same query), the evidence of items and
    bonus claims, the audit records (grouped per item here), the vetoes with this branch's
    findings, the bonus items with this branch's claims."""
    item_files, claim_files = defaultdict(list), defaultdict(list)
    standard_id = assessment.round.standard_id
    files = (Evidence.objects.filter(assessment=assessment, rectification__isnull=True)
             .order_by("uploaded_at", "pk").values_list(*FILE_FIELDS))
    for values in files:
        if values[2]:
            claim_files[values[2]].append(values)
        elif values[1]:
            item_files[values[1]].append(values)

    history, scorers = defaultdict(list), []
    for record in assessment_history(assessment):
        if record["item_id"] and record["action"] in HISTORY_ACTIONS:
            history[record["item_id"]].append(record)
        if record["action"] in SCORING_ACTIONS and record["actor"] and record["actor"] not in scorers:
            scorers.append(record["actor"])

    scores = (
        Score.objects.filter(assessment=assessment)
        .annotate(area_self=Window(Sum("self_score"), **PER_AREA), area_onsite=Window(Sum("onsite_score"), **PER_AREA),
                  area_scored=Window(Count("onsite_score"), **PER_AREA), area_items=Window(Count("id"), **PER_AREA))
        .order_by("item__area__number", "item__number")
        .values_list(*SHEET_FIELDS, "item__area__number", "item__area__name", "item__area__points",
                     "area_self", "area_onsite", "area_scored", "area_items"))
    areas, area = [], None
    n = len(SHEET_FIELDS)
    for values in scores:
        if area is None or area.pk != values[2]:
            number, name, points, self_sum, onsite_sum, scored, items = values[n:]
            area = OnsiteArea(values[2], number, name, points)
            area.self_subtotal, area.onsite_subtotal = self_sum or ZERO, onsite_sum or ZERO
            area.self_text, area.onsite_text = decimal_text(area.self_subtotal), decimal_text(area.onsite_subtotal)
            area.scored, area.items = scored, items
            areas.append(area)
        item_id = values[0]
        area.rows.append(OnsiteRow(values[:n], item_files.get(item_id, ()), history.get(item_id, ())))

    vetoes = [
        {"pk": pk, "code": code, "text": text, "finding_id": finding_id, "finding_note": note or "",
         "finding_at": at, "finding_by": by or username or ""}
        for pk, code, text, finding_id, note, at, by, username in
        Veto.objects.filter(standard_id=standard_id)
        .annotate(found=FilteredRelation("findings", condition=Q(findings__assessment=assessment)))
        .order_by("order", "id")
        .values_list("id", "code", "text", "found__id", "found__note", "found__recorded_at",
                     "found__recorded_by__display_name", "found__recorded_by__username")
    ]
    bonuses = list(bonuses_with_claim(standard_id, assessment.pk))
    bonus_total = ZERO
    for bonus in bonuses:
        bonus.claim = getattr(bonus, "my_claim", None)
        bonus.files = claim_files.get(bonus.claim.pk, []) if bonus.claim else []
        if bonus.claim and bonus.claim.decision == BonusClaim.Decision.APPROVED:
            bonus_total += bonus.points
    progress = {
        "scored": sum(a.scored for a in areas), "items": sum(a.items for a in areas),
        "self_total": sum((a.self_subtotal for a in areas), ZERO),
        "onsite_total": sum((a.onsite_subtotal for a in areas), ZERO),
    }
    return OnsiteSheet(areas=areas, progress=progress, vetoes=vetoes, bonuses=bonuses, bonus_total=bonus_total,
                       bonus_cap=assessment.round.standard.bonus_cap, scorers=scorers)
