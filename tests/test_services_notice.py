import datetime
import re
from decimal import Decimal

import pytest

from assessment.models import (
    AuditLog, Item, Message, Phase, Rectification, RectificationStatus, Round, Score, Status,
)
from assessment.services.base import ServiceError
from assessment.services.notice import (
    notice_publish, rectification_draft_add, rectification_draft_remove, rectification_draft_update,
    rectifications_propose,
)
from assessment.services.rounds import round_prepare
from tests.conftest import make_standard
from assessment.services.rectifications import (
    rectification_report, rectification_return, rectification_verify,
)

NUMBER = "化党发〔2026〕3号"


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


def in_days(days):
    return datetime.date.today() + datetime.timedelta(days=days)


def add(c, **changes):
    """rectification_draft_add for 化峪村 by alice, a general problem unless `item` is given."""
    values = dict(round=c.round, actor=c.alice, assessment=c.assessment, item=None, problem="党员活动室制度未上墙",
                  requirement="制度上墙并拍照留档", deadline=in_days(15), responsible="")
    values.update(changes)
    return rectification_draft_add(**values)


def drafts_and_audit():
    return (list(Rectification.objects.order_by("pk").values_list("assessment_id", "item_id", "problem", "status")),
            AuditLog.objects.count())


def test_add_a_draft_of_an_item(finalised):
    item = Item.objects.get(standard=finalised.standard, number=3)
    r = add(finalised, item=item, problem="  台账不全  ", requirement="补齐台账", deadline=in_days(10))
    r = Rectification.objects.get(pk=r.pk)
    assert (r.assessment, r.item, r.problem, r.requirement, r.deadline, r.status) == (
        finalised.assessment, item, "台账不全", "补齐台账", in_days(10), RectificationStatus.DRAFT)
    assert r.responsible == "carol"  # left empty: the branch's secretary, as the proposer does
    log = AuditLog.objects.get(action="rectification_draft_add")
    assert (log.actor, log.assessment, log.item, log.new_value) == (finalised.alice, finalised.assessment, item, "台账不全")


def test_add_general_problems_of_a_branch(finalised):
    first = add(finalised, assessment=finalised.assessment2, responsible="张三" * 60)
    second = add(finalised, assessment=finalised.assessment2, problem="党员发展程序不规范")
    assert Rectification.objects.filter(assessment=finalised.assessment2, item=None).count() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.responsible, second.responsible) == ("张三" * 50, "dave")
    assert first.status == second.status == RectificationStatus.DRAFT
    assert AuditLog.objects.filter(action="rectification_draft_add", item=None).count() == 2


def _other_round(c):
    round = Round.objects.create(township=c.township, standard=c.standard, name="2025年度考核", year=2025,
                                 phase=Phase.ONSITE)
    round_prepare(round=round)
    round.assessments.update(status=Status.FINALISED)
    return round.assessments.get(branch=c.branch)


def _unfinalised(c):
    c.assessment2.status = Status.ONSITE
    c.assessment2.save()
    return {"assessment": c.assessment2}


def _published(c):
    notice_publish(round=c.round, actor=c.alice, number=NUMBER)
    return {}


def _before_onsite(c):
    Round.objects.filter(pk=c.round.pk).update(phase=Phase.SELF)
    return {}


