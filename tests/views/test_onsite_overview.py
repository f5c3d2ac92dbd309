"""The round's on-site overview /rounds/<pk>/onsite/: every branch with its status, totals,
progress and assessors; filters; the admin's phase form; fixed query count."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Branch, BranchKind, Phase, Round, Score, Status
from assessment.services.rounds import round_prepare
from tests.test_services_onsite import items, onsite_ready, record


def url(round, **params):
    from urllib.parse import urlencode

    return reverse("onsite-overview", args=[round.pk]) + ("?" + urlencode(params) if params else "")


def get(client, user, round, **params):
    client.force_login(user)
    return client.get(url(round, **params))


def test_works_for_an_assessor(client, cast):
    onsite_ready(cast)
    record(cast, who=cast.bob, score="1.5", reason="缺记录")
    record(cast, who=cast.alice, item=items(cast)[1], score="2")
    response = get(client, cast.bob, cast.round)
    assert response.status_code == 200
    html = response.content.decode()
    assert "党委一线考评" in html and "化峪村" in html and "西段村" in html
    row = html[html.index(f'id="onsite-row-{cast.assessment.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "考评中" in row and ">24<" in row  # self total 12 items × 2
    assert ">3.5<" in row and "2/12" in row  # on-site total and progress
    assert "bob、alice" in row  # who is assessing, in the order they first scored
    assert reverse("onsite-scoring", args=[cast.assessment.pk]) in row
    assert reverse("results-branch", args=[cast.assessment.pk]) in row
    assert reverse("results-ranking", args=[cast.round.pk]) in html
    other = html[html.index(f'id="onsite-row-{cast.assessment2.pk}"'):]
    assert "未开始" in other[:other.index("</tr>")]


def test_finalised_rows_show_the_assessors_present(client, cast):
    onsite_ready(cast)
    record(cast, who=cast.bob, score="2")
    cast.assessment.status = Status.FINALISED
    cast.assessment.assessors_present = "王五、赵六"
    cast.assessment.save()
    html = get(client, cast.alice, cast.round).content.decode()
    assert "王五、赵六" in html


def test_filters_by_status_and_kind(client, cast):
    onsite_ready(cast)
    Branch.objects.filter(pk=cast.branch2.pk).update(kind=BranchKind.COMMUNITY)
    html = get(client, cast.bob, cast.round, status=Status.SUBMITTED).content.decode()
    assert f'id="onsite-row-{cast.assessment.pk}"' in html and f'id="onsite-row-{cast.assessment2.pk}"' not in html
    html = get(client, cast.bob, cast.round, kind=BranchKind.COMMUNITY).content.decode()
    assert f'id="onsite-row-{cast.assessment.pk}"' not in html and f'id="onsite-row-{cast.assessment2.pk}"' in html
    html = get(client, cast.bob, cast.round, status=Status.FINALISED).content.decode()
    assert "没有符合筛选条件的党支部" in html
    # Unknown values are no filter.
    html = get(client, cast.bob, cast.round, status="bogus", kind="bogus").content.decode()
    assert f'id="onsite-row-{cast.assessment.pk}"' in html and f'id="onsite-row-{cast.assessment2.pk}"' in html


def test_secretary_gets_403_with_the_reason(client, cast):
    response = get(client, cast.carol, cast.round)
    assert response.status_code == 403
    assert "支部书记在通报发布后查看考评结果" in response.content.decode()


@pytest.mark.parametrize("who", ["eve", "frank"])
def test_other_township_gets_404(client, cast, who):
    assert get(client, getattr(cast, who), cast.round).status_code == 404


def test_anonymous_goes_to_login(client, cast):
    response = client.get(url(cast.round))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_overview_links_to_the_rounds_path(client, cast):
    html = get(client, cast.alice, cast.round).content.decode()
    assert reverse("round-detail", args=[cast.round.pk]) in html
    assert reverse("round-phase-set", args=[cast.round.pk]) not in html  # moved on only after a confirmation


def test_home_links_township_staff_to_the_overview(client, cast):
    client.force_login(cast.bob)
    assert url(cast.round) in client.get(reverse("home")).content.decode()
    client.force_login(cast.carol)
    assert url(cast.round) not in client.get(reverse("home")).content.decode()


def add_branches(cast, n):
    Branch.objects.bulk_create([Branch(township=cast.township, name=f"支部{i}", order=10 + i,
                                       kind=BranchKind.COMMUNITY if i % 2 else BranchKind.RURAL) for i in range(n)])
    round_prepare(round=cast.round)
    Score.objects.filter(assessment__round=cast.round).update(self_score=Decimal("2"), onsite_score=Decimal("1.5"),
                                                              deduction_reason="原因")


def count_queries(client, user, round, **params):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(round, **params))
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("params", [{}, {"status": Status.ONSITE, "kind": BranchKind.RURAL}])
def test_query_count_is_fixed_at_2_and_60_branches(client, cast, params):
    onsite_ready(cast)
    record(cast, who=cast.bob, score="2")
    few, _ = count_queries(client, cast.bob, cast.round, **params)
    add_branches(cast, 58)
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    many, response = count_queries(client, cast.bob, cast.round, **params)
    assert cast.round.assessments.count() == 60
    # session, user (with its unread-message count), round, rows, their score sums, assessors, counts per status
    assert few == many == 8  # with the navbar's unread badge
    if not params:
        assert response.content.decode().count('id="onsite-row-') == 60


def test_every_cell_carries_its_label_for_the_phone_cards(client, cast):
    # The rows are rendered by assessment.grids.onsite_overview_rows; on a phone
    # site.css shows each cell's data-label in a card per branch.
    onsite_ready(cast)
    html = get(client, cast.bob, cast.round).content.decode()
    for label in ("党支部", "类型", "状态", "自评总分", "考评得分", "考评进度", "考评人员"):
        assert html.count(f'data-label="{label}"') == 2
    row = html[html.index(f'id="onsite-row-{cast.assessment2.pk}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-label="考评人员" class="small">—<' in row and 'data-label="考评得分" class="text-end">—<' in row
