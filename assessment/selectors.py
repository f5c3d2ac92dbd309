"""Reads scoped to a user: the only place that filters by township and branch."""

from django.db.models import Count, Q

from .models import Branch, Phase, Role, Round


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
