"""较上轮: a branch assessed in an earlier published round shows the change per area,
and the summary Excel gets the total change."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.exporters import Summary
from assessment.models import Phase, Round, Score, Status
from assessment.services.rounds import round_prepare
from assessment.xlsx import write_xlsx
from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)


@pytest.fixture
def two_rounds(published):  # noqa: F811
    """An earlier round (2025) of the same township, published: 化峪村 had 1.5 on every item."""
    earlier = Round.objects.create(
        township=published.township, standard=published.standard, name="2025年度规范化建设考核验收", year=2025,
        phase=Phase.NOTICE, published_at=timezone.now() - datetime.timedelta(days=365),
        created_at=timezone.now() - datetime.timedelta(days=400),
    )
    round_prepare(round=earlier)
    Score.objects.filter(assessment__round=earlier, assessment__branch=published.branch).update(
        onsite_score=Decimal("1.5"))
    Score.objects.filter(assessment__round=earlier, assessment__branch=published.branch2).update(
        onsite_score=Decimal("2"))
    earlier.assessments.update(status=Status.PUBLISHED)
    published.earlier = earlier
    return published


def test_result_page_shows_the_change_per_area(client, two_rounds):
    client.force_login(two_rounds.carol)
    html = client.get(reverse("results-branch", args=[two_rounds.assessment.pk])).content.decode()
    assert "较上轮" in html and "2025年度规范化建设考核验收" in html
    # 方面1: this round 7 (one item 1 of 2), earlier 6 -> +1; 方面2 and 3: 8 vs 6 -> +2.
    assert html.count('area-change text-success">+1<') == 1
    assert html.count('area-change text-success">+2<') == 2


def test_no_comparison_without_an_earlier_published_round(client, two_rounds):
    two_rounds.earlier.published_at = None
    two_rounds.earlier.save()
    client.force_login(two_rounds.alice)
    html = client.get(reverse("results-branch", args=[two_rounds.assessment.pk])).content.decode()
    assert "较上轮" not in html


def test_earlier_round_is_not_compared_with_a_later_one(client, two_rounds):
    client.force_login(two_rounds.alice)
    earlier_assessment = two_rounds.earlier.assessments.get(branch=two_rounds.branch)
    html = client.get(reverse("results-branch", args=[earlier_assessment.pk])).content.decode()
    assert "较上轮" not in html


def test_summary_has_the_total_change(two_rounds):
    buffer = io.BytesIO()
    write_xlsx(Summary(two_rounds.round), buffer)
    ws = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["考评汇总表"]
    header = [c.value for c in ws[3]]
    column = header.index("较上轮")
    assert header[column - 1] == "考评总分"
    changes = {ws.cell(r, 2).value: ws.cell(r, column + 1).value for r in (5, 6)}  # under two header rows
    assert changes == {"西段村": -0.5, "化峪村": 5.0}  # 23.5 - 24 ; 23 - 18


def test_result_page_queries_do_not_grow_with_the_earlier_round(client, two_rounds):
    client.force_login(two_rounds.alice)
    url = reverse("results-branch", args=[two_rounds.assessment.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    round_prepare(round=Round.objects.create(
        township=two_rounds.township, standard=two_rounds.standard, name="2024年度", year=2024,
        published_at=timezone.now()))
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)
