"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from assessment.models import Message


def unread_count(user):
    """The navbar badge: one query."""
    return Message.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def navbar(request):
    """`nav_unread`: the number of unread messages the navbar's badge shows
    (templates/assessment/_nav.html), counted only when a page prints it for a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_unread": 0}
    return {"nav_unread": SimpleLazyObject(lambda: unread_count(user))}
