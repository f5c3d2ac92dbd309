"""Sessions in the database, as Django keeps them, read on every request with a query
compiled once (assessment.prepared). SESSION_ENGINE = "assessment.sessions"."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from .prepared import Prepared


def _session(session_key: str):
    return Session.objects.filter(session_key=session_key)


SESSION = Prepared(_session)


class SessionStore(DatabaseStore):
    def _get_session_from_db(self):
        found = SESSION(session_key=self.session_key) if isinstance(self.session_key, str) else []
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
