"""通报限期整改 in a browser: the admin publishes the notice; a secretary sees the result and
reports an item; the admin returns it once, then closes it; another item passes its deadline
and shows as overdue; the admin downloads the three Excel files."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from assessment.models import Phase, Rectification, RectificationStatus, Score, Status
from tests.conftest import PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE, log_in, no_sideways_scroll, shot


@pytest.fixture
def ready(cast):
    cast.round.phase = Phase.ONSITE
    cast.round.save()
    Score.objects.filter(assessment__round=cast.round).update(self_score=Decimal("2"), onsite_score=Decimal("2"))
    Score.objects.filter(assessment=cast.assessment, item__number=1).update(
        onsite_score=Decimal("1"), deduction_reason="换届选举材料不全，缺少党员大会选举记录", needs_rectification=True,
        requirement="补齐换届选举全套材料并归档")
    Score.objects.filter(assessment=cast.assessment, item__number=6).update(
        onsite_score=Decimal("1.5"), deduction_reason="三会一课记录缺少签到表")
    Score.objects.filter(assessment=cast.assessment2, item__number=2).update(onsite_score=Decimal("1.5"))
    cast.round.assessments.update(status=Status.FINALISED)
    return cast


def test_notice_rectification_journey(page, phone, ready, tmp_path):
    c = ready
    base = page.base
    # The admin proposes every deduction, writes the text, and publishes.
    log_in(page, "alice", PASSWORD)
    page.goto(f"{base}/rounds/{c.round.pk}/notice/prepare/")
    page.check("#include-deductions")
    page.click("#propose button[type=submit]")
    expect(page.get_by_text("已列入 3 项拟整改事项")).to_be_visible()
    # A problem seen on site, tied to no deduction, added by hand for 西段村 (its secretary answers for it).
    page.select_option("#assessment-add", label="西段村")
    page.fill("#problem-add", "党员活动室制度未上墙")
    page.click("#draft-add button[type=submit]")
    expect(page.get_by_text("已为西段村添加一项拟整改事项")).to_be_visible()
    added = Rectification.objects.get(assessment=c.assessment2, item=None)
    assert (added.responsible, added.status) == ("dave", RectificationStatus.DRAFT)
    expect(page.locator(f"#draft-{added.pk} .draft-problem")).to_have_text("党员活动室制度未上墙")
    page.set_viewport_size(PHONE)
    assert page.locator("#draft-add").is_visible() and no_sideways_scroll(page)
    shot(page, "notice-prepare-add-phone")
    page.set_viewport_size(DESKTOP)
    page.fill("#notice-text", "根据考核验收办法，镇党委对全镇各党支部进行了考核验收，现将有关情况通报如下。")
    page.click("text=保存正文并预览")
    assert page.locator("#preview .notice-text").inner_text().startswith("根据考核验收办法")
    shot(page, "notice-prepare-desktop")
    page.fill("#notice-number", "化党发〔2026〕3号")
    page.check("#confirm-publish")
    page.click("button:has-text('发布通报')")
    expect(page).to_have_url(f"{base}/rounds/{c.round.pk}/notice/")
    expect(page.get_by_text("通报已发布")).to_be_visible()
    expect(page.locator("#notice .notice-number")).to_have_text("化党发〔2026〕3号")
    with page.expect_download() as info:  # the Word copy the office edits and stamps
        page.click("#notice-docx")
    assert info.value.suggested_filename == f"通报-{c.round.name}.docx"
    expect(page.get_by_text("党员活动室制度未上墙")).to_be_visible()
    assert Rectification.objects.get(pk=added.pk).status == RectificationStatus.PENDING
    shot(page, "notice-desktop")

    # The secretary, on a phone: the notice from home, the result, the items.
    log_in(phone, "carol", PASSWORD)
    phone.click(f"#notice-link-{c.round.pk}")
    assert phone.locator("#notice").is_visible() and no_sideways_scroll(phone)
    shot(phone, "notice-phone")
    phone.click("text=本支部考评结果")
    assert phone.locator("#rectifications").is_visible() and no_sideways_scroll(phone)
    phone.goto(f"{base}/rounds/{c.round.pk}/rectifications/")
    assert phone.get_by_text("西段村").count() == 0 and no_sideways_scroll(phone)
    first = Rectification.objects.get(assessment=c.assessment, item__number=1)
    phone.click(f"a[href='/rectifications/{first.pk}/']")
    phone.fill("#measures", "已补齐换届选举材料")
    phone.click("button:has-text('报告整改')")
    expect(phone.get_by_text("已报告整改情况，等待镇党委核验")).to_be_visible()
    assert no_sideways_scroll(phone)
    shot(phone, "rectification-detail-phone")

    # The admin returns it once.
    page.goto(f"{base}/rectifications/{first.pk}/")
    page.fill("#return-reason", "缺少党员大会选举记录的签字页")
    page.click("button:has-text('退回重新整改')")
    expect(page.get_by_text("已退回，支部需重新整改并报告")).to_be_visible()
    # The secretary reports again; the admin closes it.
    phone.reload()
    expect(phone.get_by_text("缺少党员大会选举记录的签字页").first).to_be_visible()
    phone.fill("#measures", "已补齐签字页并归档")
    phone.click("button:has-text('报告整改')")
    expect(phone.get_by_text("已报告整改情况，等待镇党委核验")).to_be_visible()
    page.reload()
    page.fill("#verify-note", "材料齐全，同意销号")
    page.click("button:has-text('核验通过，销号')")
    expect(page.get_by_text("已核验销号")).to_be_visible()
    assert Rectification.objects.get(pk=first.pk).status == RectificationStatus.CLOSED
    shot(page, "rectification-detail-desktop")

    # Another item passes its deadline: overdue, in red, counted.
    Rectification.objects.filter(assessment=c.assessment, item__number=6).update(
        deadline=datetime.date.today() - datetime.timedelta(days=1))
    page.goto(f"{base}/rounds/{c.round.pk}/rectifications/")
    assert page.locator("#overdue-count").inner_text() == "1"
    assert page.locator(".rect-overdue:visible").count() == 1
    color = page.locator("tr.rect-row-overdue td.text-danger").first.evaluate("e => getComputedStyle(e).color")
    red, green, blue = (int(part) for part in color[color.index("(") + 1:color.index(")")].split(",")[:3])
    assert red > 150 and green < 80 and blue < 80, color  # a red dark enough to read (4.5:1) on white
    shot(page, "rectification-board-desktop")
    phone.goto(f"{base}/rounds/{c.round.pk}/rectifications/")
    assert phone.locator("#overdue-count").inner_text() == "1" and no_sideways_scroll(phone)
    shot(phone, "rectification-board-phone")

    # The admin downloads the three files.
    files = {}
    with page.expect_download() as info:
        page.click("#export-rectifications")
    files["rectifications"] = info.value
    with page.expect_download() as info:
        page.click("text=导出考评汇总表")
    files["summary"] = info.value
    page.goto(f"{base}/assessments/{c.assessment.pk}/result/")
    with page.expect_download() as info:
        page.click("#export-sheet")
    files["sheet"] = info.value
    sheets = {"rectifications": "整改清单", "summary": "考评汇总表", "sheet": "考核验收单"}
    for name, download in files.items():
        assert download.suggested_filename.endswith(".xlsx")
        target = tmp_path / f"{name}.xlsx"
        download.save_as(target)
        assert sheets[name] in openpyxl.load_workbook(target).sheetnames
