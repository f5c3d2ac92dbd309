"""The authentication backend: Django's, with the user's unread-message count loaded in the
same query that loads the user on every request (the navbar shows it on every page); the
query is compiled once (assessment.prepared)."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import Message, User
from .prepared import Prepared


def _user_with_unread_count(user_id):
    unread = (
        Message.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by().values("user").annotate(n=Count("id")).values("n")
    )
    return User._default_manager.annotate(
        unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0)
    ).filter(pk=user_id)


USER = Prepared(_user_with_unread_count)


class Backend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        users = USER(user_id=user_id)
        user = users[0] if users else None
        return user if user is not None and self.user_can_authenticate(user) else None


class OneTimePasswordHasher(PBKDF2PasswordHasher):
    """The hash of a one-time password (assessment.services.roster): random, about 50 bits, and
    replaced at the first login, so a thousand iterations suffice and a roster of 1,000
    secretaries gets its accounts in a second. At that login Django re-hashes it with the
    default hasher; then the person sets their own password."""

    algorithm = "pbkdf2_sha256_otp"
    iterations = 1000
