"""Template context shared by every page."""

from django.utils.functional import SimpleLazyObject

from assessment.models import Message


def unread_messages(request):
    """`unread_message_count` for the navbar badge: one query, only when a page uses it,
    and none for anonymous visitors."""

    def count():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return Message.objects.filter(user_id=user.pk, read_at__isnull=True).count()

    return {"unread_message_count": SimpleLazyObject(count)}
