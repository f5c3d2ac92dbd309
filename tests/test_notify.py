"""Everyone is told: the admin when a branch submits and when a rectification is reported; the
secretary when an item is closed or returned; one person once a day about one thing."""

import datetime

from django.utils import timezone

from assessment.models import Message, Phase, Rectification, RectificationStatus, Round, Score, Status
from assessment.services.notify import notify
from assessment.services.rectifications import rectification_report, rectification_return, rectification_verify
from assessment.services.selfeval import self_evaluation_submit


def test_the_admin_is_told_when_a_branch_submits(cast):
    Score.objects.filter(assessment=cast.assessment).update(self_score=1)
    self_evaluation_submit(assessment=cast.assessment, actor=cast.carol)
    message = Message.objects.get(user=cast.alice)
    assert message.text == "2026年度规范化建设考核验收：化峪村已提交自评。"
    assert not Message.objects.filter(user=cast.eve).exists()


def test_rectification_steps_are_told(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE, published_at=timezone.now())
    cast.round.assessments.update(status=Status.PUBLISHED)
    r = Rectification.objects.create(assessment=cast.assessment, problem="会议记录不全", requirement="补齐",
                                     deadline=timezone.localdate() + datetime.timedelta(days=5),
                                     status=RectificationStatus.PENDING)
    rectification_report(rectification=r, actor=cast.carol, measures="已补齐")
    assert Message.objects.get(user=cast.alice).text == "化峪村报告了整改情况，待核验：会议记录不全"
    rectification_return(rectification=r, actor=cast.alice, reason="不够具体")
    assert "整改事项被退回" in Message.objects.get(user=cast.carol).text
    rectification_report(rectification=r, actor=cast.carol, measures="补充了会议记录")
    assert Message.objects.filter(user=cast.alice).count() == 1  # the same item again today: told once
    rectification_verify(rectification=r, actor=cast.alice)
    assert Message.objects.filter(user=cast.carol, text__startswith="整改事项已销号").count() == 1


def test_once_a_day_per_person_and_topic(cast):
    assert notify(user_ids=[cast.alice.pk, cast.bob.pk], text="提醒", link="", topic="t:1") == 2
    assert notify(user_ids=[cast.alice.pk], text="提醒", link="", topic="t:1") == 0
    Message.objects.update(created_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    assert notify(user_ids=[cast.alice.pk], text="提醒", link="", topic="t:1") == 1
