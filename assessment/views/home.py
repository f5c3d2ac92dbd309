from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assessment import selectors, selectors_demo, selectors_todo
from assessment.models import Phase, Role, Status, User
from assessment.views.county import county_home


@login_required
def home(request):
    user = request.user
    if user.role == Role.COUNTY and not user.is_superuser:
        return county_home(request)  # the county's rounds and townships, not a township's branches
    branches = list(selectors.branches_visible_to(user).prefetch_related(
        Prefetch("secretaries", queryset=User.objects.filter(role=Role.SECRETARY))
    ))
    if user.role == Role.SECRETARY and len(branches) == 1 and branches[0].pk == user.branch_id:
        # The secretary's branch (with its township) is already loaded: spare the page two lookups.
        user.branch = branches[0]
        if branches[0].township_id == user.township_id:
            user.township = branches[0].township
    rounds = list(selectors.home_rounds(user))
    # The secretary's own branch: progress, totals and per-area subtotals (two queries).
    assessments = selectors.secretary_home_assessments(user, rounds)
    self_cards = []
    for round in rounds:
        round.my_assessment = assessments.get(round.pk)
        if round.my_assessment:
            round.my_assessment.round = round
            round.my_status = selectors.status_word(round.my_assessment.status, round.my_assessment.returned_reason)[1]
            if round.published_at:  # the results and the rectifications lead instead (selectors_todo)
                continue
            self_cards.append({
                "round": round, "assessment": round.my_assessment,
                "summary": selectors.self_summary(round.my_assessment),
                "open": round.my_assessment.status in (Status.NOT_STARTED, Status.SELF) and (
                    round.phase == Phase.SELF or (round.phase == Phase.ONSITE and round.my_assessment.self_late)),
            })
    todos = selectors_todo.home_todo(user, rounds, assessments)
    return render(request, "assessment/home.html", {
        "todos": todos,
        "township": user.township,
        "branches": branches,
        "rounds": rounds,
        "self_cards": self_cards,
        # 结对帮带 of the secretary's branch, helping or helped (one query); the library for all.
        "my_pairings": selectors_demo.pairings(user.township_id, branch_id=user.branch_id, with_results=False)
        if user.role == Role.SECRETARY and user.branch_id else [],
    })


@never_cache
@require_GET
def session_state(request):
    """JSON {authenticated, user, token} for a page whose saves were refused because its session
    ended: it asks the user to log in again (in another window), then reads here whether they
    did, as whom, and the CSRF token to send what was waiting with, without reloading."""
    user = request.user
    return JsonResponse({"authenticated": user.is_authenticated, "user": user.pk if user.is_authenticated else None,
                         "token": get_token(request)})
