"""In-app messages that tell people what happened: the township admin when a branch submits
and when a rectification is reported (待核验); the secretary when an item is closed or returned.
One person is told once a day about one thing (the message's topic)."""

import datetime

from django.utils import timezone

from assessment.models import Message, Role, User

ONCE_PER = datetime.timedelta(days=1)


def notify(*, user_ids, text, link, topic):
    """A message to each of `user_ids` not told about `topic` in the last day; how many were sent.
    Call inside the service's transaction."""
    user_ids = set(user_ids)
    if not user_ids:
        return 0
    told = set(Message.objects.filter(user_id__in=user_ids, topic=topic,
                                      created_at__gte=timezone.now() - ONCE_PER).values_list("user_id", flat=True))
    messages = [Message(user_id=pk, text=text, link=link, topic=topic) for pk in sorted(user_ids - told)]
    Message.objects.bulk_create(messages)
    return len(messages)


def township_admins(township_id):
    return User.objects.filter(role=Role.ADMIN, township_id=township_id, is_active=True).values_list("pk", flat=True)


def branch_secretaries(branch_id):
    return User.objects.filter(role=Role.SECRETARY, branch_id=branch_id, is_active=True).values_list("pk", flat=True)
