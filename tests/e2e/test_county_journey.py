"""The county's organisation department (县委组织部) on a phone at 390 px: logs in, sees its
county round's progress township by township, opens a township, goes to the ranking across
the county and downloads the county's 考评汇总表."""

import openpyxl
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, no_sideways_scroll, shot
from tests.test_county_views import add_township, open_round, publish


def test_the_county_follows_its_townships_on_a_phone(phone, cast, tmp_path):
    c = cast
    add_township(c, "翟店镇", 3)
    county_round = open_round(c)
    for round in county_round.rounds.all():
        publish(round)
    page = phone
    log_in(page, "xian", PASSWORD)
    expect(page.locator("h1")).to_contain_text("稷山县县委组织部")
    page.click("#county-rounds a:has-text('2026年度全县考核')")
    expect(page.locator("#county-progress")).to_contain_text("翟店镇")
    expect(page.locator("#county-totals")).to_contain_text("2 / 2")
    assert no_sideways_scroll(page)
    shot(page, "county-progress-phone")
    page.click("#county-progress a:has-text('翟店镇')")
    expect(page.locator("h1")).to_have_text("翟店镇")
    expect(page.locator("#township-rounds")).to_contain_text("2026年度全县考核")
    assert no_sideways_scroll(page)
    shot(page, "county-township-phone")
    page.go_back()
    page.click("#county-ranking")
    expect(page.locator("#county-ranking-table")).to_contain_text("化峪村")
    assert no_sideways_scroll(page)
    shot(page, "county-ranking-phone")
    page.go_back()
    with page.expect_download() as download:
        page.click("#county-export-summary")
    target = tmp_path / "summary.xlsx"
    download.value.save_as(target)
    assert download.value.suggested_filename == "考评汇总表-稷山县-2026年度全县考核.xlsx"
    sheet = openpyxl.load_workbook(target).worksheets[0]
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "翟店1村" in cells and "化峪村" in cells and "其他镇" not in "".join(cells)
