"""A round from 准备 to 已归档 in a browser, each person following what their home shows next:
the admin (1280 px) moves the round on through the confirmations, the secretary (390 px)
self-evaluates and submits, the assessor (390 px) scores on site, the admin publishes and
archives; the secretary's home then leads with the grade and the rectifications."""

import datetime
from decimal import Decimal

from playwright.sync_api import expect

from assessment.models import Phase, Round, Status
from assessment.services import onsite
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, no_sideways_scroll, shot


def todo(page, round):
    return page.locator(f"#todo-{round.pk} .list-group-item").first


def test_a_round_guided_from_start_to_archive(page, phone, cast):
    c = cast
    Round.objects.filter(pk=c.round.pk).update(phase=Phase.PREPARATION)
    c.round.assessments.update(status=Status.NOT_STARTED)
    base = page.base

    # The admin: 准备 → 自评, from the home's next step, through the confirmation.
    log_in(page, "alice", PASSWORD)
    expect(todo(page, c.round)).to_contain_text("核对批次设置后进入自评阶段")
    todo(page, c.round).click()
    expect(page.locator("h1")).to_have_text("进入自评阶段")
    page.check("#confirm")
    page.click("#phase-form button[type=submit]")
    expect(page.locator("#round-phase")).to_have_text("自评阶段")
    shot(page, "round-detail-self-desktop")

    # The secretary on a phone: the one thing to do now is the checklist, then submitting.
    log_in(phone, "carol", PASSWORD)
    expect(todo(phone, c.round)).to_contain_text("对照标准完成自评：已评 0/12 项")
    assert no_sideways_scroll(phone)
    shot(phone, "home-secretary-self-phone")
    todo(phone, c.round).click()
    for score in phone.locator("input[name^=score-]").all():
        score.fill("2")
    phone.locator("h1").click()
    expect(phone.locator("#self-progress").first).to_have_text("12/12")
    phone.goto(base + "/")
    expect(todo(phone, c.round)).to_contain_text("全部项目已自评，请提交自评")
    todo(phone, c.round).click()
    phone.click("button:has-text('确认提交')")
    expect(phone.locator(".alert-success")).to_contain_text("自评已提交")

    # The admin: 西段村 has not submitted; moving on names it and asks what becomes of it.
    page.goto(base + "/")
    expect(todo(page, c.round)).to_contain_text("1 个支部未提交自评")
    page.goto(f"{base}/rounds/{c.round.pk}/")
    assert "已提交 1/2" in page.locator("#round-path").inner_text().replace("\n", " ").replace(" 1/2", " 1/2")
    page.click("#phase-next")
    expect(page.locator("#not-done")).to_contain_text("1 个支部尚未提交自评")
    expect(page.locator("#arrangements")).to_contain_text("西段村")
    page.check("input[name=all][value=skip]")
    page.check("#confirm")
    shot(page, "round-phase-confirm-desktop")
    page.click("#phase-form button[type=submit]")
    expect(page.locator("#round-phase")).to_have_text("现场考评阶段")
    expect(page.locator("#round-path")).to_contain_text("未自评")

    # The assessor on a phone: the next branch to score, each item at full marks.
    phone.context.clear_cookies()
    log_in(phone, "bob", PASSWORD)
    expect(todo(phone, c.round)).to_contain_text("下一个：")
    shot(phone, "home-assessor-phone")
    for a in (c.assessment, c.assessment2):
        phone.goto(f"{base}/assessments/{a.pk}/onsite/")
        for button in phone.locator(".or-full").all():
            button.click()
        expect(phone.locator("#onsite-progress")).to_have_text("12/12")
        phone.goto(f"{base}/assessments/{a.pk}/onsite/finalise/")
        phone.click("#finalise-form button[type=submit]")
        expect(phone.get_by_text("考评完成，评分已锁定")).to_be_visible()

    # The admin: all assessed; the home leads to the notice; publish; then archive.
    page.goto(base + "/")
    expect(todo(page, c.round)).to_contain_text("各支部已全部考评完成")
    todo(page, c.round).click()
    page.fill("#notice-number", "化党发〔2026〕3号")
    page.check("#confirm-publish")
    page.click("button:has-text('发布通报')")
    expect(page.get_by_text("通报已发布")).to_be_visible()
    page.goto(f"{base}/rounds/{c.round.pk}/results/")
    expect(page.locator("#difference-head")).to_have_text("差值（自评−考评，不含加分）")
    shot(page, "ranking-after-notice-desktop")

    # The secretary's home after the notice: grade, rank, no checklist first.
    phone.context.clear_cookies()
    log_in(phone, "carol", PASSWORD)
    expect(phone.locator("#my-grade")).to_be_visible()
    assert phone.locator("text=查看自评清单").count() == 0 and no_sideways_scroll(phone)
    shot(phone, "home-secretary-notice-phone")

    page.goto(f"{base}/rounds/{c.round.pk}/")
    page.click("#phase-next")
    page.check("#confirm")
    page.click("#phase-form button[type=submit]")
    expect(page.locator("#round-phase")).to_have_text("已归档")
    shot(page, "round-detail-archived-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scroll(page)
    shot(page, "round-detail-archived-phone")
