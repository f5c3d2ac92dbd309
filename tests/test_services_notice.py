import datetime
from decimal import Decimal

import pytest

from assessment.models import (
    AuditLog, Message, Phase, Rectification, RectificationStatus, Score, Status,
)
from assessment.services.base import ServiceError
from assessment.services.notice import (
    notice_publish, rectification_draft_remove, rectification_draft_update, rectifications_propose,
)
from assessment.services.rectifications import (
    rectification_report, rectification_return, rectification_verify,
)


@pytest.fixture
def finalised(cast):
    """Both branches of the round scored on site and finalised; item 1 of 化峪村 marked for rectification."""
    cast.round.phase = Phase.ONSITE
    cast.round.save()
    Score.objects.filter(assessment__round=cast.round).update(self_score=Decimal("2"), onsite_score=Decimal("2"))
    Score.objects.filter(assessment=cast.assessment, item__number=1).update(
        onsite_score=Decimal("1"), deduction_reason="换届材料不全", needs_rectification=True, requirement="补齐换届材料")
    Score.objects.filter(assessment=cast.assessment2, item__number=2).update(
        onsite_score=Decimal("1.5"), deduction_reason="")
    cast.round.assessments.update(status=Status.FINALISED)
    return cast


def test_propose_marked_items(finalised):
    assert rectifications_propose(round=finalised.round, actor=finalised.alice) == 1
    r = Rectification.objects.get()
    assert (r.problem, r.requirement, r.status, r.responsible) == ("换届材料不全", "补齐换届材料", RectificationStatus.DRAFT, "carol")
    assert r.deadline > datetime.date.today()
    # Again: nothing doubles.
    assert rectifications_propose(round=finalised.round, actor=finalised.alice) == 0


def test_propose_every_deduction_by_the_switch(finalised):
    assert rectifications_propose(round=finalised.round, actor=finalised.alice, include_deductions=True) == 2
    other = Rectification.objects.get(assessment=finalised.assessment2)
    assert "扣0.5分" in other.problem


def test_only_the_township_admin_proposes(finalised):
    for who in (finalised.bob, finalised.carol, finalised.eve):
        with pytest.raises(ServiceError):
            rectifications_propose(round=finalised.round, actor=who)
    assert not Rectification.objects.exists()


def test_edit_and_remove_a_draft(finalised):
    rectifications_propose(round=finalised.round, actor=finalised.alice)
    r = Rectification.objects.get()
    deadline = datetime.date.today() + datetime.timedelta(days=10)
    rectification_draft_update(rectification=r, actor=finalised.alice, problem="问题", requirement="要求",
                               deadline=deadline, responsible="张三")
    r.refresh_from_db()
    assert (r.problem, r.deadline, r.responsible) == ("问题", deadline, "张三")
    assert AuditLog.objects.filter(action="rectification_draft", field="problem", new_value="问题").exists()
    with pytest.raises(ServiceError, match="不能早于今天"):
        rectification_draft_update(rectification=r, actor=finalised.alice, problem="x", requirement="y",
                                   deadline=datetime.date.today() - datetime.timedelta(days=1), responsible="")
    rectification_draft_remove(rectification=r, actor=finalised.alice)
    assert not Rectification.objects.exists()


def test_publish_needs_every_branch_finalised(finalised):
    finalised.assessment2.status = Status.ONSITE
    finalised.assessment2.save()
    with pytest.raises(ServiceError, match="西段村"):
        notice_publish(round=finalised.round, actor=finalised.alice)
    finalised.round.refresh_from_db()
    assert finalised.round.published_at is None and finalised.round.phase == Phase.ONSITE


def test_publish_opens_rectification(finalised):
    rectifications_propose(round=finalised.round, actor=finalised.alice)
    notice_publish(round=finalised.round, actor=finalised.alice, text="通报如下")
    finalised.round.refresh_from_db()
    assert finalised.round.phase == Phase.NOTICE and finalised.round.published_by == finalised.alice
    assert set(finalised.round.assessments.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert Rectification.objects.get().status == RectificationStatus.PENDING
    assert Message.objects.filter(user=finalised.carol).exists()
    with pytest.raises(ServiceError, match="已于"):
        notice_publish(round=finalised.round, actor=finalised.alice)


@pytest.fixture
def published(finalised):
    rectifications_propose(round=finalised.round, actor=finalised.alice)
    notice_publish(round=finalised.round, actor=finalised.alice)
    finalised.rect = Rectification.objects.get()
    return finalised


def test_report_return_report_verify(published):
    r = published.rect
    with pytest.raises(ServiceError, match="请填写整改措施"):
        rectification_report(rectification=r, actor=published.carol, measures="  ")
    rectification_report(rectification=r, actor=published.carol, measures="已补齐材料")
    r.refresh_from_db()
    assert r.status == RectificationStatus.REPORTED and r.reported_at
    with pytest.raises(ServiceError, match="退回原因"):
        rectification_return(rectification=r, actor=published.alice, reason="")
    rectification_return(rectification=r, actor=published.alice, reason="缺少批复")
    r.refresh_from_db()
    assert r.status == RectificationStatus.PENDING and r.returned_reason == "缺少批复"
    rectification_report(rectification=r, actor=published.carol, measures="补齐批复")
    rectification_verify(rectification=r, actor=published.alice, note="核验通过")
    r.refresh_from_db()
    assert r.status == RectificationStatus.CLOSED and r.verified_by == published.alice
    actions = list(AuditLog.objects.filter(item=r.item, action__startswith="rectification_").order_by("id")
                   .values_list("action", flat=True))
    assert actions[-4:] == ["rectification_report", "rectification_return", "rectification_report", "rectification_verify"]


def test_refusals(published):
    r = published.rect
    with pytest.raises(ServiceError, match="只有本支部书记"):
        rectification_report(rectification=r, actor=published.dave, measures="x")
    with pytest.raises(ServiceError, match="已报告整改"):
        rectification_verify(rectification=r, actor=published.alice)
    rectification_report(rectification=r, actor=published.carol, measures="x")
    with pytest.raises(ServiceError, match="只有镇党委管理员"):
        rectification_verify(rectification=r, actor=published.carol)
    with pytest.raises(ServiceError, match="只有镇党委管理员"):
        rectification_verify(rectification=r, actor=published.eve)
    r.refresh_from_db()
    assert r.status == RectificationStatus.REPORTED


def test_overdue(published):
    r = published.rect
    r.deadline = datetime.date.today() - datetime.timedelta(days=1)
    assert r.is_overdue()
    r.status = RectificationStatus.CLOSED
    assert not r.is_overdue()
