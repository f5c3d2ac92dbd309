"""提交自评: /assessments/<pk>/self/submit/ — a confirmation page, then POST submits."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import AuditLog, Phase, Score, Status


def url(assessment):
    return reverse("selfeval-submit", args=[assessment.pk])


def fill(assessment, value=Decimal("1.5")):
    Score.objects.filter(assessment=assessment).update(self_score=value)


def test_confirmation_page_shows_total_and_area_subtotals(client, cast):
    fill(cast.assessment)
    client.force_login(cast.carol)
    response = client.get(url(cast.assessment))
    html = response.content.decode()
    assert response.status_code == 200
    assert "确认提交" in html
    assert '<td class="text-end" id="submit-total">18</td>' in html  # 12 × 1.5
    for area in ("方面1", "方面2", "方面3"):
        assert area in html
    assert html.count('<td class="text-end">6</td>') == 3  # 4 × 1.5 per area
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED  # a GET changes nothing


def test_works(client, cast):
    fill(cast.assessment)
    client.force_login(cast.carol)
    response = client.post(url(cast.assessment))
    assert response.status_code == 302
    assert response["Location"] == reverse("selfeval-checklist", args=[cast.assessment.pk])
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SUBMITTED and cast.assessment.submitted_at
    log = AuditLog.objects.get(assessment=cast.assessment, action="self_submit")
    assert (log.old_value, log.new_value) == ("not_started", "submitted")
    html = client.get(response["Location"]).content.decode()
    assert "自评已提交。" in html
    assert "自评已提交，不能再修改" in html and " disabled>" in html


def test_incomplete_shows_what_is_missing_and_refuses(client, cast):
    fill(cast.assessment)
    Score.objects.filter(assessment=cast.assessment, item__number__in=[3, 7]).update(self_score=None)
    client.force_login(cast.carol)
    html = client.get(url(cast.assessment)).content.decode()
    assert "还有 2 项未评分，请全部评分后再提交。" in html and "确认提交" not in html
    response = client.post(url(cast.assessment))
    assert response.status_code == 403
    assert "还有 2 项未评分，请全部评分后再提交。" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED and cast.assessment.submitted_at is None
    assert not AuditLog.objects.filter(assessment=cast.assessment, action="self_submit").exists()


def test_twice_is_refused(client, cast):
    fill(cast.assessment)
    client.force_login(cast.carol)
    client.post(url(cast.assessment))
    cast.assessment.refresh_from_db()
    at = cast.assessment.submitted_at
    response = client.post(url(cast.assessment))
    assert response.status_code == 403 and "自评已提交，请勿重复提交。" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.submitted_at == at


def test_refused_after_the_deadline(client, cast):
    fill(cast.assessment)
    cast.round.self_start = timezone.localdate() - datetime.timedelta(days=9)
    cast.round.self_end = timezone.localdate() - datetime.timedelta(days=1)
    cast.round.save()
    client.force_login(cast.carol)
    response = client.post(url(cast.assessment))
    assert response.status_code == 403 and "截止，不能再保存或提交" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED


def test_refused_outside_the_self_phase(client, cast):
    fill(cast.assessment)
    cast.round.phase = Phase.ONSITE
    cast.round.save()
    client.force_login(cast.carol)
    response = client.post(url(cast.assessment))
    assert response.status_code == 403 and "不在自评阶段" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_only_the_secretary_submits(client, cast, who):
    fill(cast.assessment)
    client.force_login(getattr(cast, who))
    for response in (client.get(url(cast.assessment)), client.post(url(cast.assessment))):
        assert response.status_code == 403
        assert "只有本支部书记可以提交自评。" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED


@pytest.mark.parametrize("who", ["dave", "eve"])
def test_checks_ownership(client, cast, who):
    fill(cast.assessment)
    client.force_login(getattr(cast, who))
    assert client.get(url(cast.assessment)).status_code == 404
    assert client.post(url(cast.assessment)).status_code == 404
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED
