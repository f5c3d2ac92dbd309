"""The ranking in pages of 100 branches: the ranks are the round's (page 2 starts at 101, ties as
round_results ranks them, which the 考评汇总表 still uses), the threshold kept across pages, a bad
page number answered with a page, the query count fixed whatever the number of branches."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment import results
from assessment.models import Branch, Phase, Round, Score, Status, Veto, VetoFinding
from assessment.services.rounds import round_prepare


QUERIES = 10  # the session, the user, the navbar's unread badge, the round, the areas, the counts, the page's rows with the top 30,
# the grade bands, the page's subtotals, the pairings (the typical problems come from the cache after the first)


def grow(cast, branches):
    """The cast's round with `branches` branches in all, every one 考评完成 with full self scores
    and on-site totals from 24 down to 18.5 (twelve values, so ranks are shared), one vetoed
    and the last two not yet assessed (未考评)."""
    Branch.objects.bulk_create([
        Branch(township=cast.township, name=f"支部{n:03d}", order=10 + n) for n in range(branches - 2)
    ])
    round_prepare(round=cast.round)
    assessments = list(cast.round.assessments.order_by("branch__order", "pk"))
    Score.objects.filter(assessment__round=cast.round).update(self_score=Decimal("2"), onsite_score=Decimal("2"))
    for i, a in enumerate(assessments):
        Score.objects.filter(assessment=a, item__number__lte=i % 12).update(onsite_score=Decimal("1.5"))
    cast.round.assessments.update(status=Status.FINALISED, submitted_at=timezone.now())
    cast.round.assessments.filter(pk__in=[a.pk for a in assessments[-2:]]).update(status=Status.SUBMITTED)
    VetoFinding.objects.create(assessment=assessments[0], veto=Veto.objects.first(), note="弄虚作假")
    return cast


def shown(html):
    """[(rank, branch name)] of the ranking table's rows."""
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r"<tr[^>]*>\s*<td>([^<]*)</td>\s*<td><a href=\"[^\"]*\">([^<]*)</a>", body)


def expected(round, start, stop):
    return [(str(r.rank) if r.rank else "—", r.assessment.branch.name)
            for r in results.round_results(round)[start:stop]]


def url(cast):
    return reverse("results-ranking", args=[cast.round.pk])


@pytest.fixture
def big(cast):
    return grow(cast, 250)


def test_page_two_starts_at_101_with_the_rounds_ranks(client, big):
    client.force_login(big.alice)
    first = shown(client.get(url(big)).content.decode())
    second = shown(client.get(url(big), {"page": "2"}).content.decode())
    third = shown(client.get(url(big), {"page": "3"}).content.decode())
    assert len(first) == len(second) == 100 and len(third) == 50
    assert first == expected(big.round, 0, 100)
    assert second == expected(big.round, 100, 200)
    assert third == expected(big.round, 200, 250)
    assert third[-1][1] == "支部247" and third[-1][0] == "—"  # 未考评 last, no rank
    # Ties: twelve totals over 247 ranked branches share ranks; the vetoed one ranks last of them.
    ranks = [int(rank) for rank, _ in first + second + third if rank != "—"]
    assert ranks == sorted(ranks) and len(set(ranks)) == 13 and ranks[-1] == 248


def test_page_two_starts_at_rank_101(client, cast):
    grow(cast, 105)
    VetoFinding.objects.all().delete()
    Score.objects.filter(assessment__round=cast.round).update(onsite_score=Decimal("2"))
    last = list(cast.round.assessments.order_by("-branch__order")[:7])
    Score.objects.filter(assessment__in=last[2:5], item__number=1).update(onsite_score=Decimal("1"))
    client.force_login(cast.alice)
    second = shown(client.get(url(cast), {"page": "2"}).content.decode())
    assert [rank for rank, _ in second] == ["101", "101", "101", "—", "—"]
    assert [name for _, name in second[:3]] == ["支部098", "支部099", "支部100"]


def test_the_page_says_which_rows_it_shows_and_links_the_others(client, big):
    client.force_login(big.alice)
    html = client.get(url(big), {"page": "2"}).content.decode()
    assert "第 101–200 个，共 250 个支部" in html
    nav = html[html.index('id="ranking-pages"'):]
    nav = nav[:nav.index("</nav>")]
    assert 'href="?page=1"' in nav and 'href="?page=3"' in nav and 'aria-current="page"' in nav
    assert "考评完成 248 / 250" in html  # the round's counts, not the page's


def test_many_pages_link_the_ends_and_the_neighbours_above_and_below_the_table(client, cast, monkeypatch):
    """At 10,000 branches there are 100 pages: 1 … 49 50 51 … 100, above the table and below it."""
    grow(cast, 150)
    monkeypatch.setattr(results, "RANKING_PAGE_SIZE", 10)
    client.force_login(cast.alice)
    html = client.get(url(cast), {"page": "8"}).content.decode()
    assert len(shown(html)) == 10 and "第 71–80 个，共 150 个支部" in html
    for nav_id in ("ranking-pages-top", "ranking-pages"):
        nav = html[html.index(f'id="{nav_id}"'):]
        nav = nav[:nav.index("</nav>")]
        links = re.findall(r'href="\?page=(\d+)"', nav)
        assert links == ["7", "1", "7", "9", "15", "9"], nav_id  # ‹ 1 … 7 [8] 9 … 15 ›
        assert nav.count("…") == 2 and '<span class="page-link">8</span>' in nav


