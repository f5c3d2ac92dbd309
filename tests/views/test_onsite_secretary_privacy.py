"""Secretaries never see on-site scores, deduction reasons or requirements before the notice
is published: not on their home, their checklist, its submit page, the on-site pages or the
branch result."""

import pytest
from django.urls import reverse

from tests.test_services_onsite import items, onsite_ready, record

REASON = "现场核查发现三会一课记录缺失XYZ"
REQUIREMENT = "限期补齐三会一课记录QRS"


@pytest.fixture
def scored(cast):
    onsite_ready(cast)
    record(cast, who=cast.bob, score="0.5", reason=REASON, rect=True, requirement=REQUIREMENT)
    return cast


@pytest.mark.parametrize("name", ["home", "selfeval-checklist", "selfeval-submit"])
def test_secretary_pages_do_not_leak_onsite_results(client, scored, name):
    client.force_login(scored.carol)
    args = [] if name == "home" else [scored.assessment.pk]
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    html = response.content.decode()
    assert REASON not in html and REQUIREMENT not in html
    assert "考评得分" not in html and "扣分原因" not in html and "0.5" not in html


@pytest.mark.parametrize("name", ["onsite-scoring", "onsite-finalise", "results-branch"])
def test_secretary_cannot_open_onsite_results(client, scored, name):
    client.force_login(scored.carol)
    response = client.get(reverse(name, args=[scored.assessment.pk]))
    assert response.status_code == 403
    assert REASON not in response.content.decode()


def test_secretary_cannot_post_an_item(client, scored):
    client.force_login(scored.carol)
    response = client.post(reverse("onsite-item-save", args=[scored.assessment.pk, items(scored)[0].pk]),
                           {"score": "2", "version": "1"})
    assert response.status_code == 403 and REASON not in response.content.decode()
