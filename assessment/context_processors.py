"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from assessment.models import Message


def unread_messages(request):
    """`unread_message_count` for the navbar badge: loaded with the user (assessment.auth), else
    one query, only when a page uses it; none for anonymous visitors."""

    def count():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        loaded = getattr(user, "unread_count", None)
        if loaded is not None:
            return loaded
        return Message.objects.filter(user_id=user.pk, read_at__isnull=True).count()

    return {"unread_message_count": SimpleLazyObject(count)}
