"""Moving a round on: the confirmation page (GET /rounds/<pk>/phase/next/) names what is not
done; POST /rounds/<pk>/phase/ moves it on only when confirmed."""

import datetime

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Phase, Status
from decimal import Decimal

from assessment.services.selfeval import self_score_record


def url(cast):
    return reverse("round-phase-set", args=[cast.round.pk])


def confirm_url(cast):
    return reverse("round-phase-confirm", args=[cast.round.pk])


def test_the_confirmation_names_the_unsubmitted_branches_and_the_days_left(client, cast):
    client.force_login(cast.alice)
    html = client.get(confirm_url(cast)).content.decode()
    assert "进入现场考评阶段" in html
    assert "距今还有 10 天" in html
    assert "2 个支部尚未提交自评（其中 2 个尚未开始）" in html
    assert "化峪村" in html and "西段村" in html and 'name="confirm"' in html


def test_unconfirmed_post_changes_nothing(client, cast):
    client.force_login(cast.alice)
    response = client.post(url(cast), {"phase": Phase.ONSITE, "all": "skip"})
    assert response.status_code == 302 and response.url == confirm_url(cast)
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.SELF and not AuditLog.objects.filter(action="round_phase").exists()


def test_a_branch_without_a_choice_is_named_and_nothing_changes(client, cast):
    client.force_login(cast.alice)
    response = client.post(url(cast), {"phase": Phase.ONSITE, "confirm": "1",
                                       f"arrange-{cast.assessment.pk}": "skip",
                                       f"arrange-{cast.assessment2.pk}": ""}, follow=True)
    assert "还有 1 个支部未提交自评（西段村）" in response.content.decode()
    cast.round.refresh_from_db()
    cast.assessment.refresh_from_db()
    assert cast.round.phase == Phase.SELF and cast.assessment.status == Status.NOT_STARTED


def test_admin_moves_on_choosing_per_branch(client, cast):
    item = cast.standard.items.order_by("number").first()
    self_score_record(assessment=cast.assessment, item=item, actor=cast.carol, score=Decimal("1"), note="")  # started
    client.force_login(cast.alice)
    until = datetime.date.today() + datetime.timedelta(days=3)
    response = client.post(url(cast), {"phase": Phase.ONSITE, "confirm": "1", "all": "skip", "until": until.isoformat(),
                                       f"arrange-{cast.assessment.pk}": "late",
                                       f"arrange-{cast.assessment2.pk}": ""})
    assert response.status_code == 302 and response.url == reverse("round-detail", args=[cast.round.pk])
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.ONSITE
    a1, a2 = (cast.round.assessments.get(pk=a.pk) for a in (cast.assessment, cast.assessment2))
    assert (a1.status, a1.self_late, a1.self_deadline) == (Status.SELF, True, until)
    assert (a2.status, a2.self_late) == (Status.NO_SELF, False)
    html = client.get(response.url).content.decode()
    assert "考核批次已进入“现场考评阶段”" in html and "延长自评 <b>1</b>" in html and "未自评 <b>1</b>" in html
    assert AuditLog.objects.filter(action="round_phase", new_value=Phase.ONSITE).exists()
    assert AuditLog.objects.filter(action="self_skip", assessment=a2).exists()


def test_a_refused_step_is_told(client, cast):
    client.force_login(cast.alice)
    response = client.post(url(cast), {"phase": Phase.NOTICE, "confirm": "1"}, follow=True)
    assert "发布通报后自动进入通报整改阶段" in response.content.decode()
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.SELF


@pytest.mark.parametrize("who, status", [("bob", 403), ("carol", 403), ("eve", 404)])
def test_only_the_admin(client, cast, who, status):
    client.force_login(getattr(cast, who))
    assert client.post(url(cast), {"phase": Phase.ONSITE, "confirm": "1", "all": "skip"}).status_code == status
    assert client.get(confirm_url(cast)).status_code == status
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.SELF


def test_rejects_get(client, cast):
    client.force_login(cast.alice)
    assert client.get(url(cast)).status_code == 405
