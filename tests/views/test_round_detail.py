"""The round's page (GET /rounds/<pk>/): its path with the counts of each step, the way on,
and the step back with a reason (POST /rounds/<pk>/phase/back/)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import AuditLog, Message, Phase, Rectification, RectificationStatus, Round, Score, Status
from assessment.services.base import ServiceError
from assessment.services.rounds import round_phase_back, self_evaluation_skip


def url(cast):
    return reverse("round-detail", args=[cast.round.pk])


def back_url(cast):
    return reverse("round-phase-back", args=[cast.round.pk])


def test_the_path_with_the_counts(client, cast, django_assert_num_queries):
    cast.assessment.status, cast.assessment.submitted_at = Status.SUBMITTED, timezone.now()
    cast.assessment.save()
    client.force_login(cast.alice)
    with django_assert_num_queries(7):  # session, user, round, three counts, navbar's unread messages
        html = client.get(url(cast)).content.decode()
    for step in ("1. 准备", "2. 自评", "3. 现场考评", "4. 通报整改", "5. 归档"):
        assert step in html
    assert "已提交 <b>1/2</b>" in html and "考评完成 <b>0/2</b>" in html
    assert 'round-step-current" aria-current="step"' in html
    assert reverse("round-phase-confirm", args=[cast.round.pk]) in html and "进入现场考评阶段" in html


def test_the_counts_of_the_rectification_step(client, cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE, published_at=timezone.now())
    today = timezone.localdate()
    for deadline, status in ((today - datetime.timedelta(days=1), RectificationStatus.PENDING),   # 逾期
                             (today - datetime.timedelta(days=1), RectificationStatus.REPORTED),  # 待核验, not 逾期
                             (today, RectificationStatus.CLOSED)):
        Rectification.objects.create(assessment=cast.assessment, problem="问题", requirement="要求",
                                     deadline=deadline, status=status)
    client.force_login(cast.bob)
    html = client.get(url(cast)).content.decode()
    assert "整改 <b>3</b>" in html and "已销号 <b>1</b>" in html and "待核验 <b>1</b>" in html and "逾期 <b>1</b>" in html
    assert "退回" not in html  # the assessor does not change the phase


@pytest.mark.parametrize("who, status", [("carol", 403), ("eve", 404)])
def test_checks_who(client, cast, who, status):
    client.force_login(getattr(cast, who))
    assert client.get(url(cast)).status_code == status


def test_back_from_self_while_nobody_started(client, cast):
    client.force_login(cast.alice)
    html = client.get(url(cast)).content.decode()
    assert "退回“准备”" in html and 'name="reason"' in html
    response = client.post(back_url(cast), {"reason": "自评日期填错"})
    assert response.status_code == 302
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.PREPARATION
    log = AuditLog.objects.get(action="round_phase_back")
    assert (log.actor, log.old_value, log.new_value, log.note) == (cast.alice, Phase.SELF, Phase.PREPARATION, "自评日期填错")


def test_no_back_once_a_branch_started_the_phase(client, cast):
    Score.objects.filter(assessment=cast.assessment).update(self_score=1)
    cast.assessment.status = Status.SELF
    cast.assessment.save()
    client.force_login(cast.alice)
    assert "已有 1 个支部开始自评，不能退回准备阶段" in client.get(url(cast)).content.decode()
    response = client.post(back_url(cast), {"reason": "误操作"})
    assert response.status_code == 403 and "已有 1 个支部开始自评" in response.content.decode()
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.SELF and not AuditLog.objects.filter(action="round_phase_back").exists()


def test_back_needs_a_reason(cast):
    with pytest.raises(ServiceError, match="请填写退回上一阶段的原因"):
        round_phase_back(round=cast.round, actor=cast.alice, reason=" ")
    with pytest.raises(ServiceError, match="只有本镇党委管理员"):
        round_phase_back(round=cast.round, actor=cast.bob, reason="误操作")


def test_back_from_onsite_gives_unsubmitted_branches_their_self_evaluation_again(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    cast.round.refresh_from_db()
    cast.assessment.refresh_from_db()
    self_evaluation_skip(assessment=cast.assessment, actor=cast.alice)
    assert cast.assessment.status == Status.NO_SELF
    round_phase_back(round=cast.round, actor=cast.alice, reason="自评时间不够")
    cast.assessment.refresh_from_db()
    assert cast.round.phase == Phase.SELF and cast.assessment.status == Status.NOT_STARTED


def test_no_back_from_onsite_once_scored(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    cast.round.refresh_from_db()
    Score.objects.filter(assessment=cast.assessment, item__number=1).update(onsite_score=Decimal("1"))
    with pytest.raises(ServiceError, match="已有 1 个支部开始现场考评"):
        round_phase_back(round=cast.round, actor=cast.alice, reason="误操作")


def test_back_from_the_notice_withdraws_it_until_a_report(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE, published_at=timezone.now())
    cast.round.assessments.update(status=Status.PUBLISHED)
    item = Rectification.objects.create(assessment=cast.assessment, problem="问题", requirement="要求",
                                        deadline=timezone.localdate(), status=RectificationStatus.PENDING)
    round_phase_back(round=cast.round, actor=cast.alice, reason="通报有误")
    cast.round.refresh_from_db()
    item.refresh_from_db()
    assert (cast.round.phase, cast.round.published_at) == (Phase.ONSITE, None)
    assert set(cast.round.assessments.values_list("status", flat=True)) == {Status.FINALISED}
    assert item.status == RectificationStatus.DRAFT
    assert Message.objects.filter(user=cast.carol, text__contains="通报已撤回").exists()


def test_skip_is_for_the_onsite_phase(cast):
    with pytest.raises(ServiceError, match="现场考评阶段才能"):
        self_evaluation_skip(assessment=cast.assessment, actor=cast.alice)
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED
