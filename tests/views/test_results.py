from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import Branch, Score, Status
from assessment.services.rounds import round_prepare
from django.utils import timezone


@pytest.fixture
def scored(cast):
    Score.objects.filter(assessment=cast.assessment).update(self_score=Decimal("2"), onsite_score=Decimal("1"))
    Score.objects.filter(assessment=cast.assessment2).update(self_score=Decimal("2"), onsite_score=Decimal("2"))
    cast.round.assessments.update(status=Status.FINALISED, submitted_at=timezone.now())
    return cast


def test_ranking_shows_branches_in_order_with_grades_and_charts(client, scored):
    client.force_login(scored.alice)
    response = client.get(reverse("results-ranking", args=[scored.round.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("西段村") < html.index("化峪村")
    assert "<svg" in html and "<script" not in html.split("</svg>")[0].split("<svg")[-1]
    assert "自评虚高" in html  # 化峪村: self 24 vs on site 12


def test_ranking_threshold_from_the_admin(client, scored):
    client.force_login(scored.alice)
    html = client.get(reverse("results-ranking", args=[scored.round.pk]), {"threshold": "20"}).content.decode()
    assert "badge text-bg-warning\">自评虚高" not in html


def test_assessor_sees_ranking(client, scored):
    client.force_login(scored.bob)
    assert client.get(reverse("results-ranking", args=[scored.round.pk])).status_code == 200


def test_secretary_cannot_see_ranking(client, scored):
    client.force_login(scored.carol)
    assert client.get(reverse("results-ranking", args=[scored.round.pk])).status_code == 403


def test_other_township_gets_404(client, scored):
    client.force_login(scored.eve)
    assert client.get(reverse("results-ranking", args=[scored.round.pk])).status_code == 404
    assert client.get(reverse("results-branch", args=[scored.assessment.pk])).status_code == 404


def test_branch_result_with_radar(client, scored):
    client.force_login(scored.alice)
    html = client.get(reverse("results-branch", args=[scored.assessment.pk])).content.decode()
    assert "各方面得分率" in html and "<svg" in html
    assert "化峪村" in html


def test_secretary_sees_result_only_once_published(client, scored):
    client.force_login(scored.carol)
    url = reverse("results-branch", args=[scored.assessment.pk])
    assert client.get(url).status_code == 403
    scored.assessment.status = Status.PUBLISHED
    scored.assessment.save()
    assert client.get(url).status_code == 200
    client.force_login(scored.dave)
    assert client.get(url).status_code == 404


def test_ranking_query_count_is_fixed(client, scored, django_assert_max_num_queries):
    client.force_login(scored.alice)
    url = reverse("results-ranking", args=[scored.round.pk])
    with django_assert_max_num_queries(11):  # pinned exactly in test_ranking_pages.py
        client.get(url)
    for n in range(40):
        Branch.objects.create(township=scored.township, name=f"村{n}")
    round_prepare(round=scored.round)
    with django_assert_max_num_queries(11):  # pinned exactly in test_ranking_pages.py
        assert client.get(url).status_code == 200


def test_ranking_rows_show_every_column(client, scored):
    Score.objects.filter(assessment=scored.assessment, item__number=1).update(onsite_score=Decimal("1.5"))
    client.force_login(scored.alice)
    html = client.get(reverse("results-ranking", args=[scored.round.pk])).content.decode()
    row = html[html.index("<tbody>"):html.index("</tbody>")]
    assert f'href="{reverse("results-branch", args=[scored.assessment.pk])}">化峪村</a>' in row
    assert f'href="{reverse("results-branch", args=[scored.assessment2.pk])}">西段村</a>' in row
    assert "12.5" in row and "自评 8" in row  # 化峪村's on-site total; an area's self subtotal in its title
    assert row.count('<td class="text-end fw-bold">') == 2 and "农村" in row


def test_ranking_keeps_type_and_demonstration_with_the_branch_name(client, scored):
    """Two columns fewer, so the table fits 1280 px and an A4 landscape page."""
    Branch.objects.filter(pk=scored.branch2.pk).update(is_demonstration=True)
    client.force_login(scored.alice)
    html = client.get(reverse("results-ranking", args=[scored.round.pk])).content.decode()
    head = html[html.index("<thead"):html.index("</thead>")]
    assert "类型" not in head and "示范点" not in head and head.count("</th>") == 2 + 3 + 5  # rank, branch; 3 areas; bonus, self, total, difference, grade
    row = html[html.index(">西段村</a>"):].split("</tr>")[0]
    assert '<span class="badge text-bg-warning">示范点</span>' in row.split("</td>")[0]
    assert "农村 · " in row.split("</td>")[0]
    other = html[html.index(">化峪村</a>"):].split("</tr>")[0]
    assert "示范点" not in other


def test_ranking_charts_show_the_top_30_above_30_branches(client, scored):
    client.force_login(scored.alice)
    url = reverse("results-ranking", args=[scored.round.pk])
    assert "图中显示前 30 名" not in client.get(url).content.decode()
    for n in range(40):
        Branch.objects.create(township=scored.township, name=f"村{n:02d}", order=100 + n)
    round_prepare(round=scored.round)
    scored.round.assessments.update(status=Status.FINALISED, submitted_at=timezone.now())
    html = client.get(url).content.decode()
    assert html.count("图中显示前 30 名") == 2
    charts = html[html.index("考评总分排名"):]
    assert "西段村" in charts and "村39" not in charts  # 村39 ranks last of 42
    assert html.count(">村39</a>") == 1  # while the table lists every branch
