"""抽查复核 pages: the list, the draw, the spot check with its flags, the re-scoring page and its
JSON save, the difference of a branch, publishing. Who sees what: the county's department of
that county (and the superuser) everything; a township's staff nothing until published, then
their own branches only; another county 404. Query counts pinned."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Score
from assessment.models_spot import SpotCheck, SpotScore
from assessment.services.spotcheck import spot_check_draw, spot_check_publish, spot_score_record
from tests.conftest import login
from tests.spot_scenario import build, rescore


@pytest.fixture
def w(cast):
    world = build(cast)
    world.cast = cast
    world.spot = spot_check_draw(actor=world.xian, county=world.county, year=2025, name="2025年度抽查复核",
                                 method="chosen", ticked=[world.a_cun.pk, world.a_east.pk])
    world.sample = world.spot.samples.get(assessment=world.a_cun)
    world.sample_east = world.spot.samples.get(assessment=world.a_east)
    return world


def publish(w, scores=None):
    rescore(w.spot, w.xian, scores)
    spot_check_publish(spot_check=w.spot, actor=w.xian)


def text(response):
    return response.content.decode()


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_the_countys_spot_checks(client, w, django_assert_num_queries):
    login(client, w.xian)
    assert reverse("spotcheck-list") in text(client.get(reverse("home")))  # the way in, from the home page
    with django_assert_num_queries(4):  # the session, the user, the navbar's unread count, the spot checks
        response = client.get(reverse("spotcheck-list"))
    assert response.status_code == 200
    assert "2025年度抽查复核" in text(response) and "抽取支部" in text(response)


def test_another_county_and_the_township_before_publishing_see_none(client, w):
    for user in (w.waixian, w.cast.alice, w.tina):
        login(client, user)
        response = client.get(reverse("spotcheck-list"))
        assert response.status_code == 200 and "2025年度抽查复核" not in text(response)
        # 外县's department may draw in its own county; a township may not
        assert ("抽取支部" in text(response)) == (user == w.waixian)


def test_a_secretary_is_told_the_spot_checks_are_the_countys(client, w):
    login(client, w.cast.carol)
    response = client.get(reverse("spotcheck-list"))
    assert response.status_code == 403 and "县委组织部" in text(response)


# --- the draw ------------------------------------------------------------------------------------


def test_the_draw_form_lists_the_pool(client, w, django_assert_num_queries):
    login(client, w.xian)
    client.get(reverse("home"))
    with django_assert_num_queries(9):  # session, user, unread count, county, years, the pool and its sums, bonus, vetoes
        response = client.get(reverse("spotcheck-new"))
    body = text(response)
    assert response.status_code == 200
    for name in ("化峪村", "西段村", "东村", "西村"):
        assert name in body
    assert "外镇村" not in body


def test_drawing_at_random_opens_the_spot_check(client, w):
    login(client, w.xian)
    response = client.post(reverse("spotcheck-new"), {
        "year": "2025", "name": "随机抽查", "method": "random", "size": "2", "seed": "42", "threshold": "3"})
    spot = SpotCheck.objects.get(name="随机抽查")
    assert response.status_code == 302 and response["Location"] == reverse("spotcheck-detail", args=[spot.pk])
    assert (spot.seed, spot.samples.count(), spot.threshold) == (42, 2, Decimal("3"))


def test_a_bad_draw_is_refused_with_the_reason_and_the_form_kept(client, w):
    login(client, w.xian)
    response = client.post(reverse("spotcheck-new"), {
        "year": "2025", "name": "空抽查", "method": "chosen", "ticked": [str(w.a_west.pk)], "lowest": "x"})
    assert response.status_code == 400 and "请输入整数" in text(response)
    assert "空抽查" in text(response) and not SpotCheck.objects.filter(name="空抽查").exists()


def test_only_the_county_may_draw(client, w):
    for user in (w.cast.alice, w.cast.bob, w.cast.carol):
        login(client, user)
        assert client.get(reverse("spotcheck-new")).status_code == 403
        assert client.post(reverse("spotcheck-new"), {"year": "2025", "name": "x", "method": "random",
                                                      "size": "1"}).status_code == 403
    assert not SpotCheck.objects.filter(name="x").exists()


# --- the spot check's page ---------------------------------------------------------------------------


def test_the_spot_check_page_shows_each_branch_and_flags_the_township(client, w, django_assert_num_queries):
    rescore(w.spot, w.xian, {(w.a_cun.pk, 1): "0", (w.a_cun.pk, 2): "0", (w.a_cun.pk, 3): "0",
                             (w.a_cun.pk, 4): "0"})
    login(client, w.xian)
    client.get(reverse("home"))
    with django_assert_num_queries(9):  # with the navbar's unread count
        response = client.get(reverse("spotcheck-detail", args=[w.spot.pk]))
    body = text(response)
    assert response.status_code == 200
    assert "评分差异大" in body and "化峪镇（平均相差 7.5 分）" in body  # 23.5 → 16
    assert "−7.5" in body and "发布复核结果" in body
    assert reverse("spotcheck-scoring", args=[w.sample.pk]) in body


def test_another_county_gets_404_everywhere(client, w):
    login(client, w.waixian)
    for name, pk in (("spotcheck-detail", w.spot.pk), ("spotcheck-scoring", w.sample.pk),
                     ("spotcheck-difference", w.sample.pk)):
        assert client.get(reverse(name, args=[pk])).status_code == 404
    assert client.post(reverse("spotcheck-publish", args=[w.spot.pk])).status_code == 404
    item = w.items[0]
    assert client.post(reverse("spotcheck-item-save", args=[w.sample.pk, item.pk]),
                       {"score": "1", "version": "0"}).status_code == 404


def test_the_township_sees_nothing_before_publishing_then_its_own_branches(client, w):
    login(client, w.cast.alice)
    for name, pk in (("spotcheck-detail", w.spot.pk), ("spotcheck-difference", w.sample.pk),
                     ("spotcheck-scoring", w.sample.pk)):
        assert client.get(reverse(name, args=[pk])).status_code == 404
    publish(w, {(w.a_cun.pk, 1): "1"})
    response = client.get(reverse("spotcheck-detail", args=[w.spot.pk]))
    assert response.status_code == 200
    assert "化峪村" in text(response) and "东村" not in text(response)  # 东村 is 太阳乡's
    assert "复核评分" not in text(response)
    response = client.get(reverse("spotcheck-difference", args=[w.sample.pk]))
    assert response.status_code == 200 and "−0.5" in text(response)
    assert client.get(reverse("spotcheck-difference", args=[w.sample_east.pk])).status_code == 404
    # the re-scoring is the county's: 403 with the reason
    response = client.get(reverse("spotcheck-scoring", args=[w.sample.pk]))
    assert response.status_code == 403 and "县委组织部" in text(response)
    assert "2025年度抽查复核" in text(client.get(reverse("spotcheck-list")))


def test_publishing_from_the_page(client, w):
    login(client, w.xian)
    response = client.post(reverse("spotcheck-publish", args=[w.spot.pk]))
    assert response.status_code == 403 and "未复核完" in text(response)
    assert "未复核完" in text(client.get(reverse("spotcheck-detail", args=[w.spot.pk])))  # said before the click
    rescore(w.spot, w.xian)
    response = client.post(reverse("spotcheck-publish", args=[w.spot.pk]), follow=True)
    assert "抽查复核结果已发布" in text(response)
    w.spot.refresh_from_db()
    assert w.spot.published_at is not None
    login(client, w.cast.alice)
    response = client.post(reverse("spotcheck-publish", args=[w.spot.pk]))
    assert response.status_code == 403


# --- re-scoring ----------------------------------------------------------------------------------------


def test_the_re_scoring_page_has_the_on_site_layout(client, w, django_assert_num_queries):
    login(client, w.xian)
    client.get(reverse("home"))
    with django_assert_num_queries(7):  # session, user, unread count, the sample, the township's scores, evidence, county's
        response = client.get(reverse("spotcheck-scoring", args=[w.sample.pk]))
    body = text(response)
    assert response.status_code == 200
    assert body.count('class="or"') == len(w.items)
    assert 'id="onsite-form"' in body and "huayu/onsite.js" in body and 'id="keep-state"' in body
    item = w.items[0]
    assert f'name="score-{item.pk}"' in body and f'name="version-{item.pk}" value="0"' in body
    assert "乡镇考评 <b>1.5</b>" in body


def test_saving_one_item_answers_the_totals_and_the_difference(client, w):
    login(client, w.xian)
    item = w.items[0]
    url = reverse("spotcheck-item-save", args=[w.sample.pk, item.pk])
    response = client.post(url, {"score": "0.5", "reason": "签到表缺", "version": "0", "edit": "a1"})
    data = response.json()
    assert response.status_code == 200 and data["ok"]
    assert (data["version"], data["total"], data["progress"]) == (1, "0.5", f"1/{len(w.items)}")
    assert data["texts"][f"#diff-{item.pk}"] == "−1" and data["texts"]["#spot-difference"] == "−1"
    assert data["texts"][f"[data-area-difference='{item.area_id}']"] == "−1"
    assert SpotScore.objects.get(sample=w.sample, item=item).score == Decimal("0.5")
    assert Score.objects.get(assessment=w.a_cun, item=item).onsite_score == Decimal("1.5")


@pytest.mark.parametrize("data, status, message", [
    ({"score": "3", "version": "0"}, 400, "得分应在 0 到 2 分之间"),
    ({"score": "1", "version": "0"}, 400, "扣分原因"),
    ({"score": "1", "reason": "x"}, 400, "版本"),
])
def test_a_bad_save_is_refused_in_json(client, w, data, status, message):
    login(client, w.xian)
    response = client.post(reverse("spotcheck-item-save", args=[w.sample.pk, w.items[0].pk]), data)
    assert response.status_code == status and message in response.json()["error"]
    assert SpotScore.objects.get(sample=w.sample, item=w.items[0]).score is None


def test_a_save_over_someone_elses_is_a_conflict(client, w):
    spot_score_record(sample=w.sample, item=w.items[0], actor=w.cast.root, score=Decimal("2"), reason="", version=0)
    login(client, w.xian)
    response = client.post(reverse("spotcheck-item-save", args=[w.sample.pk, w.items[0].pk]),
                           {"score": "1", "reason": "x", "version": "0"})
    assert response.status_code == 409 and response.json()["current"]["score"] == "2"


def test_a_published_spot_check_refuses_saves(client, w):
    publish(w)
    login(client, w.xian)
    response = client.post(reverse("spotcheck-item-save", args=[w.sample.pk, w.items[0].pk]),
                           {"score": "1", "reason": "x", "version": "1"})
    assert response.status_code == 403 and "已发布" in response.json()["error"]
    response = client.get(reverse("spotcheck-scoring", args=[w.sample.pk]))
    assert response.status_code == 200 and "已发布，不能再修改" in text(response) and "disabled" in text(response)


def test_the_no_script_form_saves_every_changed_item(client, w):
    login(client, w.xian)
    first, second = w.items[:2]
    response = client.post(reverse("spotcheck-scoring", args=[w.sample.pk]), {
        f"version-{first.pk}": "0", f"score-{first.pk}": "2", f"reason-{first.pk}": "",
        f"version-{second.pk}": "0", f"score-{second.pk}": "9", f"reason-{second.pk}": "",
    })
    assert response.status_code == 400 and "得分应在 0 到 2 分之间" in text(response)
    assert SpotScore.objects.get(sample=w.sample, item=first).score == Decimal("2")
    assert SpotScore.objects.get(sample=w.sample, item=second).score is None
    assert AuditLog.objects.filter(action="spot_score").count() == 1


# --- the difference ----------------------------------------------------------------------------------


def test_the_difference_page_per_area_and_item(client, w, django_assert_num_queries):
    rescore(w.spot, w.xian, {(w.a_cun.pk, 1): "0.5", (w.a_cun.pk, 6): "1"})
    login(client, w.xian)
    client.get(reverse("home"))
    with django_assert_num_queries(6):  # with the navbar's unread count
        response = client.get(reverse("spotcheck-difference", args=[w.sample.pk]))
    body = text(response)
    assert response.status_code == 200
    assert 'id="difference-total">−2<' in body  # 23.5 → 21.5
    assert "复核发现记录不全" in body and "会议记录不全" in body
    assert body.count('id="diff-row-') == 2  # the items that differ
    every = text(client.get(reverse("spotcheck-difference", args=[w.sample.pk]) + "?all=1"))
    assert every.count('id="diff-row-') == len(w.items)
