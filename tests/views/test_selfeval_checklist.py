"""The checklist page /assessments/<pk>/self/: who sees it how, the no-JS whole-form save,
and the query count whatever the number of items and evidence files."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import AuditLog, Evidence, Phase, Round, Score, Status
from assessment.services.rounds import round_prepare
from tests.conftest import make_standard
from django.utils.formats import date_format


def url(assessment):
    return reverse("selfeval-checklist", args=[assessment.pk])


def items(cast):
    return list(cast.standard.items.order_by("number"))


def get_html(client, user, assessment):
    client.force_login(user)
    response = client.get(url(assessment))
    return response, response.content.decode()


def test_secretary_sees_every_item_grouped_by_area_and_nothing_prefilled(client, cast):
    response, html = get_html(client, cast.carol, cast.assessment)
    assert response.status_code == 200
    assert "支部对照自评" in html and "化峪村" in html
    for area in ("方面1", "方面2", "方面3"):
        assert area in html
    for item in items(cast):
        assert item.content in html and item.criteria in html and item.evidence in html
        assert f'name="score-{item.pk}"' in html and f'name="note-{item.pk}"' in html
    assert "查阅资料" in html
    assert 'inputmode="decimal"' in html
    assert 'value=""' in html and "disabled" not in html
    assert "0/12" in html  # progress
    assert "保存" in html and reverse("selfeval-submit", args=[cast.assessment.pk]) in html
    assert "huayu/selfeval.js" in html and "huayu/evidence.js" in html
    assert "<script>" not in html  # no inline script
    assert 'name="csrfmiddlewaretoken"' in html
    assert "还剩 10 天" in html


def test_saved_values_totals_and_area_subtotals_show(client, cast):
    first, second, fifth = items(cast)[0], items(cast)[1], items(cast)[4]
    Score.objects.filter(assessment=cast.assessment, item=first).update(self_score=Decimal("1.5"), self_note="已落实")
    Score.objects.filter(assessment=cast.assessment, item=second).update(self_score=Decimal("2"))
    Score.objects.filter(assessment=cast.assessment, item=fifth).update(self_score=Decimal("0.5"))
    response, html = get_html(client, cast.carol, cast.assessment)
    assert f'name="score-{first.pk}" form="selfeval-form" value="1.5"' in html
    assert "已落实</textarea>" in html
    assert '<strong id="self-progress">3/12</strong>' in html
    assert '<strong id="self-total">4</strong>' in html
    assert f'data-area-subtotal="{first.area_id}">3.5</strong>' in html
    assert f'data-area-subtotal="{fifth.area_id}">0.5</strong>' in html


@pytest.mark.parametrize("who", ["alice", "bob", "root"])
def test_township_staff_see_it_read_only(client, cast, who):
    response, html = get_html(client, getattr(cast, who), cast.assessment)
    assert response.status_code == 200
    assert "只读方式查看" in html
    assert html.count(" disabled>") == 24  # 12 score inputs and 12 notes
    assert reverse("selfeval-submit", args=[cast.assessment.pk]) not in html


def test_admin_sees_return_and_extend(client, cast):
    Score.objects.filter(assessment=cast.assessment).update(self_score=1)
    cast.assessment.status = Status.SUBMITTED
    cast.assessment.save()
    _, html = get_html(client, cast.alice, cast.assessment)
    assert reverse("selfeval-return", args=[cast.assessment.pk]) in html
    assert reverse("selfeval-extend", args=[cast.assessment.pk]) in html
    _, html = get_html(client, cast.bob, cast.assessment)
    assert reverse("selfeval-return", args=[cast.assessment.pk]) not in html


@pytest.mark.parametrize("who", ["dave", "eve", "frank"])
def test_checks_ownership(client, cast, who):
    response, _ = get_html(client, getattr(cast, who), cast.assessment)
    assert response.status_code == 404


def test_anonymous_goes_to_login(client, cast):
    response = client.get(url(cast.assessment))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_submitted_is_read_only_with_the_reason(client, cast):
    cast.assessment.status = Status.SUBMITTED
    cast.assessment.save()
    _, html = get_html(client, cast.carol, cast.assessment)
    assert "自评已提交，不能再修改。如需修改，请联系镇党委管理员退回。" in html
    assert html.count(" disabled>") == 24


def test_returned_shows_the_reason_and_opens_again(client, cast):
    cast.assessment.status = Status.SELF
    cast.assessment.returned_reason = "第2项说明太简单"
    cast.assessment.save()
    _, html = get_html(client, cast.carol, cast.assessment)
    assert "已退回" in html and "第2项说明太简单" in html
    assert " disabled>" not in html


def test_after_the_deadline_it_is_read_only_with_the_reason(client, cast):
    cast.round.self_start = timezone.localdate() - datetime.timedelta(days=20)
    cast.round.self_end = timezone.localdate() - datetime.timedelta(days=1)
    cast.round.save()
    _, html = get_html(client, cast.carol, cast.assessment)
    assert f"自评已于 {date_format(cast.round.self_end)} 截止，不能再保存或提交" in html
    assert " disabled>" in html


# --- the whole form, scripts off ---------------------------------------------


def post_all(client, cast, values):
    client.force_login(cast.carol)
    data = {}
    for item in items(cast):
        score, note = values.get(item.number, ("", ""))
        data[f"score-{item.pk}"] = score
        data[f"note-{item.pk}"] = note
    return client.post(url(cast.assessment), data)


def test_whole_form_saves_every_item_and_redirects(client, cast):
    response = post_all(client, cast, {1: ("2", "有"), 2: ("1.5", ""), 3: ("０．５", "全角")})
    assert response.status_code == 302 and response["Location"] == url(cast.assessment)
    scores = {s.item.number: s for s in Score.objects.filter(assessment=cast.assessment).select_related("item")}
    assert scores[1].self_score == Decimal("2") and scores[1].self_note == "有"
    assert scores[2].self_score == Decimal("1.5")
    assert scores[3].self_score == Decimal("0.5") and scores[3].self_note == "全角"
    assert scores[4].self_score is None
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SELF
    assert AuditLog.objects.filter(assessment=cast.assessment, action="self_score").count() == 3
    html = client.get(url(cast.assessment)).content.decode()
    assert "已保存 3 项。" in html and "最后保存于" in html


def test_whole_form_keeps_valid_items_and_shows_each_error(client, cast):
    response = post_all(client, cast, {1: ("2", "好"), 2: ("3", "超了"), 3: ("1.2", "步长"), 4: ("很好", "字")})
    assert response.status_code == 400
    html = response.content.decode()
    assert "得分应在 0 到 2 分之间。" in html
    assert "得分须为 0.5 的整数倍。" in html
    assert "请输入数字，例如 1.5。" in html
    assert "有 3 项未保存（第 2、3、4 项）" in html
    it = items(cast)
    assert f'name="score-{it[1].pk}" form="selfeval-form" value="3"' in html  # what was typed stays
    assert "超了</textarea>" in html
    scores = {s.item.number: s for s in Score.objects.filter(assessment=cast.assessment).select_related("item")}
    assert scores[1].self_score == Decimal("2") and scores[1].self_note == "好"
    for n in (2, 3, 4):
        assert scores[n].self_score is None and scores[n].self_note == ""  # nothing of an invalid item
    assert not AuditLog.objects.filter(assessment=cast.assessment, item__number__in=[2, 3, 4]).exists()


def test_whole_form_refused_when_submitted(client, cast):
    cast.assessment.status = Status.SUBMITTED
    cast.assessment.save()
    response = post_all(client, cast, {1: ("2", "")})
    assert response.status_code == 403
    assert "自评已提交，不能再修改" in response.content.decode()
    assert Score.objects.get(assessment=cast.assessment, item__number=1).self_score is None


def test_whole_form_refused_to_township_admin(client, cast):
    client.force_login(cast.alice)
    item = items(cast)[0]
    response = client.post(url(cast.assessment), {f"score-{item.pk}": "2"})
    assert response.status_code == 403
    assert "只有本支部书记可以填写和提交自评" in response.content.decode()
    assert Score.objects.get(assessment=cast.assessment, item=item).self_score is None


def test_whole_form_dave_gets_404(client, cast):
    client.force_login(cast.dave)
    item = items(cast)[0]
    assert client.post(url(cast.assessment), {f"score-{item.pk}": "2"}).status_code == 404
    assert Score.objects.get(assessment=cast.assessment, item=item).self_score is None


# --- query counts ------------------------------------------------------------


def add_evidence(assessment, user, per_item=2):
    Evidence.objects.bulk_create([
        Evidence(assessment=assessment, item=score.item, file=f"evidence/2026/01/f{score.pk}-{n}.pdf",
                 original_name=f"会议记录{n}.pdf", content_type="application/pdf", size=1000, uploaded_by=user)
        for score in assessment.scores.select_related("item") for n in range(per_item)
    ])


def count_queries(client, assessment):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url(assessment))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_on_the_cast_standard(client, cast, django_assert_max_num_queries):
    client.force_login(cast.carol)
    Score.objects.filter(assessment=cast.assessment).update(self_score=1)
    with django_assert_max_num_queries(10):
        client.get(url(cast.assessment))
    few = count_queries(client, cast.assessment)
    add_evidence(cast.assessment, cast.carol, per_item=3)
    with django_assert_max_num_queries(10):
        response = client.get(url(cast.assessment))
    assert "会议记录2.pdf" in response.content.decode()
    assert count_queries(client, cast.assessment) == few


def test_query_count_on_a_56_item_standard(client, cast, django_assert_max_num_queries):
    standard = make_standard(name="56项标准", areas=7, items_per_area=8)
    today = timezone.localdate()
    big = Round.objects.create(township=cast.township, standard=standard, name="56项批次", year=2026,
                               phase=Phase.SELF, self_start=today, self_end=today + datetime.timedelta(days=3))
    round_prepare(round=big)
    assessment = big.assessments.get(branch=cast.branch)
    assert assessment.scores.count() == 56
    add_evidence(assessment, cast.carol, per_item=2)
    client.force_login(cast.carol)
    with django_assert_max_num_queries(10):
        response = client.get(url(assessment))
    html = response.content.decode()
    assert "0/56" in html and html.count('<div class="sr" id="item-') == 56
    client.force_login(cast.alice)
    with django_assert_max_num_queries(10):
        assert client.get(url(assessment)).status_code == 200
