"""通报: the printable notice of a round."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _

from assessment import results, selectors
from assessment.models import Rectification, RectificationStatus
from assessment.permissions import is_township_staff


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
        "demonstration": [row for row in rows if row.assessment.branch.is_demonstration],
        "problems": results.typical_problems(round),
        "rectifications": rectifications,
    }


@login_required
def notice_detail(request, pk):
    round = get_object_or_404(selectors.rounds_visible_to(request.user), pk=pk)
    if round.published_at is None:
        if not is_township_staff(request.user):
            raise Http404
        raise PermissionDenied(_("通报尚未发布。"))
    return render(request, "assessment/notice.html", notice_context(round))


urlpatterns = [
    path("rounds/<int:pk>/notice/", notice_detail, name="notice-detail"),
]
