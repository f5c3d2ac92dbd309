"""考评完成 (with its confirmation page) and 重新打开 by the township admin."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import AuditLog, Bonus, BonusClaim, Score, Status, Veto, VetoFinding
from tests.test_services_onsite import items, onsite_ready, record, score_all


def url(cast):
    return reverse("onsite-finalise", args=[cast.assessment.pk])


def reopen_url(cast):
    return reverse("onsite-reopen", args=[cast.assessment.pk])


def test_confirmation_shows_total_bonus_veto_and_grade(client, cast):
    onsite_ready(cast)
    score_all(cast)
    record(cast, item=items(cast)[0], score="1", reason="缺记录", version=1)
    BonusClaim.objects.create(assessment=cast.assessment, bonus=Bonus.objects.get(standard=cast.standard),
                              decision=BonusClaim.Decision.APPROVED)
    client.force_login(cast.bob)
    response = client.get(url(cast))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<td class="fw-bold" id="finalise-total">25</td>' in html  # 23 + 2 bonus
    assert '<td class="fw-bold" id="finalise-grade">不合格</td>' in html  # 25 of 29 is below every band
    assert 'value="bob"' in html  # the people who scored, prefilled
    assert f'value="{timezone.localdate().isoformat()}"' in html


def test_finalise_locks_and_records(client, cast):
    onsite_ready(cast)
    score_all(cast)
    client.force_login(cast.bob)
    date = timezone.localdate().isoformat()
    response = client.post(url(cast), {"assessors_present": "bob、alice", "date": date})
    assert response.status_code == 302 and response.url == reverse("onsite-overview", args=[cast.round.pk])
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.FINALISED and cast.assessment.assessors_present == "bob、alice"
    assert cast.assessment.onsite_date.isoformat() == date
    html = client.get(reverse("onsite-scoring", args=[cast.assessment.pk])).content.decode()
    assert "已考评完成，评分已锁定" in html and " disabled" in html
    save = client.post(reverse("onsite-item-save", args=[cast.assessment.pk, items(cast)[0].pk]),
                       {"score": "1", "reason": "x", "version": "1"})
    assert save.status_code == 403 and "已考评完成" in save.json()["error"]


def test_finalise_refused_with_unscored_items(client, cast):
    onsite_ready(cast)
    record(cast, score="2")
    client.force_login(cast.bob)
    response = client.get(url(cast))
    assert response.status_code == 403 and "还有 11 项未进行现场评分" in response.content.decode()
    response = client.post(url(cast), {"assessors_present": "bob", "date": timezone.localdate().isoformat()})
    assert response.status_code == 403
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.ONSITE
    assert not AuditLog.objects.filter(action="onsite_finalise").exists()


def test_finalise_refused_with_a_deduction_without_reason(client, cast):
    onsite_ready(cast)
    score_all(cast)
    Score.objects.filter(assessment=cast.assessment, item=items(cast)[4]).update(onsite_score=Decimal("0"))
    client.force_login(cast.bob)
    response = client.post(url(cast), {"assessors_present": "bob", "date": timezone.localdate().isoformat()})
    assert response.status_code == 403 and "第 5 项有扣分但未填写扣分原因" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.ONSITE


def test_finalise_needs_people_present(client, cast):
    onsite_ready(cast)
    score_all(cast)
    client.force_login(cast.bob)
    response = client.post(url(cast), {"assessors_present": " ", "date": timezone.localdate().isoformat()})
    assert response.status_code == 400 and "请填写参加考评的人员" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.ONSITE


def test_veto_shows_on_the_confirmation(client, cast):
    onsite_ready(cast)
    score_all(cast)
    VetoFinding.objects.create(assessment=cast.assessment, veto=Veto.objects.get(standard=cast.standard), note="造假")
    client.force_login(cast.bob)
    html = client.get(url(cast)).content.decode()
    assert "弄虚作假<br><span class=\"small\">情况说明：造假" in html and '<td class="fw-bold" id="finalise-grade">不合格</td>' in html


@pytest.mark.parametrize("who, status", [("carol", 403), ("eve", 404)])
def test_finalise_ownership(client, cast, who, status):
    onsite_ready(cast)
    score_all(cast)
    client.force_login(getattr(cast, who))
    assert client.post(url(cast), {"assessors_present": "x", "date": timezone.localdate().isoformat()}
                       ).status_code == status
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.ONSITE


def finalised(cast):
    onsite_ready(cast)
    score_all(cast)
    cast.assessment.status = Status.FINALISED
    cast.assessment.finalised_at = timezone.now()
    cast.assessment.save()


def test_admin_reopens_with_a_reason(client, cast):
    finalised(cast)
    client.force_login(cast.alice)
    html = client.get(reverse("onsite-scoring", args=[cast.assessment.pk])).content.decode()
    assert reopen_url(cast) in html
    assert client.get(reopen_url(cast)).status_code == 200
    response = client.post(reopen_url(cast), {"reason": "第3项需复核"})
    assert response.status_code == 302
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.ONSITE
    assert AuditLog.objects.get(action="onsite_reopen").note == "第3项需复核"


def test_reopen_needs_a_reason(client, cast):
    finalised(cast)
    client.force_login(cast.alice)
    response = client.post(reopen_url(cast), {"reason": ""})
    assert response.status_code == 400 and "请填写重新打开的原因" in response.content.decode()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.FINALISED


@pytest.mark.parametrize("who, status", [("bob", 403), ("carol", 403), ("eve", 404)])
def test_only_the_admin_reopens(client, cast, who, status):
    finalised(cast)
    client.force_login(getattr(cast, who))
    assert client.post(reopen_url(cast), {"reason": "复核"}).status_code == status
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.FINALISED
    assert not AuditLog.objects.filter(action="onsite_reopen").exists()


def test_no_reopen_form_for_a_published_assessment(client, cast):
    """Before: the form was offered and refused only after it was submitted."""
    from assessment.models import Assessment, Phase, Round, Status

    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE)
    Assessment.objects.filter(pk=cast.assessment.pk).update(status=Status.PUBLISHED)
    client.force_login(cast.alice)
    response = client.get(reopen_url(cast))
    html = response.content.decode()
    assert response.status_code == 403 and "考评结果已通报，不能重新打开" in html and 'name="reason"' not in html
