"""The authentication backend: Django's, with the user's unread-message count loaded in the
same query that loads the user on every request (the navbar shows it on every page)."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import Message, User


class Backend(ModelBackend):
    def get_user(self, user_id):
        unread = (
            Message.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
            .order_by().values("user").annotate(n=Count("id")).values("n")
        )
        user = (
            User._default_manager.annotate(unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0))
            .filter(pk=user_id).first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