REFUSALS = {
    "empty problem": (lambda c: {"problem": "  "}, "存在问题和整改要求都不能为空"),
    "empty requirement": (lambda c: {"requirement": ""}, "存在问题和整改要求都不能为空"),
    "too long": (lambda c: {"problem": "问" * 2001}, "不能超过 2000 字"),
    "past deadline": (lambda c: {"deadline": in_days(-1)}, "整改时限不能早于今天"),
    "no deadline": (lambda c: {"deadline": None}, "整改时限不能早于今天"),
    "no branch": (lambda c: {"assessment": None}, "请选择本批次考核的党支部"),
    "another township's branch": (lambda c: {"assessment": c.other_assessment}, "请选择本批次考核的党支部"),
    "another round's branch": (lambda c: {"assessment": _other_round(c)}, "请选择本批次考核的党支部"),
    "another standard's item": (lambda c: {"item": make_standard("另一标准").items.first()}, "请选择本批次考核标准"),
    "an item already listed": (lambda c: {"item": Item.objects.get(standard=c.standard, number=1)},
                               "化峪村的第 1 项已列入整改事项"),
    "an unfinalised branch": (_unfinalised, "西段村尚未完成现场考评（当前为“考评中”）"),
    "after publication": (_published, "通报已于"),
    "before the on-site phase": (_before_onsite, "现场考评开始后才能准备通报"),
    "the assessor": (lambda c: {"actor": c.bob}, "只有本镇党委管理员"),
    "a secretary": (lambda c: {"actor": c.carol}, "只有本镇党委管理员"),
    "another township's admin": (lambda c: {"actor": c.eve}, "只有本镇党委管理员"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_add_refusals_change_nothing(finalised, case):
    rectifications_propose(round=finalised.round, actor=finalised.alice)  # item 1 of 化峪村 is listed
    changes, message = REFUSALS[case]
    changes = changes(finalised)
    before = drafts_and_audit()
    with pytest.raises(ServiceError, match=message):
        add(finalised, **changes)
    assert drafts_and_audit() == before


def test_publish_needs_every_branch_finalised(finalised):
    finalised.assessment2.status = Status.ONSITE
    finalised.assessment2.save()
    with pytest.raises(ServiceError, match="西段村"):
        notice_publish(round=finalised.round, actor=finalised.alice, number=NUMBER)
    finalised.round.refresh_from_db()
    assert finalised.round.published_at is None and finalised.round.phase == Phase.ONSITE


def test_publish_opens_rectification(finalised):
    rectifications_propose(round=finalised.round, actor=finalised.alice)
    notice_publish(round=finalised.round, actor=finalised.alice, text="通报如下", number=NUMBER)
    finalised.round.refresh_from_db()
    assert finalised.round.phase == Phase.NOTICE and finalised.round.published_by == finalised.alice
    assert set(finalised.round.assessments.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert Rectification.objects.get().status == RectificationStatus.PENDING
    assert Message.objects.filter(user=finalised.carol).exists()
    with pytest.raises(ServiceError, match="已于"):
        notice_publish(round=finalised.round, actor=finalised.alice, number=NUMBER)


def test_publish_makes_a_draft_added_by_hand_pending(finalised):
    r = add(finalised, assessment=finalised.assessment2)
    notice_publish(round=finalised.round, actor=finalised.alice, number=NUMBER)
    r.refresh_from_db()
    assert r.status == RectificationStatus.PENDING


@pytest.mark.parametrize("typed", [
    "化党发〔2026〕3号", " 化党发[2026]3号 ", "化党发［２０２６］３号", "化党发（2026）03号", "化党发 (2026) 3 号",
])
def test_publish_writes_the_number_the_one_way(finalised, typed):
    notice_publish(round=finalised.round, actor=finalised.alice, number=typed)
    assert Round.objects.get(pk=finalised.round.pk).notice_number == "化党发〔2026〕3号"
    assert "文号 化党发〔2026〕3号" in AuditLog.objects.get(action="notice_publish").note


def published_nothing(round):
    round = Round.objects.get(pk=round.pk)
    return (round.published_at is None and round.phase == Phase.ONSITE and round.notice_number == ""
            and not AuditLog.objects.filter(action="notice_publish").exists()
            and not round.assessments.filter(status=Status.PUBLISHED).exists() and not Message.objects.exists())


@pytest.mark.parametrize("typed, message", [
    ("", "请填写文号（例如：化党发〔2026〕3号）后再发布。"),
    ("   ", "请填写文号"),
    ("化党发3号", "文号“化党发3号”的写法不对"),
    ("〔2026〕3号", "写法不对"),
    ("化党发〔26〕3号", "写法不对"),
    ("化党发〔2026〕0号", "写法不对"),
    ("化党发〔2026〕三号", "写法不对"),
    ("化党发〔2026〕3", "写法不对"),
    ("化" * 51, "文号不能超过 50 个字"),
])
def test_publish_refuses_a_missing_or_misshapen_number(finalised, typed, message):
    rectifications_propose(round=finalised.round, actor=finalised.alice)
    with pytest.raises(ServiceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        notice_publish(round=finalised.round, actor=finalised.alice, number=typed)
    assert published_nothing(finalised.round)
    assert Rectification.objects.get().status == RectificationStatus.DRAFT


def test_a_number_is_used_once_in_a_township(finalised):
    Round.objects.filter(pk=finalised.other_round.pk).update(notice_number="化党发〔2026〕4号")  # another township's
    earlier = Round.objects.create(township=finalised.round.township, standard=finalised.round.standard,
                                   name="2025年度考核", year=2025, phase=Phase.ARCHIVED, notice_number=NUMBER)
    with pytest.raises(ServiceError, match="文号 化党发〔2026〕3号 已用于“2025年度考核”的通报"):
        notice_publish(round=finalised.round, actor=finalised.alice, number="化党发[2026]3号")
    assert published_nothing(finalised.round)
    notice_publish(round=finalised.round, actor=finalised.alice, number="化党发〔2026〕4号")
    assert Round.objects.get(pk=finalised.round.pk).notice_number == "化党发〔2026〕4号"
    assert earlier.notice_number == NUMBER


@pytest.fixture
def published(finalised):
    rectifications_propose(round=finalised.round, actor=finalised.alice)
    notice_publish(round=finalised.round, actor=finalised.alice, number=NUMBER)
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
