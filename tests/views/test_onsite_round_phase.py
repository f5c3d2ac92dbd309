"""The admin's phase form on the on-site overview: POST /rounds/<pk>/phase/."""

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Phase


def url(cast):
    return reverse("round-phase-set", args=[cast.round.pk])


def test_admin_moves_the_round_to_the_onsite_phase(client, cast):
    client.force_login(cast.alice)
    response = client.post(url(cast), {"phase": Phase.ONSITE})
    assert response.status_code == 302 and response.url == reverse("onsite-overview", args=[cast.round.pk])
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.ONSITE
    html = client.get(response.url).content.decode()
    assert "考核批次已进入“现场考评阶段”" in html and "准备通报" in html
    assert AuditLog.objects.filter(action="round_phase", new_value=Phase.ONSITE).exists()


def test_a_refused_step_is_told(client, cast):
    client.force_login(cast.alice)
    response = client.post(url(cast), {"phase": Phase.NOTICE}, follow=True)
    assert "发布通报后自动进入通报整改阶段" in response.content.decode()
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.SELF


@pytest.mark.parametrize("who, status", [("bob", 403), ("carol", 403), ("eve", 404)])
def test_only_the_admin(client, cast, who, status):
    client.force_login(getattr(cast, who))
    assert client.post(url(cast), {"phase": Phase.ONSITE}).status_code == status
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.SELF


def test_rejects_get(client, cast):
    client.force_login(cast.alice)
    assert client.get(url(cast)).status_code == 405
