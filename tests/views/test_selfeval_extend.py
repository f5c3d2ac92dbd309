"""延长自评截止: /assessments/<pk>/self/extend/ — the township admin sets the branch's own deadline."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import AuditLog, Score


def url(assessment):
    return reverse("selfeval-extend", args=[assessment.pk])


def past_deadline(cast):
    cast.round.self_start = timezone.localdate() - datetime.timedelta(days=9)
    cast.round.self_end = timezone.localdate() - datetime.timedelta(days=1)
    cast.round.save()


def test_form_page(client, cast):
    client.force_login(cast.alice)
    response = client.get(url(cast.assessment))
    assert response.status_code == 200
    assert 'type="date"' in response.content.decode()


def test_works_and_reopens_saving(client, cast):
    past_deadline(cast)
    until = timezone.localdate() + datetime.timedelta(days=3)
    client.force_login(cast.alice)
    response = client.post(url(cast.assessment), {"until": until.isoformat()})
    assert response.status_code == 302
    cast.assessment.refresh_from_db()
    assert cast.assessment.self_deadline == until
    log = AuditLog.objects.get(assessment=cast.assessment, action="self_extend")
    assert (log.old_value, log.new_value, log.actor) == ("", until.isoformat(), cast.alice)

    client.force_login(cast.carol)
    html = client.get(reverse("selfeval-checklist", args=[cast.assessment.pk])).content.decode()
    assert "已延期" in html and " disabled>" not in html
    item = cast.standard.items.first()
    response = client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]), {"score": "1"})
    assert response.status_code == 200


@pytest.mark.parametrize("value, message", [
    ("", "请选择延期后的截止日期。"),
    ("明天", "请输入有效的日期"),
])
def test_wrong_dates(client, cast, value, message):
    client.force_login(cast.alice)
    response = client.post(url(cast.assessment), {"until": value})
    assert response.status_code == 400 and message in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.self_deadline is None


def test_a_date_in_the_past_is_refused(client, cast):
    client.force_login(cast.alice)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(url(cast.assessment), {"until": yesterday.isoformat()})
    assert response.status_code == 400 and "延期后的截止日期不能早于今天。" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.self_deadline is None


@pytest.mark.parametrize("who", ["carol", "bob"])
def test_only_the_township_admin(client, cast, who):
    client.force_login(getattr(cast, who))
    response = client.post(url(cast.assessment), {"until": timezone.localdate().isoformat()})
    assert response.status_code == 403
    assert "只有镇党委管理员可以延长自评截止日期。" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.self_deadline is None


@pytest.mark.parametrize("who", ["dave", "eve"])
def test_checks_ownership(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(url(cast.assessment)).status_code == 404
    assert client.post(url(cast.assessment), {"until": timezone.localdate().isoformat()}).status_code == 404
    assert not Score.objects.filter(assessment=cast.assessment, self_score__isnull=False).exists()
    cast.assessment.refresh_from_db()
    assert cast.assessment.self_deadline is None
