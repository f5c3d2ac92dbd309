"""退回: /assessments/<pk>/self/return/ — the township admin, with a reason."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Message, Phase, Score, Status
from assessment.services.selfeval import self_evaluation_submit


def url(assessment):
    return reverse("selfeval-return", args=[assessment.pk])


@pytest.fixture
def submitted(cast):
    Score.objects.filter(assessment=cast.assessment).update(self_score=Decimal("2"))
    self_evaluation_submit(assessment=cast.assessment, actor=cast.carol)
    return cast.assessment


def assert_still_submitted(assessment):
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED and assessment.returned_reason == ""
    assert not AuditLog.objects.filter(assessment=assessment, action="self_return").exists()


def test_form_page(client, cast, submitted):
    client.force_login(cast.alice)
    response = client.get(url(submitted))
    assert response.status_code == 200
    html = response.content.decode()
    assert "退回原因" in html and 'name="reason"' in html


def test_works_and_the_secretary_sees_the_reason(client, cast, submitted):
    client.force_login(cast.alice)
    response = client.post(url(submitted), {"reason": "第5项缺少会议记录"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.SELF and submitted.returned_reason == "第5项缺少会议记录"
    assert submitted.submitted_at is None
    log = AuditLog.objects.get(assessment=submitted, action="self_return")
    assert (log.old_value, log.new_value, log.actor, log.note) == ("submitted", "self", cast.alice, "第5项缺少会议记录")
    assert Message.objects.filter(user=cast.carol, text__contains="第5项缺少会议记录").exists()

    client.force_login(cast.carol)
    html = client.get(reverse("selfeval-checklist", args=[submitted.pk])).content.decode()
    assert "已退回" in html and "第5项缺少会议记录" in html and " disabled>" not in html
    html = client.get(reverse("home")).content.decode()
    assert "已退回" in html and "第5项缺少会议记录" in html


def test_reason_is_required(client, cast, submitted):
    client.force_login(cast.alice)
    response = client.post(url(submitted), {"reason": "   "})
    assert response.status_code == 400
    assert "请填写退回原因。" in response.content.decode()
    assert_still_submitted(submitted)


def test_by_a_secretary_is_403(client, cast, submitted):
    client.force_login(cast.carol)
    response = client.post(url(submitted), {"reason": "我想改"})
    assert response.status_code == 403
    assert "只有镇党委管理员可以退回自评。" in response.content.decode()
    assert client.get(url(submitted)).status_code == 403
    assert_still_submitted(submitted)


def test_by_an_assessor_is_403(client, cast, submitted):
    client.force_login(cast.bob)
    response = client.post(url(submitted), {"reason": "不全"})
    assert response.status_code == 403
    assert_still_submitted(submitted)


def test_not_submitted_is_refused(client, cast):
    client.force_login(cast.alice)
    response = client.post(url(cast.assessment), {"reason": "不全"})
    assert response.status_code == 403
    assert "只有已提交的自评才能退回（当前状态：未开始）。" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED and cast.assessment.returned_reason == ""


def test_refused_once_the_round_left_the_self_phase(client, cast, submitted):
    cast.round.phase = Phase.ONSITE
    cast.round.save()
    client.force_login(cast.alice)
    response = client.post(url(submitted), {"reason": "不全"})
    assert response.status_code == 403 and "不能退回自评" in response.content.decode()
    assert_still_submitted(submitted)


@pytest.mark.parametrize("who", ["dave", "eve"])
def test_checks_ownership(client, cast, submitted, who):
    client.force_login(getattr(cast, who))
    assert client.get(url(submitted)).status_code == 404
    assert client.post(url(submitted), {"reason": "x"}).status_code == 404
    assert_still_submitted(submitted)
