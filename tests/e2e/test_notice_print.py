"""The notice printed from the browser: Chromium prints the print version to PDF (as 打印 does)
and the text is measured on paper: A4 portrait, body text 12 pt or more, tables 9 pt or more,
the 附件 on a page of its own."""

from django.utils import timezone

import pytest

from assessment.services.notice import notice_publish, rectifications_propose
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_notice_journey import ready  # noqa: F401  (fixture)
from tests.printing import A4_PORTRAIT, BOX, MIN_PT, measure, size_is

TEXT = "根据考核验收办法，镇党委对全镇各党支部进行了考核验收，现将有关情况通报如下。"


@pytest.fixture
def issued(ready):  # noqa: F811
    rectifications_propose(round=ready.round, actor=ready.alice, include_deductions=True)
    notice_publish(round=ready.round, actor=ready.alice, text=TEXT, number="化党发〔2026〕3号")
    return ready


def test_the_notice_prints_on_a4_portrait_readably(page, issued, tmp_path):
    log_in(page, "carol", PASSWORD)
    page.goto(f"{page.base}/rounds/{issued.round.pk}/notice/?print=1")
    page.emulate_media(media="print")
    pdf = tmp_path / "notice.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    printed = measure(pdf)
    assert printed.pages and all(size_is(p, A4_PORTRAIT) for p in printed.pages)
    assert len(printed.pages) == 2  # the notice, then the 附件 on its own page
    first, annex = printed.pages
    assert "化党发〔2026〕3号" in first.text and "整改事项清单" in annex.text and "化峪村（2项）" in annex.text
    today = timezone.localdate()
    assert f"{today.year}年{today.month}月{today.day}日" in first.text
    # Body text: the words of the notice's own paragraph; tables: every word on paper.
    body = [h / BOX for t, h in first.words if t and t in TEXT]
    assert body and min(body) >= 12, body
    smallest = min(h / BOX for p in printed.pages for t, h in p.words if t.strip())
    assert smallest >= MIN_PT, smallest
    assert not printed.near_empty()
    # 第 N 页，共 M 页 at the foot of every page (in place of the browser's address and date).
    for n, p in enumerate(printed.pages, start=1):
        assert f"第{n}页，共{len(printed.pages)}页" in p.text, p.text


PAGE_PX = (297 - 25 - 22) / 25.4 * 96  # the height A4 portrait leaves inside notice.css's margins


def test_a_branch_heading_of_the_attachment_stays_with_its_first_item(page, issued, tmp_path):
    """Pushed down until 化峪村's heading row ends just above the foot of the page, the heading
    goes over to the next page with its first item rather than stand alone at the bottom."""
    log_in(page, "carol", PASSWORD)
    page.set_viewport_size({"width": round((210 - 44) / 25.4 * 96), "height": 900})  # the printed width
    page.goto(f"{page.base}/rounds/{issued.round.pk}/notice/?print=1")
    page.emulate_media(media="print")
    page.evaluate("""(pagePx) => {
        const annex = document.querySelector('#notice-annex');
        const heading = annex.querySelector('.notice-branch-row');
        const spacer = document.createElement('div');
        spacer.style.height = (pagePx - 12 - (heading.getBoundingClientRect().bottom
                                              - annex.getBoundingClientRect().top)) + 'px';
        annex.prepend(spacer);
    }""", PAGE_PX)
    pdf = tmp_path / "notice.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    printed = measure(pdf)
    assert len(printed.pages) == 3, [p.text for p in printed.pages]
    heading = [p.text for p in printed.pages if "1.化峪村（2项）" in p.text]
    assert len(heading) == 1 and "换届选举材料不全" in heading[0], heading


def test_on_a_phone_the_ranking_shows_every_column_without_scrolling(phone, issued):
    """At 390 px the ranking's five columns fit the screen: the long 差值 heading wraps in its
    column instead of pushing 等次 out of sight."""
    log_in(phone, "carol", PASSWORD)
    phone.goto(f"{phone.base}/rounds/{issued.round.pk}/notice/")
    table = phone.locator("#notice .notice-table").first
    grade = table.locator("thead th").last
    assert grade.inner_text() == "等次"
    box, screen = grade.bounding_box(), phone.viewport_size
    assert box["x"] + box["width"] <= screen["width"], box
    wrapper = table.locator("xpath=..")
    assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth")


def test_on_a_phone_the_board_shows_each_items_deadline_without_scrolling(phone, issued):
    """At 390 px the 整改台账's items fit the screen: the deadline goes under the problem, with
    the status, instead of a column of its own pushed past the edge."""
    log_in(phone, "alice", PASSWORD)
    phone.goto(f"{phone.base}/rounds/{issued.round.pk}/rectifications/")
    table = phone.locator("table.rect-table")
    assert table.locator("xpath=..").evaluate("e => e.scrollWidth <= e.clientWidth")
    import re

    rows = table.locator("tbody tr")
    assert rows.count() >= 2
    assert all(re.search(r"\d{4}年\d{1,2}月\d{1,2}日前", text) for text in rows.all_inner_texts())
