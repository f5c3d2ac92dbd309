from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render

from assessment import selectors
from assessment.models import Assessment, Role, User


@login_required
def home(request):
    user = request.user
    branches = selectors.branches_visible_to(user).prefetch_related(
        Prefetch("secretaries", queryset=User.objects.filter(role=Role.SECRETARY))
    )
    rounds = list(selectors.home_rounds(user))
    assessments = {}
    if user.role == Role.SECRETARY:
        assessments = {
            a.round_id: a
            for a in Assessment.objects.filter(branch_id=user.branch_id, round__in=rounds)
        }
    for round in rounds:
        round.my_assessment = assessments.get(round.pk)
    return render(request, "assessment/home.html", {
        "township": user.township,
        "branches": branches,
        "rounds": rounds,
    })
