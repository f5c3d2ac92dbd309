"""Who may see and do what. Every view begins with a helper from here.

Outside your township or branch: 404 (no hint that it exists).
Right object, wrong role or closed phase: 403 with a reason.

The county's organisation department (县委组织部, Role.COUNTY) sees every township and branch
of its county, read-only: it is neither township staff nor a township admin nor a secretary,
so every helper that lets someone score, submit, publish or change a round refuses it.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Assessment, Role, Score


def is_township_staff(user):
    """Township admin or assessor (or the superuser)."""
    return user.is_superuser or user.role in (Role.ADMIN, Role.ASSESSOR)


def is_township_admin(user):
    return user.is_superuser or user.role == Role.ADMIN


def is_county_staff(user):
    """The county's organisation department (县委组织部) with its county set (or the superuser)."""
    return user.is_superuser or (user.role == Role.COUNTY and user.county_id is not None)


def county_township_ids(user):
    """The ids of the townships of a county user's county (one query, kept on the user object
    for the request); empty for anyone else."""
    if user.role != Role.COUNTY or not user.county_id:
        return frozenset()
    cached = getattr(user, "county_township_ids_cache", None)
    if cached is None or cached[0] != user.county_id:
        from .models import Township

        ids = frozenset(Township.objects.filter(county_id=user.county_id).values_list("pk", flat=True))
        cached = user.county_township_ids_cache = (user.county_id, ids)
    return cached[1]


def can_see_township(user, township):
    if user.is_superuser:
        return True
    if user.role == Role.COUNTY:
        return user.county_id is not None and township.county_id == user.county_id
    return user.township_id is not None and user.township_id == township.pk


def check_township(user, township):
    """404 unless the user may see this township: their own, or for a county user any of
    their county's."""
    if not can_see_township(user, township):
        raise Http404


def can_see_branch(user, branch):
    if user.is_superuser:
        return True
    if user.role == Role.SECRETARY:
        return user.branch_id == branch.pk
    if user.role in (Role.ADMIN, Role.ASSESSOR):
        return user.township_id == branch.township_id
    if user.role == Role.COUNTY:
        return branch.township_id in county_township_ids(user)
    return False


def check_branch(user, branch):
    """404 unless the user may see this branch."""
    if not can_see_branch(user, branch):
        raise Http404


def role_required(*roles):
    """Log in first; then the user must have one of `roles` (the superuser always may)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not (user.is_superuser or user.role in roles):
                raise PermissionDenied("您的角色不能使用此页面。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def assessment_for(user, pk):
    """The assessment `pk` with its round, standard and branch (one query), if the user may see
    that branch; else 404."""
    try:
        assessment = Assessment.objects.select_related("round", "round__standard", "branch").get(pk=pk)
    except Assessment.DoesNotExist:
        raise Http404
    check_branch(user, assessment.branch)
    return assessment


def score_for(user, pk, item_id):
    """The score of item `item_id` in assessment `pk`, with its item and its assessment (round,
    standard, branch): one query for both, as a save of one item needs them; 404 if there is no
    such score or the user may not see the branch."""
    try:
        score = Score.objects.select_related("item", "assessment__round__standard", "assessment__branch").get(
            assessment_id=pk, item_id=item_id)
    except Score.DoesNotExist:
        raise Http404
    check_branch(user, score.assessment.branch)
    return score


# --- 抽查复核 (county spot checks) -------------------------------------------------------------------


def spot_check_for(user, pk):
    """The spot check `pk` if the user may see it (selectors_spot.spot_checks_visible_to: its county's
    users and the superuser; a township's staff once published, when it has a branch of theirs); else 404."""
    from .selectors_spot import spot_checks_visible_to

    found = spot_checks_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def spot_sample_for(user, pk):
    """A sampled branch of a spot check the user may see, with its assessment, branch, round and
    township; a township's staff see only their own township's samples. Else 404."""
    from .models_spot import SpotSample
    from .selectors_spot import sample_township_id, spot_checks_visible_to

    samples = SpotSample.objects.select_related(
        "spot_check", "spot_check__county", "assessment", "assessment__branch", "assessment__round",
        "assessment__round__township").filter(pk=pk, spot_check__in=spot_checks_visible_to(user))
    township_id = sample_township_id(user)
    if township_id is not None:
        samples = samples.filter(assessment__round__township_id=township_id)
    found = samples.first()
    if found is None:
        raise Http404
    return found
