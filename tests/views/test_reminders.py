"""Reminders to finish the self-evaluation: POST /rounds/<pk>/self/remind/."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Message, Phase, Score, Status
from assessment.services.base import ServiceError
from assessment.services.reminders import self_reminders_send
from django.utils.formats import date_format


def remind_url(round):
    return reverse("selfeval-remind", kwargs={"pk": round.pk})


@pytest.fixture
def mails(cast):
    cast.carol.email = "carol@example.com"
    cast.carol.save()
    cast.frank.email = "frank@example.com"
    cast.frank.save()  # dave has no e-mail address
    return cast


def test_admin_reminds_the_selected_branches(client, mails, mailoutbox, django_capture_on_commit_callbacks):
    cast = mails
    ids = list(Score.objects.filter(assessment=cast.assessment).order_by("item__number").values_list("pk", flat=True)[:5])
    Score.objects.filter(pk__in=ids).update(self_score=Decimal("1"))
    client.force_login(cast.alice)
    # to many: first the question with the count, nothing sent
    html = client.post(remind_url(cast.round), {"branch": [cast.branch.pk, cast.branch2.pk]}).content.decode()
    assert "将向 2 个支部的支部书记发送自评提醒" in html and "化峪村、西段村" in html and "确认发送 2 条提醒" in html
    assert 'name="confirm" value="1"' in html and not Message.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remind_url(cast.round), {"branch": [cast.branch.pk, cast.branch2.pk], "confirm": "1"},
                               follow=True)
    assert response.redirect_chain[-1][0] == reverse("selfeval-overview", kwargs={"pk": cast.round.pk})
    assert "已向 2 个支部发送提醒" in response.content.decode()

    carol = Message.objects.get(user=cast.carol)
    assert cast.round.name in carol.text
    assert date_format(cast.round.self_end) in carol.text
    assert "5/12" in carol.text
    assert carol.link == f"/assessments/{cast.assessment.pk}/self/"
    assert carol.read_at is None
    assert "0/12" in Message.objects.get(user=cast.dave).text
    assert Message.objects.count() == 2

    assert len(mailoutbox) == 1  # dave has no e-mail address
    mail = mailoutbox[0]
    assert mail.to == ["carol@example.com"]
    assert cast.round.name in mail.subject
    assert f"http://testserver/assessments/{cast.assessment.pk}/self/" in mail.body

    audit = AuditLog.objects.filter(action="reminder")
    assert {a.assessment_id for a in audit} == {cast.assessment.pk, cast.assessment2.pk}
    assert all(a.actor == cast.alice for a in audit)


def test_only_the_selected_branches(client, mails, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(mails.alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(remind_url(mails.round), {"branch": [mails.branch2.pk]})
    assert list(Message.objects.values_list("user__username", flat=True)) == ["dave"]
    assert mailoutbox == []


def test_a_branch_of_another_township_is_never_messaged(client, mails, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(mails.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            remind_url(mails.round), {"branch": [mails.other_branch.pk, mails.branch.pk, "x"]}, follow=True
        )
    assert "已向 1 个支部发送提醒" in response.content.decode()
    assert not Message.objects.filter(user=mails.frank).exists()
    assert [m.to for m in mailoutbox] == [["carol@example.com"]]


def test_only_another_townships_branch_is_refused(client, mails, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(mails.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remind_url(mails.round), {"branch": [mails.other_branch.pk]}, follow=True)
    assert "所选党支部不在本考核批次中" in response.content.decode()
    assert Message.objects.count() == 0 and mailoutbox == []


def test_nothing_selected(client, mails):
    client.force_login(mails.alice)
    response = client.post(remind_url(mails.round), {}, follow=True)
    assert "请至少选择一个党支部" in response.content.decode()
    assert Message.objects.count() == 0


def test_submitted_branches_are_skipped(client, mails):
    mails.assessment2.status = Status.SUBMITTED
    mails.assessment2.save()
    client.force_login(mails.alice)
    response = client.post(remind_url(mails.round), {"branch": [mails.branch.pk, mails.branch2.pk]}, follow=True)
    assert "已向 1 个支部发送提醒" in response.content.decode()
    assert "1 个已提交的支部未提醒" in response.content.decode()
    assert not Message.objects.filter(user=mails.dave).exists()


def test_returned_branch_with_extended_deadline(client, mails):
    mails.assessment.status, mails.assessment.returned_reason = Status.SELF, "请补充材料"
    mails.assessment.self_deadline = mails.round.self_end + datetime.timedelta(days=7)
    mails.assessment.save()
    client.force_login(mails.alice)
    client.post(remind_url(mails.round), {"branch": [mails.branch.pk]})
    assert date_format(mails.assessment.self_deadline) in Message.objects.get(user=mails.carol).text


def test_outside_the_self_phase_is_refused(client, mails):
    mails.round.phase = Phase.ONSITE
    mails.round.save()
    client.force_login(mails.alice)
    response = client.post(remind_url(mails.round), {"branch": [mails.branch.pk]})
    assert response.status_code == 403 and "自评阶段已结束" in response.content.decode()
    assert Message.objects.count() == 0


def test_redirect_keeps_sort_and_filter(client, mails):
    client.force_login(mails.alice)
    response = client.post(remind_url(mails.round), {"branch": [mails.branch.pk], "sort": "-total", "status": "bad"})
    assert response["Location"] == reverse("selfeval-overview", kwargs={"pk": mails.round.pk}) + "?sort=-total"


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_assessor_and_secretary_get_403(client, mails, who):
    client.force_login(getattr(mails, who))
    response = client.post(remind_url(mails.round), {"branch": [mails.branch.pk]})
    assert response.status_code == 403
    assert "只有镇党委管理员可以发送自评提醒" in response.content.decode()
    assert Message.objects.count() == 0


def test_another_townships_admin_gets_404(client, mails):
    client.force_login(mails.eve)
    response = client.post(remind_url(mails.round), {"branch": [mails.branch.pk]})
    assert response.status_code == 404
    assert Message.objects.count() == 0


def test_get_is_405(client, mails):
    client.force_login(mails.alice)
    assert client.get(remind_url(mails.round)).status_code == 405


def test_service_refuses_an_admin_of_another_township(mails):
    with pytest.raises(ServiceError):
        self_reminders_send(round=mails.round, actor=mails.eve, branch_ids=[mails.branch.pk])
    assert Message.objects.count() == 0


def test_mail_is_sent_only_after_commit(mails, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = self_reminders_send(round=mails.round, actor=mails.alice, branch_ids=[mails.branch.pk])
    assert (result.branches, result.messages, result.emails) == (1, 1, 1)
    assert mailoutbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
