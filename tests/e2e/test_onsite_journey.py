"""党委一线考评 in a browser: an assessor scores a submitted branch item by item on a phone,
is refused a deduction without a reason, finalises; another branch gets a veto; the ranking
shows both with the right totals and grades. Screenshots of the overview and the scoring
page at 1280 and 390 px."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import Branch, Phase, Round, Score, Status
from assessment.services.onsite import onsite_finalise, onsite_score_record
from assessment.services.rounds import round_prepare
from tests.conftest import PASSWORD, make_standard
from tests.e2e.conftest import SHOTS, log_in, no_sideways_scroll, shot


@pytest.fixture
def ready(cast):
    """A round of a 100-point standard (2 areas × 5 items × 10 points) in the on-site phase;
    both branches submitted with every item self-scored in full."""
    standard = make_standard(name="百分制标准", areas=2, items_per_area=5, points=Decimal("10"))
    round = Round.objects.create(township=cast.township, standard=standard, name="2026年度现场考评", year=2026,
                                 phase=Phase.ONSITE)
    round_prepare(round=round)
    Score.objects.filter(assessment__round=round).update(self_score=Decimal("10"), self_note="已按要求落实")
    round.assessments.update(status=Status.SUBMITTED, submitted_at=timezone.now())
    cast.onsite_round = round
    cast.first = round.assessments.get(branch=cast.branch)
    cast.second = round.assessments.get(branch=cast.branch2)
    cast.items = list(standard.items.order_by("number"))
    return cast


def row(page, item):
    return page.locator(f"#item-{item.pk}")


def test_assessor_scores_finalises_and_the_ranking_shows_it(phone, page, ready):
    c = ready
    base = phone.base
    log_in(phone, "bob", PASSWORD)
    phone.goto(f"{base}/rounds/{c.onsite_round.pk}/onsite/")
    expect(phone.locator(f"#onsite-row-{c.first.pk}")).to_contain_text("已提交")
    assert no_sideways_scroll(phone)
    shot(phone, "onsite-overview-phone")
    phone.locator(f"#onsite-row-{c.first.pk} a", has_text="评分").click()
    expect(phone.locator("h1")).to_contain_text("化峪村")
    assert no_sideways_scroll(phone)
    # The score field is large enough for a thumb.
    box = row(phone, c.items[0]).locator("input[name^=score-]").bounding_box()
    assert box["height"] >= 44

    # A deduction without a reason is refused, and nothing is saved.
    first = row(phone, c.items[0])
    first.locator("input[name^=score-]").fill("8")
    first.locator("input[name^=score-]").blur()
    expect(first.locator(".or-status")).to_contain_text("必须填写扣分原因")
    assert Score.objects.get(assessment=c.first, item=c.items[0]).onsite_score is None
    first.locator("textarea[name^=reason-]").fill("组织生活会记录缺少两次签到")
    first.locator("textarea[name^=reason-]").blur()
    expect(first.locator(".or-status")).to_contain_text("已保存")
    first.locator("input[name^=rect-]").check()
    expect(first.locator("textarea[name^=requirement-]")).to_be_visible()
    first.locator("textarea[name^=requirement-]").fill("补齐签到表")
    first.locator("textarea[name^=requirement-]").blur()
    expect(first.locator(".or-status")).to_contain_text("已保存")
    expect(phone.locator("#onsite-status")).to_have_text("考评中")

    # The rest at full points, one tap each.
    for item in c.items[1:]:
        row(phone, item).locator(".or-full").click()
        expect(row(phone, item).locator(".or-status")).to_contain_text("已保存")
    expect(phone.locator("#onsite-progress")).to_have_text("10/10")
    expect(phone.locator("#onsite-total")).to_have_text("98")
    # The total and grade at the foot follow each save, before any reload.
    expect(phone.locator("#onsite-result-score")).to_have_text("98")
    expect(phone.locator("#onsite-grand-total")).to_have_text("98")
    expect(phone.locator("#onsite-grade")).to_have_text("优秀")
    saved = Score.objects.get(assessment=c.first, item=c.items[0])
    assert (saved.onsite_score, saved.deduction_reason, saved.needs_rectification, saved.requirement) == (
        Decimal("8"), "组织生活会记录缺少两次签到", True, "补齐签到表")
    phone.reload()
    first = row(phone, c.items[0])
    first.locator("summary").click()
    expect(first.locator("details.oh")).to_contain_text("考评得分：（空） → 8")
    assert no_sideways_scroll(phone)
    shot(phone, "onsite-scoring-phone")

    # 考评完成: the confirmation shows total and grade; the people who scored are prefilled.
    phone.goto(f"{base}/assessments/{c.first.pk}/onsite/finalise/")
    expect(phone.locator("#finalise-total")).to_have_text("98")
    expect(phone.locator("#finalise-grade")).to_have_text("优秀")
    expect(phone.locator("#assessors-present")).to_have_value("bob")
    phone.fill("#assessors-present", "bob、张三")
    phone.click("#finalise-form button[type=submit]")
    expect(phone.get_by_text("考评完成，评分已锁定")).to_be_visible()
    c.first.refresh_from_db()
    assert c.first.status == Status.FINALISED and c.first.assessors_present == "bob、张三"

    # The second branch: full points, but a veto condition recorded on the page.
    for item in c.items:
        onsite_score_record(assessment=c.second, item=item, actor=c.alice, score=Decimal("10"), reason="",
                            needs_rectification=False, requirement="", version=0)
    log_in(page, "alice", PASSWORD)
    page.goto(f"{page.base}/assessments/{c.second.pk}/onsite/")
    shot(page, "onsite-scoring-desktop")
    veto = page.locator(".onsite-veto-form").first
    veto.locator("textarea").fill("发展党员档案材料弄虚作假")
    veto.locator("button[value=add]").click()
    expect(page.get_by_text("已记录否决情形：否1。")).to_be_visible()
    expect(page.locator("#onsite-result")).to_contain_text("等次为不合格")
    expect(page.locator("#onsite-grade")).to_have_text("不合格")
    onsite_finalise(assessment=c.second, actor=c.alice, assessors_present="alice", date=timezone.localdate())

    page.goto(f"{page.base}/rounds/{c.onsite_round.pk}/onsite/")
    expect(page.locator(f"#onsite-row-{c.first.pk}")).to_contain_text("bob、张三")
    shot(page, "onsite-overview-desktop")
    page.click("#ranking-link")
    first_row = page.locator("tr", has_text="化峪村").first
    expect(first_row).to_contain_text("98")
    expect(first_row).to_contain_text("优秀")
    second_row = page.locator("tr", has_text="西段村").first
    expect(second_row).to_contain_text("100")
    expect(second_row).to_contain_text("不合格")
    expect(second_row).to_contain_text("一票否决")


def test_a_conflict_is_shown_and_settled_in_the_browser(page, ready):
    c = ready
    log_in(page, "bob", PASSWORD)
    page.goto(f"{page.base}/assessments/{c.first.pk}/onsite/")
    # Meanwhile alice saves the same item.
    onsite_score_record(assessment=c.first, item=c.items[0], actor=c.alice, score=Decimal("6"),
                        reason="alice：制度未上墙", needs_rectification=False, requirement="", version=0)
    first = row(page, c.items[0])
    first.locator(".or-full").click()
    expect(first.locator(".or-conflict")).to_contain_text("该项目已被 alice 于")
    expect(first.locator(".or-conflict")).to_contain_text("6 分")
    assert Score.objects.get(assessment=c.first, item=c.items[0]).onsite_score == Decimal("6")
    first.locator("[data-conflict=overwrite]").click()
    expect(first.locator(".or-status")).to_contain_text("已保存")
    saved = Score.objects.get(assessment=c.first, item=c.items[0])
    assert saved.onsite_score == Decimal("10") and saved.version == 2


FITS = "(t => t.scrollWidth <= t.clientWidth)(document.querySelector('.ranking-table'))"


def test_the_ranking_of_a_seven_area_standard_fits_the_screen_and_a_landscape_page(page, cast):
    """The township's standard has 7 areas: the ranking shows them all at 1280 px without
    sideways scrolling inside the table, and prints on A4 landscape without cutting a column."""
    standard = make_standard(name="七方面标准", areas=7, items_per_area=2, points=Decimal("7"))
    standard.areas.update(name="组织生活规范化建设")  # as long as the real ones
    round = Round.objects.create(township=cast.township, standard=standard, name="2026年度排名", year=2026,
                                 phase=Phase.ONSITE)
    round_prepare(round=round)
    Score.objects.filter(assessment__round=round).update(self_score=Decimal("7"), onsite_score=Decimal("6.5"))
    round.assessments.update(status=Status.FINALISED)
    Branch.objects.filter(pk=cast.branch2.pk).update(is_demonstration=True)
    log_in(page, "alice", PASSWORD)
    page.goto(f"{page.base}/rounds/{round.pk}/results/")
    expect(page.locator("tr", has_text="西段村").first).to_contain_text("示范点")
    assert page.evaluate(FITS)
    shot(page, "ranking-desktop")
    page.emulate_media(media="print")
    assert page.evaluate(FITS)
    page.pdf(path=str(SHOTS / "ranking-print.pdf"), prefer_css_page_size=True)


def test_a_reply_that_comes_back_late_does_not_undo_the_bar(page, ready):
    """Two items saved together; the first one's reply is held back until the second's has been
    shown. The bar keeps the figures of the later read (2/10, 20 分) instead of going back to the
    first reply's (1/10, 10 分), and so does the area's."""
    c = ready
    log_in(page, "bob", PASSWORD)
    page.goto(f"{page.base}/assessments/{c.first.pk}/onsite/")
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
            return
        held.append((route, route.fetch()))  # the server has saved it; its reply waits

    page.route(f"**/assessments/{c.first.pk}/onsite/items/*/", hold_the_first)
    row(page, c.items[0]).locator(".or-full").click()
    for _ in range(50):  # until the first save has reached the server
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the first save was not sent"
    row(page, c.items[1]).locator(".or-full").click()
    expect(page.locator("#onsite-progress")).to_have_text("2/10")
    area = c.items[0].area_id
    expect(page.locator(f"[data-area-progress='{area}']")).to_have_text("2/5")
    route, response = held[0]
    route.fulfill(response=response)
    expect(row(page, c.items[0]).locator(".or-status")).to_contain_text("已保存")
    page.wait_for_timeout(300)
    expect(page.locator("#onsite-progress")).to_have_text("2/10")
    expect(page.locator(f"[data-area-progress='{area}']")).to_have_text("2/5")
    assert Score.objects.filter(assessment=c.first, onsite_score=Decimal("10")).count() == 2
