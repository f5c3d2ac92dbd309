"""抽查复核: the services (draw at random with a recorded seed, or chosen; re-score; publish) and
the selectors (the pool, the difference per branch, area and item; the township flag)."""

from decimal import Decimal

import pytest

from assessment.models import AuditLog, Message, Score
from assessment.models_spot import SpotCheck, SpotReason, SpotSample, SpotScore
from assessment.selectors_spot import flagged_townships, spot_check_rows, spot_pool, spot_sheet_for
from assessment.services.base import InvalidInput, ServiceError
from assessment.services.spotcheck import (
    ScoreConflict, spot_check_draw, spot_check_publish, spot_edit_refusal, spot_score_record,
)
from tests.spot_scenario import build, rescore


@pytest.fixture
def w(cast):
    world = build(cast)
    world.cast = cast
    return world


def draw(w, actor=None, **options):
    options.setdefault("name", "2025年度抽查复核")
    options.setdefault("method", "random")
    options.setdefault("year", 2025)
    return spot_check_draw(actor=actor or w.xian, county=w.county, **options)


def sampled(spot_check):
    return list(spot_check.samples.order_by("assessment_id").values_list("assessment_id", flat=True))


# --- the pool ------------------------------------------------------------------------------------


def test_the_pool_is_the_countys_finished_branches_of_the_year_with_their_rank(w, django_assert_num_queries):
    with django_assert_num_queries(4):
        pool = spot_pool(w.county.pk, 2025)
    by_name = {row.branch: row for row in pool}
    assert set(by_name) == {"化峪村", "西段村", "东村", "西村"}  # not 外镇村 (外县), not the 2026 round
    assert by_name["化峪村"].total == Decimal("23.5") and by_name["化峪村"].rank == 1
    assert by_name["西段村"].total == Decimal("22") and by_name["西段村"].rank == 2
    assert by_name["化峪村"].is_demonstration and not by_name["东村"].is_demonstration
    assert (by_name["东村"].rank, by_name["西村"].rank) == (1, 2)


def test_the_pool_leaves_out_branches_not_finished(w):
    w.a_west.status = "onsite"
    w.a_west.save()
    assert "西村" not in {row.branch for row in spot_pool(w.county.pk, 2025)}


# --- drawing -----------------------------------------------------------------------------------------


def test_a_random_draw_is_reproducible_with_its_recorded_seed(w):
    first = draw(w, size=2, seed=12345)
    again = draw(w, name="再抽一次", size=2, seed=12345)
    assert first.seed == 12345 and first.sample_size == 2
    assert sampled(first) == sampled(again) and len(sampled(first)) == 2
    seeds = {tuple(sampled(draw(w, name=f"种子{seed}", size=2, seed=seed))) for seed in range(1, 9)}
    assert len(seeds) > 1, "other seeds draw other samples"
    assert set(first.samples.values_list("reason", flat=True)) == {SpotReason.RANDOM}


def test_a_random_draw_without_a_seed_records_the_one_it_used(w):
    first = draw(w, size=3)
    assert first.seed
    assert sampled(draw(w, name="复现", size=3, seed=first.seed)) == sampled(first)


def test_a_draw_gives_every_sampled_branch_an_empty_county_score_per_item_and_is_audited(w):
    spot = draw(w, size=10, seed=1)  # more than the pool: all four
    assert spot.samples.count() == 4
    assert SpotScore.objects.filter(sample__spot_check=spot).count() == 4 * len(w.items)
    assert not SpotScore.objects.filter(sample__spot_check=spot, score__isnull=False).exists()
    record = AuditLog.objects.get(action="spot_draw")
    assert record.actor == w.xian and record.assessment is None
    assert "随机种子 1" in record.note and "化峪村" in record.note


def test_a_chosen_draw_takes_every_demonstration_site_the_lowest_ranked_and_the_ticked(w):
    spot = draw(w, method="chosen", demonstration=True, lowest=1, ticked=[w.a_east.pk, w.a_cun.pk])
    reasons = dict(spot.samples.values_list("assessment_id", "reason"))
    assert reasons == {
        w.a_cun.pk: SpotReason.DEMONSTRATION,     # a 示范点 (also ticked: drawn once, first reason)
        w.a_xiduan.pk: SpotReason.LOWEST,          # 化峪镇's last
        w.a_west.pk: SpotReason.LOWEST,            # 太阳乡's last
        w.a_east.pk: SpotReason.TICKED,
    }
    assert spot.seed is None and spot.sample_size == 4


def test_a_chosen_draw_ignores_ticked_branches_outside_the_pool(w):
    spot = draw(w, method="chosen", ticked=[w.a_other.pk, w.a_east.pk, "x"])
    assert sampled(spot) == [w.a_east.pk]


