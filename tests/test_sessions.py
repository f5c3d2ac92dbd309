"""Sessions: Django's own database sessions (SESSION_ENGINE django.contrib.sessions.backends.db)
and authentication backend. Production runs several app servers on one database with nothing
kept on a server, so a session expires, and a logout ends it on every server at once."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, login


def test_the_engine_and_backend_are_djangos_own():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AUTHENTICATION_BACKENDS == [
        "axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]


def refused(response):
    return response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.django_db
def test_a_live_session_is_read_and_an_expired_or_unknown_one_is_not(client, cast):
    url = reverse("selfeval-checklist", args=[cast.assessment.pk])
    login(client, cast.carol)
    assert client.get(url).status_code == 200

    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert refused(client.get(url))

    client.cookies["sessionid"] = "x" * 32  # a key nobody was given
    assert refused(client.get(url))


@pytest.mark.django_db
def test_a_logout_ends_the_session_on_every_server(cast):
    """Two clients with the same cookie stand for two app servers: after logging out through
    one, the other refuses the cookie at its next request (nothing cached per process)."""
    url = reverse("selfeval-checklist", args=[cast.assessment.pk])
    first, second = Client(), Client()
    assert first.post(reverse("login"), {"username": "carol", "password": PASSWORD}).status_code == 302
    second.cookies["sessionid"] = first.cookies["sessionid"].value
    assert second.get(url).status_code == 200 and first.get(url).status_code == 200

    assert first.post(reverse("logout")).status_code == 302
    assert not Session.objects.exists()
    assert refused(second.get(url))


@pytest.mark.django_db
def test_a_deactivated_user_is_signed_out_at_the_next_request(client, cast):
    url = reverse("selfeval-checklist", args=[cast.assessment.pk])
    login(client, cast.carol)
    assert client.get(url).status_code == 200
    type(cast.carol).objects.filter(pk=cast.carol.pk).update(is_active=False)
    assert refused(client.get(url))


@pytest.mark.django_db
def test_a_request_reads_the_session_and_the_user_in_one_query_each(client, cast, django_assert_num_queries):
    login(client, cast.carol)
    # the session, the user, the assessment not found, the navbar's unread badge on the 404 page
    with django_assert_num_queries(4) as captured:
        assert client.get(reverse("selfeval-checklist", args=[987654321])).status_code == 404
    assert [query["sql"].split(" FROM ")[1].split()[0] for query in captured.captured_queries] == [
        '"django_session"', '"assessment_user"', '"assessment_assessment"', '"assessment_message"']
