"""assessment.sessions: the database sessions, read by a query compiled once."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from tests.conftest import login


@pytest.mark.django_db
def test_a_live_session_is_read_and_an_expired_or_unknown_one_is_not(client, cast):
    url = reverse("selfeval-checklist", args=[cast.assessment.pk])
    login(client, cast.carol)
    assert client.get(url).status_code == 200

    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]

    client.cookies["sessionid"] = "x" * 32  # a key nobody was given
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]
