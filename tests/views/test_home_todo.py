"""Each home is a to-do list: the secretary's one thing to do now, and after the notice their
grade, rank, areas and rectifications (overdue first); the admin's per-round counts with links;
the assessor's branches, the next unscored first. Query counts pinned."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from assessment.models import Phase, Rectification, RectificationStatus, Round, Score, Status

TODAY = datetime.date.today()


def home(client, user):
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def test_secretary_during_self_evaluation(client, cast, django_assert_num_queries):
    client.force_login(cast.carol)
    with django_assert_num_queries(9):  # 7, the branch's 结对帮带 (示范点), the navbar's unread badge
        html = client.get(reverse("home")).content.decode()
    todo = html[html.index('id="todo-'):]
    assert "对照标准完成自评：已评 0/12 项" in todo and "还剩 10 天" in todo
    assert reverse("selfeval-checklist", args=[cast.assessment.pk]) in todo


def published(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE, published_at=timezone.now())
    Score.objects.filter(assessment__round=cast.round).update(self_score=Decimal("2"), onsite_score=Decimal("2"))
    Score.objects.filter(assessment=cast.assessment, item__number__in=(1, 2)).update(onsite_score=Decimal("1"),
                                                                                   deduction_reason="记录不全")
    cast.round.assessments.update(status=Status.PUBLISHED)
    items = cast.standard.items.order_by("number")
    made = []
    for item, days, status in ((items[0], 5, RectificationStatus.PENDING), (items[1], -2, RectificationStatus.PENDING),
                               (items[2], -2, RectificationStatus.REPORTED)):
        made.append(Rectification.objects.create(assessment=cast.assessment, item=item, problem=f"问题{item.number}",
                                                 requirement="整改", deadline=TODAY + datetime.timedelta(days=days),
                                                 status=status))
    return made


def test_secretary_after_the_notice_sees_results_and_overdue_first(client, cast, django_assert_num_queries):
    pending, overdue, reported = published(cast)
    client.force_login(cast.carol)
    with django_assert_num_queries(14):  # 12, the branch's 结对帮带 (示范点), the navbar's unread badge
        html = client.get(reverse("home")).content.decode()
    assert "查看自评清单" not in html
    assert "1 项整改已逾期，请尽快报告整改情况" in html
    assert 'id="my-rank">2<' in html and 'id="my-total">22<' in html and 'id="my-grade">不合格<' in html
    items = html[html.index('id="my-rectifications"'):]
    assert items.index("问题2") < items.index("问题1") < items.index("问题3")  # overdue first, then to report
    assert reverse("rectification-detail", args=[overdue.pk]) in items


def test_admin_sees_who_has_not_submitted(client, cast, django_assert_num_queries):
    client.force_login(cast.alice)
    with django_assert_num_queries(9):  # with the navbar's unread badge
        html = client.get(reverse("home")).content.decode()
    todo = html[html.index('id="todo-'):]
    assert "2 个支部未提交自评" in todo and reverse("selfeval-overview", args=[cast.round.pk]) in todo
    assert reverse("round-detail", args=[cast.round.pk]) in todo


def test_admin_sees_what_waits_for_verification_and_what_is_overdue(client, cast, django_assert_num_queries):
    published(cast)
    Round.objects.create(township=cast.township, standard=cast.standard, name="2027年度", year=2027)
    client.force_login(cast.alice)
    with django_assert_num_queries(9):  # two rounds: the same queries as one (the badge included)
        html = client.get(reverse("home")).content.decode()
    assert "1 项整改待核验" in html and "1 项整改逾期" in html
    board = reverse("rectification-board", args=[cast.round.pk])
    assert f"{board}?status=reported" in html and f"{board}?overdue=1" in html
    assert reverse("notice-detail", args=[cast.round.pk]) in html and "核对批次设置后进入自评阶段" in html


def test_assessor_sees_the_next_branch_to_score(client, cast, django_assert_num_queries):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    cast.round.assessments.filter(pk=cast.assessment.pk).update(status=Status.SUBMITTED)
    cast.round.assessments.filter(pk=cast.assessment2.pk).update(status=Status.ONSITE)
    Score.objects.filter(assessment=cast.assessment2, item__number=1).update(onsite_score=Decimal("2"))
    client.force_login(cast.bob)
    with django_assert_num_queries(10):  # with the navbar's unread badge
        html = client.get(reverse("home")).content.decode()
    assert "下一个：西段村（已评 1/12 项）" in html  # the one in progress first
    queue = html[html.index("todo-queue"):]
    assert queue.index("西段村") < queue.index("化峪村")
