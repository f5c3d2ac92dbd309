"""The township's overview of the self-evaluation phase: /rounds/<pk>/self/."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Branch, BranchKind, Score, Status
from assessment.services.rounds import round_prepare
from django.utils.formats import date_format


def overview_url(round, **params):
    url = reverse("selfeval-overview", kwargs={"pk": round.pk})
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def score(assessment, n, value):
    """Give the first `n` items of the assessment the self score `value`."""
    ids = list(Score.objects.filter(assessment=assessment).order_by("item__number").values_list("pk", flat=True)[:n])
    Score.objects.filter(pk__in=ids).update(self_score=Decimal(value))


@pytest.fixture
def four(cast):
    """Four branches (12 items each) in four states:

    A 化峪村 rural      8 scored × 2   = 16   自评中
    B 西段村 rural     12 scored × 1   = 12   已提交 yesterday
    C 东段村 school     0 scored       = —    未开始
    D 南村   community  4 scored × 1.5 = 6    已退回 (submitted three days ago)
    """
    Branch.objects.create(township=cast.township, name="东段村", kind=BranchKind.SCHOOL, order=3)
    Branch.objects.create(township=cast.township, name="南村", kind=BranchKind.COMMUNITY, order=4)
    round_prepare(round=cast.round)
    a, b = cast.assessment, cast.assessment2
    c = cast.round.assessments.get(branch__name="东段村")
    d = cast.round.assessments.get(branch__name="南村")
    now = timezone.now()
    score(a, 8, "2")
    score(b, 12, "1")
    score(d, 4, "1.5")
    a.status = Status.SELF
    a.save()
    b.status, b.submitted_at = Status.SUBMITTED, now - datetime.timedelta(days=1)
    b.save()
    d.status, d.submitted_at, d.returned_reason = Status.SELF, now - datetime.timedelta(days=3), "佐证材料不全"
    d.save()
    cast.a, cast.b, cast.c, cast.d = a, b, c, d
    return cast


def names(response):
    return [row.branch.name for row in response.context["rows"]]


@pytest.mark.parametrize("who", ["alice", "bob", "root"])
def test_works_for_township_staff(client, four, who):
    client.force_login(getattr(four, who))
    response = client.get(overview_url(four.round))
    assert response.status_code == 200
    html = response.content.decode()
    assert "支部对照自评进度" in html
    for name in ("化峪村", "西段村", "东段村", "南村"):
        assert name in html
    assert "外镇村" not in html
    assert "8/12" in html and "12/12" in html and "0/12" in html and "4/12" in html
    assert "已退回" in html and "已提交" in html and "未开始" in html and "自评中" in html
    assert "16" in html  # 化峪村's self total


def test_secretary_gets_403_with_a_reason(client, four):
    client.force_login(four.carol)
    response = client.get(overview_url(four.round))
    assert response.status_code == 403
    html = response.content.decode()
    assert "支部书记只能查看本支部的自评" in html
    assert "西段村" not in html


@pytest.mark.parametrize("who", ["eve", "frank"])
def test_another_township_gets_404(client, four, who):
    client.force_login(getattr(four, who))
    assert client.get(overview_url(four.round)).status_code == 404


def test_anonymous_is_sent_to_login(client, four):
    response = client.get(overview_url(four.round))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("sort, expected", [
    (None, ["东段村", "南村", "化峪村", "西段村"]),         # default: least progress first
    ("progress", ["东段村", "南村", "化峪村", "西段村"]),
    ("-progress", ["西段村", "化峪村", "南村", "东段村"]),
    ("branch", ["化峪村", "西段村", "东段村", "南村"]),
    ("-branch", ["南村", "东段村", "西段村", "化峪村"]),
    ("kind", ["化峪村", "西段村", "南村", "东段村"]),       # 农村, 农村, 社区, 学校
    ("-kind", ["东段村", "南村", "化峪村", "西段村"]),
    ("status", ["东段村", "化峪村", "南村", "西段村"]),     # 未开始, 自评中, 已退回, 已提交
    ("-status", ["西段村", "南村", "化峪村", "东段村"]),
    ("total", ["东段村", "南村", "西段村", "化峪村"]),      # —, 6, 12, 16
    ("-total", ["化峪村", "西段村", "南村", "东段村"]),
    ("submitted", ["化峪村", "东段村", "南村", "西段村"]),  # not submitted first, then oldest
    ("-submitted", ["西段村", "南村", "化峪村", "东段村"]),
    ("nonsense", ["东段村", "南村", "化峪村", "西段村"]),   # unknown key: the default
    ("--total", ["东段村", "南村", "化峪村", "西段村"]),
])
def test_sorting(client, four, sort, expected):
    client.force_login(four.alice)
    response = client.get(overview_url(four.round, **({"sort": sort} if sort else {})))
    assert names(response) == expected


def test_sort_headers_toggle_direction(client, four):
    client.force_login(four.alice)
    html = client.get(overview_url(four.round, sort="total")).content.decode()
    assert 'href="?sort=-total"' in html
    assert 'href="?sort=branch"' in html


@pytest.mark.parametrize("status, expected", [
    ("not_started", ["东段村"]),
    ("self", ["化峪村"]),
    ("returned", ["南村"]),
    ("submitted", ["西段村"]),
    ("bogus", ["东段村", "南村", "化峪村", "西段村"]),
])
def test_status_filter(client, four, status, expected):
    client.force_login(four.alice)
    assert names(client.get(overview_url(four.round, status=status))) == expected


def test_filter_and_sort_combine(client, four):
    four.c.status = Status.SELF
    four.c.save()
    client.force_login(four.alice)
    response = client.get(overview_url(four.round, status="self", sort="-branch"))
    assert names(response) == ["东段村", "化峪村"]


def test_counts_on_top(client, four):
    client.force_login(four.alice)
    response = client.get(overview_url(four.round, status="submitted"))
    counts = response.context["overview"].counts
    assert (counts["all"], counts["not_started"], counts["self"], counts["submitted"], counts["returned"]) == (4, 1, 1, 1, 1)
    html = response.content.decode()
    assert "未开始 <strong>1</strong>" in html and "已退回 <strong>1</strong>" in html


def test_rows_link_to_the_branch_checklist(client, four):
    client.force_login(four.bob)
    html = client.get(overview_url(four.round)).content.decode()
    assert f'href="/assessments/{four.a.pk}/self/"' in html


def test_remind_controls_only_for_the_admin(client, four):
    client.force_login(four.bob)
    html = client.get(overview_url(four.round)).content.decode()
    assert "发送自评提醒" not in html and 'name="branch"' not in html
    client.force_login(four.alice)
    html = client.get(overview_url(four.round)).content.decode()
    assert "发送自评提醒" in html and "选择未提交的" in html
    # a submitted branch cannot be selected
    assert f'value="{four.b.branch_id}"' not in html


def test_select_unsubmitted_checks_the_unsubmitted(client, four):
    client.force_login(four.alice)
    response = client.get(overview_url(four.round, select="unsubmitted"))
    checked = {row.branch.name for row in response.context["rows"] if row.checked}
    assert checked == {"化峪村", "东段村", "南村"}
    assert response.content.decode().count(" checked") == 3


def test_home_links_staff_to_the_overview(client, four):
    client.force_login(four.alice)
    assert overview_url(four.round) in client.get(reverse("home")).content.decode()
    client.force_login(four.carol)
    assert overview_url(four.round) not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("sort", ["progress", "-total", "status", "kind", "submitted", "branch"])
def test_query_count_does_not_grow_with_branches(client, cast, sort, django_assert_num_queries):
    # session, user (with the unread-badge count), round, counts, rows, their score sums
    client.force_login(cast.alice)
    url = overview_url(cast.round, sort=sort)
    with django_assert_num_queries(7):  # with the navbar's unread badge
        response = client.get(url)
    assert len(response.context["rows"]) == 2
    Branch.objects.bulk_create([Branch(township=cast.township, name=f"新村{n:02d}", order=10 + n) for n in range(58)])
    round_prepare(round=cast.round)
    score(cast.round.assessments.get(branch__name="新村07"), 3, "1")
    with django_assert_num_queries(7):
        response = client.get(url)
    assert len(response.context["rows"]) == 60
    assert "3/12" in response.content.decode()


def test_row_texts_are_prepared_once_per_row(client, four):
    # The rows are rendered by assessment.grids.selfeval_overview_rows: local
    # submission time, totals without trailing zeros, a label per checkbox, "—" when empty.
    client.force_login(four.alice)
    html = client.get(overview_url(four.round)).content.decode()
    four.b.refresh_from_db()
    assert date_format(timezone.localtime(four.b.submitted_at), "DATETIME_FORMAT") in html
    assert '<td class="text-end">16</td>' in html and '<td class="text-end">—</td>' in html
    assert 'aria-label="选择化峪村"' in html and '<label for="b' in html
    assert html.count('href="/assessments/') == 4
    assert "没有处于此状态的党支部" in client.get(overview_url(four.round, status="onsite")).content.decode()
