"""The secretary's home: a card for the current round with deadline, progress, totals and status."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import Branch, Score, Status
from django.utils.formats import date_format


def home_html(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_card_shows_deadline_progress_totals_and_button(client, cast):
    items = list(cast.standard.items.order_by("number"))
    Score.objects.filter(assessment=cast.assessment, item__in=items[:3]).update(self_score=Decimal("1.5"))
    Score.objects.filter(assessment=cast.assessment, item=items[4]).update(self_score=Decimal("2"))
    cast.assessment.status = Status.SELF
    cast.assessment.save()
    html = home_html(client, cast.carol)
    assert "支部对照自评" in html and "自评中" in html
    assert date_format(cast.round.self_end) in html and "还剩 10 天" in html
    assert '<div class="fw-bold" id="self-card-progress">4/12</div>' in html
    assert 'id="self-card-total">6.5</div>' in html
    assert "方面1" in html and "4.5 / 8" in html and "2 / 8" in html and "0 / 8" in html
    assert reverse("selfeval-checklist", args=[cast.assessment.pk]) in html and "继续自评" in html


def test_card_for_a_fresh_assessment(client, cast):
    html = home_html(client, cast.carol)
    assert "未开始" in html and "开始自评" in html and "0/12" in html


def test_card_shows_the_return_reason(client, cast):
    cast.assessment.status = Status.SELF
    cast.assessment.returned_reason = "第2项佐证不清晰"
    cast.assessment.save()
    html = home_html(client, cast.carol)
    assert "已退回" in html and "第2项佐证不清晰" in html


def test_card_when_submitted(client, cast):
    cast.assessment.status = Status.SUBMITTED
    cast.assessment.save()
    html = home_html(client, cast.carol)
    assert "已提交" in html and "查看自评清单" in html and "还剩" not in html


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_no_card_for_township_staff(client, cast, who):
    assert 'class="card mb-4 self-card"' not in home_html(client, getattr(cast, who))


def test_dave_sees_only_his_own_card(client, cast):
    html = home_html(client, cast.dave)
    assert reverse("selfeval-checklist", args=[cast.assessment2.pk]) in html
    assert reverse("selfeval-checklist", args=[cast.assessment.pk]) not in html


def test_secretary_home_query_count(client, cast, django_assert_max_num_queries):
    Score.objects.filter(assessment=cast.assessment).update(self_score=1)
    client.force_login(cast.carol)
    with django_assert_max_num_queries(9):  # with the navbar's unread badge
        client.get(reverse("home"))
    for n in range(10):
        Branch.objects.create(township=cast.township, name=f"新村{n}")
    with django_assert_max_num_queries(9):
        client.get(reverse("home"))