@pytest.mark.parametrize("options, message", [
    ({"size": 0}, "抽取数量"),
    ({"size": "两个"}, "整数"),
    ({"method": "chosen"}, "没有选中任何支部"),
    ({"method": "draw"}, "抽取方式"),
    ({"name": " "}, "名称"),
    ({"year": 2024, "size": 2}, "还没有考评完成的支部"),
    ({"size": 2, "threshold": "很多"}, "差异阈值"),
    ({"size": 2, "threshold": "-1"}, "差异阈值"),
])
def test_a_draw_refuses_bad_input_and_writes_nothing(w, options, message):
    with pytest.raises(InvalidInput, match=message):
        draw(w, **options)
    assert not SpotCheck.objects.exists() and not AuditLog.objects.filter(action="spot_draw").exists()


def test_a_draw_refuses_a_name_the_county_has_used(w):
    draw(w, size=1, seed=1)
    with pytest.raises(InvalidInput, match="已有名为"):
        draw(w, size=1, seed=2)


def test_only_the_countys_department_draws(w):
    for actor in (w.cast.alice, w.waixian, w.cast.carol):
        with pytest.raises(ServiceError, match="只有本县县委组织部"):
            draw(w, actor=actor, size=1)
    assert not SpotCheck.objects.exists()
    assert draw(w, actor=w.cast.root, size=1).drawn_by == w.cast.root


# --- re-scoring ---------------------------------------------------------------------------------------


@pytest.fixture
def spot(w):
    spot = draw(w, method="chosen", ticked=[w.a_cun.pk, w.a_xiduan.pk, w.a_west.pk])
    w.sample = spot.samples.get(assessment=w.a_cun)
    return spot


def row(w, number=1):
    return SpotScore.objects.get(sample=w.sample, item=w.items[number - 1])


def test_a_re_score_is_the_countys_own_row_and_leaves_the_townships_score(w, spot):
    before = list(Score.objects.filter(assessment=w.a_cun).values_list("item_id", "onsite_score", "version"))
    saved = spot_score_record(sample=w.sample, item=w.items[0], actor=w.xian, score=Decimal("1"),
                              reason="会议记录缺两次", version=0)
    assert saved.changed == ["score", "reason"] and saved.version == 1
    assert (row(w).score, row(w).reason, row(w).updated_by) == (Decimal("1"), "会议记录缺两次", w.xian)
    assert list(Score.objects.filter(assessment=w.a_cun).values_list("item_id", "onsite_score", "version")) == before
    records = AuditLog.objects.filter(action__in=("spot_score", "spot_reason"))
    assert records.count() == 2 and not records.filter(assessment__isnull=False).exists()
    assert "化峪村" in records.first().target and records.get(action="spot_score").new_value == "1"


@pytest.mark.parametrize("score, reason, message", [
    ("2.5", "", "得分应在 0 到 2 分之间"),
    ("-0.5", "原因", "得分应在 0 到 2 分之间"),
    ("0.3", "原因", "0.5 的整数倍"),
    ("1", "", "必须填写扣分原因"),
    ("abc", "", "请输入数字"),
])
def test_a_re_score_outside_the_items_points_is_refused(w, spot, score, reason, message):
    with pytest.raises(InvalidInput, match=message):
        spot_score_record(sample=w.sample, item=w.items[0], actor=w.xian, score=score, reason=reason, version=0)
    assert row(w).score is None and row(w).version == 0


def test_a_re_score_based_on_an_older_version_is_a_conflict(w, spot):
    spot_score_record(sample=w.sample, item=w.items[0], actor=w.xian, score=Decimal("2"), reason="", version=0)
    with pytest.raises(ScoreConflict, match="xian") as conflict:
        spot_score_record(sample=w.sample, item=w.items[0], actor=w.cast.root, score=Decimal("1"),
                          reason="记录不全", version=0)
    assert conflict.value.current["score"] == "2" and conflict.value.current["version"] == 1
    # sent again (its reply lost): answered as saved, nothing written twice
    again = spot_score_record(sample=w.sample, item=w.items[1], actor=w.xian, score=Decimal("2"), reason="",
                              version=0, edit="e1")
    assert spot_score_record(sample=w.sample, item=w.items[1], actor=w.xian, score=Decimal("2"), reason="",
                             version=0, edit="e1").changed == [] and again.version == 1


def test_another_county_and_the_township_cannot_re_score(w, spot):
    for actor in (w.waixian, w.cast.alice, w.cast.bob):
        with pytest.raises(ServiceError, match="只有本县县委组织部"):
            spot_score_record(sample=w.sample, item=w.items[0], actor=actor, score=Decimal("2"), reason="",
                              version=0)
    assert row(w).score is None


