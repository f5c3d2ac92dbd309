"""The ranking and the notice preview during and after the on-site phase: 未考评 branches stay
out of ranks and grades; one 差值, labelled; the charts (rank 1 on top, a veto drawn apart,
long names whole); the areas' headings whole; the secretary's ranking after the notice."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Area, Branch, Phase, Round, Score, Status, Veto, VetoFinding


def table_row(html, text):
    """The <tr> of the table that holds `text`."""
    at = html.index(text)
    return html[html.rindex("<tr", 0, at):html.index("</tr>", at)]


@pytest.fixture
def onsite(cast):
    """化峪村 考评完成 with 18 of 24; 西段村 not yet assessed (nothing scored)."""
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    Score.objects.filter(assessment=cast.assessment).update(self_score=Decimal("2"), onsite_score=Decimal("1.5"))
    cast.round.assessments.filter(pk=cast.assessment.pk).update(status=Status.FINALISED, submitted_at=timezone.now())
    cast.round.assessments.filter(pk=cast.assessment2.pk).update(status=Status.SUBMITTED)
    return cast


def test_unassessed_branches_have_no_rank_and_no_grade_on_the_ranking(client, onsite):
    client.force_login(onsite.alice)
    html = client.get(reverse("results-ranking", args=[onsite.round.pk])).content.decode()
    row = table_row(html, ">西段村</a>")
    assert "<td>—</td>" in row and "未考评" in row and "不合格" not in row
    assert "不参加排名，不评定等次" in html


def test_unassessed_branches_in_the_notice_preview(client, onsite):
    client.force_login(onsite.alice)
    html = client.get(reverse("notice-prepare", args=[onsite.round.pk])).content.decode()
    assert "西段村" in html and "（0分，不合格）" not in html
    preview = html[html.index('id="notice"'):]
    row = table_row(preview, "西段村")
    assert "未考评" in row and "不合格" not in row


def test_one_difference_labelled_on_the_ranking_and_the_notice(client, onsite):
    client.force_login(onsite.alice)
    ranking = client.get(reverse("results-ranking", args=[onsite.round.pk])).content.decode()
    preview = client.get(reverse("notice-prepare", args=[onsite.round.pk])).content.decode()
    for html in (ranking, preview):
        assert "差值（自评−考评，不含加分）" in html
    row = table_row(ranking, ">化峪村</a>")
    assert ">6<" in row  # 24 self − 18 on site


def test_the_secretary_sees_the_ranking_after_the_notice(client, onsite):
    client.force_login(onsite.carol)
    url = reverse("results-ranking", args=[onsite.round.pk])
    response = client.get(url)
    assert response.status_code == 403 and "排名由镇党委在通报后公布" in response.content.decode()
    Round.objects.filter(pk=onsite.round.pk).update(phase=Phase.NOTICE, published_at=timezone.now())
    response = client.get(url)
    assert response.status_code == 200 and "导出考评汇总表" not in response.content.decode()


def test_charts_rank_one_on_top_veto_apart_long_names_whole(client, onsite):
    Branch.objects.filter(pk=onsite.branch2.pk).update(name="稷山县化峪果业有限公司")
    Score.objects.filter(assessment=onsite.assessment2).update(self_score=Decimal("2"), onsite_score=Decimal("2"))
    onsite.round.assessments.update(status=Status.FINALISED, submitted_at=timezone.now())
    VetoFinding.objects.create(assessment=onsite.assessment, veto=Veto.objects.first(), note="弄虚作假")
    client.force_login(onsite.alice)
    html = client.get(reverse("results-ranking", args=[onsite.round.pk])).content.decode()
    chart = html[html.index("考评总分排名"):html.index("自评与考评对比")]
    # pygal writes the labels bottom first: the last label is the top bar
    assert chart.rindex("稷山县化峪果业有限公司") > chart.rindex("化峪村（一票否决）")
    assert "#9e9e9e" in chart  # the vetoed bar in grey
    assert "稷山县化峪果业有限公司</text>" in chart  # not shortened


def test_area_headings_are_not_cut(client, onsite):
    Area.objects.filter(standard=onsite.standard, number=1).update(name="组织设置规范")
    Area.objects.filter(standard=onsite.standard, number=2).update(name="组织生活规范")
    client.force_login(onsite.alice)
    html = client.get(reverse("results-ranking", args=[onsite.round.pk])).content.decode()
    assert ">组织设置规范</th>" in html and ">组织生活规范</th>" in html
