"""Results: the ranking of a round and one branch's result, with charts."""

from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from assessment import charts, results, selectors, selectors_demo
from assessment.models import BranchKind, Score, Status
from assessment.selectors import decimal_text
from assessment.permissions import assessment_for, is_township_admin, is_township_staff

THRESHOLD_MAX = Decimal(1000)


def _threshold(request, round):
    """The round's threshold, or one tried out in the page's ?threshold= field (a number from
    0 to THRESHOLD_MAX; anything else, NaN and Infinity too, leaves the round's)."""
    try:
        value = Decimal(request.GET.get("threshold", ""))
    except InvalidOperation:
        return round.inflation_threshold
    if not value.is_finite() or not 0 <= value <= THRESHOLD_MAX:
        return round.inflation_threshold
    return value


def ranking_texts(rows, areas, threshold):
    """What each row of the ranking prints (templates/assessment/_ranking_rows.html), prepared
    once as a dict (a template looks a dict's keys up at once): the numbers as text
    (decimal_text, as floatformat:"-1" shows them; the same few dozen values come back in every
    row), the labels, the result's URL, 自评虚高 against `threshold`."""
    texts = {}

    def text(value):
        found = texts.get(value)
        if found is None:
            found = texts[value] = decimal_text(value)
        return found

    kinds = {value: str(label) for value, label in BranchKind.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    prepared = []
    for row in rows:
        a, branch = row.assessment, row.assessment.branch
        prepared.append({
            "rank": row.rank, "url": reverse("results-branch", args=[a.pk]), "name": branch.name,
            "demonstration": branch.is_demonstration, "kind": kinds.get(branch.kind, branch.kind),
            "status": statuses.get(a.status, a.status),
            "cells": [tuple(map(text, row.areas.get(area.pk, (0, 0)))) for area in areas],
            "bonus": text(row.bonus), "self_total": text(row.self_total), "total": text(row.total),
            "assessed": row.assessed, "difference": "—" if row.difference is None else text(row.difference),
            "inflated": row.difference is not None and row.difference > threshold,
            "has_veto": row.has_veto, "grade": row.grade_label,
        })
    return prepared


PROBLEMS_KEPT = 300  # seconds; the key changes with every score, the timeout covers an item's text corrected


def typical_problems(round, version):
    """The round's typical problems (results.typical_problems: all its scores grouped by item, 0.1–
    0.3 s at 10,000 branches), kept with Django's cache framework under the version of the round's
    scores (the kept totals' count and changes: any score saved makes another key)."""
    key = f"ranking-problems:{round.pk}:{version[0]}:{version[1]}"
    return cache.get_or_set(key, lambda: list(results.typical_problems(round)), PROBLEMS_KEPT)


def _rate(value, points):
    return Decimal(0) if not points else (value or 0) * 100 / points


@login_required
def ranking(request, pk):
    """The round's ranking, 100 branches a page (?page=, kept with ?threshold= in the links);
    the ranks are the round's, the charts its top 30 on every page."""
    round = get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)
    if not is_township_staff(request.user) and round.published_at is None:
        raise PermissionDenied(_("排名由镇党委在通报后公布。"))
    areas = list(round.standard.areas.all())
    threshold = _threshold(request, round)
    ranking = results.ranking_page(round, request.GET.get("page"), threshold)
    charted = ranking.charted
    names = [row.assessment.branch.name for row in charted]
    vetoed = [row.has_veto for row in charted]
    full = sum((area.points for area in areas), Decimal(0)) + round.standard.bonus_cap
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "round": round,
        "areas": areas,
        "page": ranking.page,
        "rows": ranking_texts(ranking.page, areas, threshold),
        # 1 … 4 5 6 … 100: nine links at most, so they fit a phone's 390 px (a list: shown twice)
        "page_range": list(ranking.page.paginator.get_elided_page_range(ranking.page.number, on_each_side=1, on_ends=1)),
        "ellipsis": ranking.page.paginator.ELLIPSIS,
        "count": ranking.count,
        "query": query.urlencode(),
        "threshold": threshold,
        "inflated_count": ranking.inflated_count,
        "finalised_count": ranking.finalised_count,
        "problems": typical_problems(round, ranking.version),
        "pairing_results": selectors_demo.pairings(round.township_id, upto=round),
        "chart_limited": ranking.finalised_count > results.CHART_ROWS,
        "chart_rows": results.CHART_ROWS,
        "difference_label": results.DIFFERENCE_LABEL,
        "ranking_chart": charts.horizontal_bars(names, [(_("考评总分"), [row.total for row in charted])], maximum=full,
                                                marked=vetoed, marked_label=_("一票否决")),
        "compare_chart": charts.horizontal_bars(
            names, [(_("自评总分"), [row.self_total for row in charted]), (_("考评得分"), [row.onsite_total for row in charted])],
            maximum=full,
        ),
    }
    return render(request, "assessment/ranking.html", context)


@login_required
def branch_result(request, pk):
    assessment = assessment_for(request.user, pk)
    if not is_township_staff(request.user) and assessment.status != Status.PUBLISHED:
        raise PermissionDenied(_("考评结果在通报发布后可见。"))
    round = assessment.round
    areas = list(round.standard.areas.all())
    row = next(r for r in results.round_results(round) if r.assessment.pk == assessment.pk)
    scores = list(
        Score.objects.filter(assessment=assessment).select_related("item").order_by("item__number")
    )
    for score in scores:
        score.difference = (
            score.self_score - score.onsite_score
            if score.self_score is not None and score.onsite_score is not None else None
        )
    area_rows = []
    for area in areas:
        self_sum, onsite_sum = row.areas.get(area.pk, (0, 0))
        area_rows.append({"area": area, "self": self_sum, "onsite": onsite_sum, "difference": self_sum - onsite_sum,
                          "self_rate": _rate(self_sum, area.points), "onsite_rate": _rate(onsite_sum, area.points),
                          "scores": [s for s in scores if s.item.area_id == area.pk]})
    # 较上轮: this round's on-site subtotal minus the earlier round's, per area (one grouped query).
    earlier = selectors.previous_round(round)
    if earlier:
        before = selectors.previous_area_subtotals(earlier, [assessment.branch_id]).get(assessment.branch_id, {})
        for a in area_rows:
            a["change"] = a["onsite"] - before[a["area"].name] if a["area"].name in before else None
    rectifications = list(
        selectors.rectifications_visible_to(request.user, round).filter(assessment=assessment)
        .select_related("item").order_by("item__number", "pk")
    )
    radar = charts.radar(
        [area.name for area in areas],
        [(_("自评"), [a["self_rate"] for a in area_rows]), (_("考评"), [a["onsite_rate"] for a in area_rows])],
    )
    return render(request, "assessment/branch_result.html", {
        "assessment": assessment, "round": round, "row": row, "area_rows": area_rows, "radar": radar,
        "earlier": earlier, "rectifications": rectifications, "is_admin": is_township_admin(request.user),
        "can_export_sheet": is_township_staff(request.user) or assessment.status == Status.PUBLISHED,
    })


urlpatterns = [
    path("rounds/<id:pk>/results/", ranking, name="results-ranking"),
    path("assessments/<id:pk>/result/", branch_result, name="results-branch"),
]
