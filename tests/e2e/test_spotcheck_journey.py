"""抽查复核 in a browser: the county's department opens a spot check on a phone, re-scores an item
of a sampled branch on the on-site page's layout (saved as typed), sees the difference with the
township's score follow, then the branch's difference per area and item; the township flag on the
spot check's page. Screenshots at 1280 and 390 px."""

import pytest
from playwright.sync_api import expect

from assessment.models_spot import SpotScore
from assessment.services.spotcheck import spot_check_draw
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, no_sideways_scroll, shot
from tests.spot_scenario import build, rescore


@pytest.fixture
def w(cast):
    world = build(cast)
    world.spot = spot_check_draw(actor=world.xian, county=world.county, year=2025, name="2025年度抽查复核",
                                 method="chosen", demonstration=True, ticked=[world.a_west.pk], threshold="1")
    world.sample = world.spot.samples.get(assessment=world.a_cun)
    return world


def test_the_county_re_scores_an_item_and_sees_the_difference(phone, page, w):
    item = w.items[1]  # 2 points; the township gave 2
    log_in(phone, "xian", PASSWORD)
    phone.goto(phone.base + "/spotchecks/")
    phone.locator("#spot-list a", has_text="2025年度抽查复核").click()
    expect(phone.locator("h1")).to_have_text("2025年度抽查复核")
    assert no_sideways_scroll(phone)
    phone.locator(f"#sample-{w.sample.pk} a", has_text="复核评分").click()
    expect(phone.locator("h1")).to_contain_text("化峪村")
    assert no_sideways_scroll(phone)
    row = phone.locator(f"#item-{item.pk}")
    expect(row.locator(".or-self")).to_contain_text("乡镇考评 2")
    box = row.locator("input[name^=score-]").bounding_box()
    assert box["height"] >= 44

    # A deduction without a reason is refused; with one it is saved and the difference follows.
    row.locator("input[name^=score-]").fill("1")
    row.locator("input[name^=score-]").blur()
    expect(row.locator(".or-status")).to_contain_text("必须填写扣分原因")
    row.locator("textarea[name^=reason-]").fill("主题党日记录缺少照片")
    row.locator("textarea[name^=reason-]").blur()
    expect(row.locator(".or-status")).to_contain_text("已保存")
    expect(row.locator(f"#diff-{item.pk}")).to_have_text("−1")
    expect(phone.locator("#spot-difference")).to_have_text("−1")
    expect(phone.locator("#onsite-progress")).to_have_text(f"1/{len(w.items)}")
    # 满分 with one tap: the difference of that item is 0 (the township gave 2 too).
    third = phone.locator(f"#item-{w.items[2].pk}")
    third.locator(".or-full").click()
    expect(third.locator(".or-status")).to_contain_text("已保存")
    expect(phone.locator(f"#diff-{w.items[2].pk}")).to_have_text("0")
    saved = SpotScore.objects.get(sample=w.sample, item=item)
    assert (str(saved.score), saved.reason) == ("1.0", "主题党日记录缺少照片")
    shot(phone, "spotcheck-scoring-phone")

    phone.goto(phone.base + f"/spotchecks/samples/{w.sample.pk}/difference/")
    expect(phone.locator("#difference-total")).to_have_text("−1")
    expect(phone.locator(f"#diff-row-{item.pk}")).to_contain_text("主题党日记录缺少照片")
    assert no_sideways_scroll(phone)
    shot(phone, "spotcheck-difference-phone")

    # Every item re-scored: 化峪村 0.5 lower than its township's score (within the threshold of 1),
    # 西村 3 lower (items 1 and 2 at 0, item 3 given in full where 太阳乡 gave 1): 太阳乡 is flagged.
    rescore(w.spot, w.xian, {(w.a_west.pk, 1): "0", (w.a_west.pk, 2): "0", (w.a_cun.pk, 2): "1"})
    phone.goto(phone.base + f"/spotchecks/{w.spot.pk}/")
    expect(phone.locator("#spot-flagged")).to_contain_text("太阳乡")
    expect(phone.locator("#spot-flagged")).not_to_contain_text("化峪镇")
    assert no_sideways_scroll(phone)
    shot(phone, "spotcheck-detail-phone")

    log_in(page, "xian", PASSWORD)
    page.goto(page.base + f"/spotchecks/{w.spot.pk}/")
    expect(page.locator("#spot-publish")).to_be_visible()
    shot(page, "spotcheck-detail")
    page.goto(page.base + f"/spotchecks/samples/{w.sample.pk}/")
    expect(page.locator(f"#diff-{item.pk}")).to_have_text("−1")
    shot(page, "spotcheck-scoring")
    page.goto(page.base + f"/spotchecks/samples/{w.sample.pk}/difference/")
    shot(page, "spotcheck-difference")
    page.goto(page.base + "/spotchecks/new/")
    expect(page.locator("#pool")).to_contain_text("东村")
    shot(page, "spotcheck-new")
    phone.goto(phone.base + "/spotchecks/new/")
    expect(phone.locator("#pool")).to_contain_text("西村")
    assert no_sideways_scroll(phone)
    shot(phone, "spotcheck-new-phone")
