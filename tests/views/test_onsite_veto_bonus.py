"""一票否决 and 加分项 on the on-site page: record/remove a veto finding, approve/reject a claim."""

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Bonus, BonusClaim, Phase, Round, Status, Veto, VetoFinding
from tests.test_services_onsite import onsite_ready


def veto_url(cast):
    return reverse("onsite-veto-save", args=[cast.assessment.pk, Veto.objects.get(standard=cast.standard).pk])


def claim(cast):
    return BonusClaim.objects.create(assessment=cast.assessment, bonus=Bonus.objects.get(standard=cast.standard),
                                     note="获评县级五星支部")


def bonus_url(cast, c):
    return reverse("onsite-bonus-decide", args=[cast.assessment.pk, c.pk])


def scoring(cast):
    return reverse("onsite-scoring", args=[cast.assessment.pk])


def test_records_and_removes_a_veto_finding(client, cast):
    onsite_ready(cast)
    client.force_login(cast.bob)
    response = client.post(veto_url(cast), {"action": "add", "note": "发展党员程序造假"})
    assert response.status_code == 302 and response.url == scoring(cast) + "#vetoes"
    finding = VetoFinding.objects.get()
    assert finding.note == "发展党员程序造假" and finding.recorded_by == cast.bob
    html = client.get(scoring(cast)).content.decode()
    assert "已记录否决情形" in html and "发展党员程序造假" in html and "等次为不合格" in html
    client.post(veto_url(cast), {"action": "remove"})
    assert not VetoFinding.objects.exists()
    assert list(AuditLog.objects.filter(action__startswith="onsite_veto").values_list("action", flat=True)
                .order_by("pk")) == ["onsite_veto_add", "onsite_veto_remove"]


def test_a_veto_needs_a_note(client, cast):
    onsite_ready(cast)
    client.force_login(cast.bob)
    response = client.post(veto_url(cast), {"action": "add", "note": ""}, follow=True)
    assert "请填写否决情形的情况说明" in response.content.decode()
    assert not VetoFinding.objects.exists()
    assert not AuditLog.objects.filter(assessment=cast.assessment).exists()


def test_veto_refused_when_finalised_with_403(client, cast):
    onsite_ready(cast)
    cast.assessment.status = Status.FINALISED
    cast.assessment.save()
    client.force_login(cast.bob)
    response = client.post(veto_url(cast), {"action": "add", "note": "有"})
    assert response.status_code == 403 and "已考评完成" in response.content.decode()
    assert not VetoFinding.objects.exists()


@pytest.mark.parametrize("who, status", [("carol", 403), ("eve", 404), ("frank", 404)])
def test_veto_ownership(client, cast, who, status):
    onsite_ready(cast)
    client.force_login(getattr(cast, who))
    assert client.post(veto_url(cast), {"action": "add", "note": "有"}).status_code == status
    assert not VetoFinding.objects.exists()


def test_veto_rejects_get(client, cast):
    client.force_login(cast.bob)
    assert client.get(veto_url(cast)).status_code == 405


def test_approves_and_rejects_a_bonus_claim(client, cast):
    onsite_ready(cast)
    c = claim(cast)
    client.force_login(cast.bob)
    html = client.get(scoring(cast)).content.decode()
    assert "获评县级五星支部" in html and bonus_url(cast, c) in html
    response = client.post(bonus_url(cast, c), {"decision": "approved", "note": ""})
    assert response.status_code == 302 and response.url == scoring(cast) + "#bonuses"
    c.refresh_from_db()
    assert c.decision == BonusClaim.Decision.APPROVED
    html = client.get(scoring(cast)).content.decode()
    assert '<strong id="onsite-bonus">2</strong>' in html and "上限 5 分" in html
    client.post(bonus_url(cast, c), {"decision": "rejected", "note": "证书不在考核年度"})
    c.refresh_from_db()
    assert (c.decision, c.decision_note) == (BonusClaim.Decision.REJECTED, "证书不在考核年度")
    assert AuditLog.objects.filter(action="onsite_bonus").count() == 2


def test_rejecting_needs_a_note(client, cast):
    onsite_ready(cast)
    c = claim(cast)
    client.force_login(cast.bob)
    response = client.post(bonus_url(cast, c), {"decision": "rejected", "note": ""}, follow=True)
    assert "请填写认定意见" in response.content.decode()
    c.refresh_from_db()
    assert c.decision == BonusClaim.Decision.CLAIMED


def test_bonus_refused_in_the_wrong_phase(client, cast):
    onsite_ready(cast)
    c = claim(cast)
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.SELF)
    client.force_login(cast.bob)
    response = client.post(bonus_url(cast, c), {"decision": "approved"})
    assert response.status_code == 403 and "不在现场考评阶段" in response.content.decode()
    c.refresh_from_db()
    assert c.decision == BonusClaim.Decision.CLAIMED


@pytest.mark.parametrize("who, status", [("carol", 403), ("eve", 404)])
def test_bonus_ownership_and_get(client, cast, who, status):
    onsite_ready(cast)
    c = claim(cast)
    client.force_login(getattr(cast, who))
    assert client.post(bonus_url(cast, c), {"decision": "approved"}).status_code == status
    client.force_login(cast.bob)
    assert client.get(bonus_url(cast, c)).status_code == 405
    c.refresh_from_db()
    assert c.decision == BonusClaim.Decision.CLAIMED