def test_the_threshold_is_kept_across_pages_and_a_new_one_starts_at_page_one(client, big):
    client.force_login(big.alice)
    html = client.get(url(big), {"threshold": "1", "page": "2"}).content.decode()
    nav = html[html.index('id="ranking-pages"'):]
    assert 'href="?threshold=1&amp;page=1"' in nav and 'href="?threshold=1&amp;page=3"' in nav
    form = html[html.index('<form method="get"'):]
    form = form[:form.index("</form>")]
    assert 'name="page"' not in form  # 应用 a new threshold: back to page 1
    # 自评虚高 counted over the round (the branches with 3 or more deductions: 24 − (≥ 19.5) > 1)
    inflated = sum(1 for r in results.round_results(big.round) if r.difference is not None and r.difference > 1)
    assert f"{inflated} 个支部自评总分高出考评得分 1 分以上" in html
    assert html.count('text-danger fw-bold">') == sum(
        1 for r in results.round_results(big.round)[100:200] if r.difference is not None and r.difference > 1)


@pytest.mark.parametrize("page, rows", [
    ("abc", 100), ("0", 50), ("-1", 50), ("99", 50), ("1.5", 100), ("9" * 30, 50), ("", 100),
])
def test_a_page_out_of_range_or_not_a_number_gets_a_page(client, big, page, rows):
    """Not a number: the first page; past either end: the last (Paginator.get_page)."""
    client.force_login(big.alice)
    response = client.get(url(big), {"page": page})
    assert response.status_code == 200
    assert len(shown(response.content.decode())) == rows


def test_the_charts_show_the_rounds_top_30_on_every_page(client, big):
    client.force_login(big.alice)
    charts = []
    for page in ("1", "3"):
        html = client.get(url(big), {"page": page}).content.decode()
        charts.append(html[html.index("考评总分排名"):html.index("典型问题")])
    assert charts[0] == charts[1]
    top = [r.assessment.branch.name for r in results.round_results(big.round) if r.assessed][:30]
    assert all(f"{name}</text>" in charts[0] for name in top)
    assert "图中显示前 30 名" in charts[0]


@pytest.mark.parametrize("branches", [3, 150])
def test_query_count_is_the_same_for_3_and_150_branches_on_every_page(client, cast, django_assert_num_queries,
                                                                       branches):
    grow(cast, branches)
    client.force_login(cast.alice)
    client.get(url(cast))
    for page in ("1", "2"):
        with django_assert_num_queries(QUERIES):
            html = client.get(url(cast), {"page": page}).content.decode()
        assert len(shown(html)) == {3: 3, 150: 100 if page == "1" else 50}[branches]


def test_another_townships_round_is_404_on_any_page(client, big):
    client.force_login(big.eve)
    assert client.get(url(big), {"page": "2"}).status_code == 404
    other = reverse("results-ranking", args=[big.other_round.pk])
    client.force_login(big.alice)
    assert client.get(other, {"page": "2"}).status_code == 404


def test_the_secretary_sees_their_own_result_as_before(client, big):
    """The secretary's result page ranks from round_results, as the 考评汇总表 does: the same
    rank as the ranking's row of that branch, whichever page it is on."""
    Round.objects.filter(pk=big.round.pk).update(phase=Phase.NOTICE, published_at=timezone.now())
    big.round.assessments.filter(status=Status.FINALISED).update(status=Status.PUBLISHED)
    a = big.round.assessments.get(branch=big.branch2)
    client.force_login(big.dave)
    html = client.get(reverse("results-branch", args=[a.pk])).content.decode()
    rank = next(r.rank for r in results.round_results(big.round) if r.assessment.pk == a.pk)
    assert re.search(rf'排名</div><div class="fs-3 fw-bold">{rank}</div>', html)
    client.force_login(big.alice)
    rows = [row for page in ("1", "2", "3") for row in shown(client.get(url(big), {"page": page}).content.decode())]
    assert (str(rank), "西段村") in rows
    client.force_login(big.dave)  # and a secretary may see the published ranking's pages too
    assert client.get(url(big), {"page": "2"}).status_code == 200


def test_on_a_phone_each_row_shows_its_total_and_grade_under_the_name(client, big):
    """At 390 px the 考评总分 and 等次 columns are far to the right: each row repeats them under the
    branch's name, shown only below the md width."""
    client.force_login(big.alice)
    html = client.get(url(big)).content.decode()
    first = results.round_results(big.round)[0]
    phone = re.findall(r'<span class="small d-block d-md-none text-nowrap" aria-hidden="true">考评 <strong>([^<]*)</strong> · ([^<]*)</span>', html)
    assert len(phone) == 100
    assert phone[0] == (str(first.total).rstrip("0").rstrip(".") if "." in str(first.total) else str(first.total),
                        str(first.grade_label))