def test_a_published_spot_check_is_closed(w, spot):
    rescore(spot, w.xian)
    spot_check_publish(spot_check=spot, actor=w.xian)
    assert spot_edit_refusal(spot, w.xian) == "抽查复核结果已发布，不能再修改。"
    with pytest.raises(ServiceError, match="已发布"):
        spot_score_record(sample=w.sample, item=w.items[0], actor=w.xian, score=Decimal("1"), reason="不全",
                          version=row(w).version)
    assert row(w).score == Decimal("2")


# --- publishing ---------------------------------------------------------------------------------------


def test_publishing_waits_for_every_item_then_tells_the_townships(w, spot):
    with pytest.raises(ServiceError, match="还有 3 个支部未复核完"):
        spot_check_publish(spot_check=spot, actor=w.xian)
    rescore(spot, w.xian)
    with pytest.raises(ServiceError, match="只有本县"):
        spot_check_publish(spot_check=spot, actor=w.waixian)
    spot_check_publish(spot_check=spot, actor=w.xian)
    spot.refresh_from_db()
    assert spot.published_at and spot.published_by == w.xian
    told = set(Message.objects.filter(topic=f"spot_publish:{spot.pk}").values_list("user__username", flat=True))
    assert told == {"alice", "tina"}  # the admins of 化峪镇 and 太阳乡; not eve (外县)
    assert AuditLog.objects.filter(action="spot_publish", assessment__isnull=True).count() == 1
    with pytest.raises(ServiceError, match="已发布"):
        spot_check_publish(spot_check=spot, actor=w.xian)


# --- the difference and the flag ----------------------------------------------------------------------


def test_the_difference_per_branch_and_the_township_flag(w, spot, django_assert_num_queries):
    # 化峪村: township 23.5; the county takes 3 more points off (item 1 at 0.5, items 5 and 9 at 0).
    # 西段村: township 22; the county finds the same. 西村 (太阳乡): township 23, the county 1 lower.
    rescore(spot, w.xian, {(w.a_cun.pk, 1): "0.5", (w.a_cun.pk, 5): "0", (w.a_cun.pk, 9): "0",
                           (w.a_xiduan.pk, 1): "1", (w.a_xiduan.pk, 2): "1", (w.a_west.pk, 3): "0.5",
                           (w.a_west.pk, 4): "1.5"})
    with django_assert_num_queries(4):
        samples, townships = spot_check_rows(spot)
    by_branch = {r.branch: r for r in samples}
    assert (by_branch["化峪村"].township_total, by_branch["化峪村"].county_total) == (Decimal("23.5"), Decimal("18.5"))
    assert by_branch["化峪村"].difference == Decimal("-5")
    assert by_branch["西段村"].difference == 0
    assert by_branch["西村"].difference == Decimal("-1")
    by_township = {t.name: t for t in townships}
    assert by_township["化峪镇"].mean_difference == Decimal("2.5") and not by_township["化峪镇"].flagged
    spot.threshold = Decimal("2")
    assert [t.name for t in flagged_townships(spot)] == ["化峪镇"]
    # A township's own view: its branches only.
    samples, townships = spot_check_rows(spot, township_id=w.township2.pk)
    assert [r.branch for r in samples] == ["西村"] and [t.name for t in townships] == ["太阳乡"]


def test_the_difference_counts_only_the_items_re_scored(w, spot):
    spot_score_record(sample=w.sample, item=w.items[0], actor=w.xian, score=Decimal("0.5"), reason="不全", version=0)
    row, = [r for r in spot_check_rows(spot)[0] if r.branch == "化峪村"]
    assert (row.scored, row.items, row.difference) == (1, len(w.items), Decimal("-1"))  # 0.5 against 1.5
    others = [r for r in spot_check_rows(spot)[0] if r.branch != "化峪村"]
    assert all(r.difference is None for r in others)
    assert not flagged_townships(spot)


def test_the_sheet_of_a_sample_per_area_and_item(w, spot, django_assert_num_queries):
    spot_score_record(sample=w.sample, item=w.items[0], actor=w.xian, score=Decimal("0.5"), reason="不全", version=0)
    spot_score_record(sample=w.sample, item=w.items[4], actor=w.xian, score=Decimal("2"), reason="", version=0)
    with django_assert_num_queries(3):
        sheet = spot_sheet_for(w.sample)
    first, second, third = sheet.areas
    assert (first.township, first.county, first.difference) == (Decimal("7.5"), Decimal("0.5"), Decimal("-1"))
    assert (second.county, second.difference, third.difference) == (Decimal("2"), 0, None)
    item1 = first.rows[0]
    assert (item1["onsite_text"], item1["score_text"], item1["difference_text"]) == ("1.5", "0.5", "−1")
    assert first.rows[1]["difference_text"] == ""
    assert (sheet.scored, sheet.items, sheet.difference) == (2, len(w.items), Decimal("-1"))
