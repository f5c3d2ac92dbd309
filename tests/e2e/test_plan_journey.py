"""清单式推进 in a browser: a secretary logs three 党员大会 on a phone (one with a photo), the
township's grid shows them, and the self-evaluation suggests the score from them, saved only
when the secretary takes it.

The journey plays in last year (every quarter of it has ended, whatever today's date), so it
runs the same on any day of the year."""

import datetime

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from assessment.models import Duty, Phase, Record, Round, Score, Standard
from assessment.services.plan import duties_adopt_suggestions
from assessment.services.rounds import round_prepare
from tests.conftest import PASSWORD
from tests.e2e.conftest import SHOTS, log_in, no_sideways_scroll, shot

YEAR = datetime.date.today().year - 1  # a whole year past: Q1-Q4 all due


@pytest.fixture
def plan_round(cast):
    call_command("load_default_standard", verbosity=0)
    standard = Standard.objects.get(items__number=56)
    cast.round.phase = Phase.PREPARATION
    cast.round.save()
    round = Round.objects.create(township=cast.township, standard=standard, name=f"{YEAR}年度考核验收（真实标准）",
                                 year=YEAR, phase=Phase.SELF, self_start=cast.round.self_start,
                                 self_end=cast.round.self_end)
    round_prepare(round=round)
    duties_adopt_suggestions(standard=standard, actor=cast.alice)
    cast.real = round.assessments.get(branch=cast.branch)
    cast.duty = Duty.objects.get(item__standard=standard, item__number=25)  # 党员大会每季度
    return cast


def test_secretary_logs_three_meetings_grid_and_suggestion(page, phone, plan_round, tmp_path):
    c = plan_round
    photo = tmp_path / "党员大会.jpg"
    Image.new("RGB", (640, 480), (200, 30, 30)).save(photo, "JPEG")

    log_in(phone, "carol", PASSWORD)
    phone.goto(f"{phone.base}/plan/{YEAR}/branches/{c.branch.pk}/")
    expect(phone.locator("h1")).to_contain_text("化峪村")
    for number, month in enumerate((2, 5, 8)):
        phone.click("#record-new")
        phone.select_option("select[name=duty]", str(c.duty.pk))
        phone.fill("input[name=date]", f"{YEAR}-{month:02d}-10")
        phone.fill("input[name=topic]", f"第{number + 1}季度党员大会")
        phone.fill("input[name=attended]", "18")
        phone.fill("input[name=expected]", "20")
        if number == 0:
            phone.set_input_files("input[name=file]", str(photo))
            assert no_sideways_scroll(phone)
            shot(phone, "plan-record-form-390")
        phone.click("#record-save")
        expect(phone.locator(".alert-success")).to_contain_text(f"第{number + 1}季度党员大会")
    duty_card = phone.locator(f"#duty-{c.duty.pk}")
    expect(duty_card).to_contain_text("已完成 3，应完成 4")  # the fourth quarter missing
    assert no_sideways_scroll(phone)
    shot(phone, "plan-year-390")
    assert Record.objects.filter(branch=c.branch, duty=c.duty).count() == 3
    assert Record.objects.get(topic="第1季度党员大会").files.count() == 1

    log_in(page, "alice", PASSWORD)
    page.goto(f"{page.base}/plan/{YEAR}/?duty={c.duty.pk}")
    row = page.locator(f"#plan-grid tr[data-branch='{c.branch.pk}']")
    expect(row.locator("td.pc-done")).to_have_count(3)
    other = page.locator(f"#plan-grid tr[data-branch='{c.branch2.pk}']")
    expect(other.locator("td.pc-missing")).not_to_have_count(0)  # 西段村 logged nothing: behind, listed first
    assert page.locator("#plan-grid tbody tr").first.get_attribute("data-branch") == str(c.branch2.pk)
    shot(page, "plan-grid-1280")

    phone.goto(f"{phone.base}/assessments/{c.real.pk}/self/")
    inline = phone.locator(f"#item-{c.duty.item_id} .plan-count")
    expect(inline).to_have_text("年度记录：支部党员大会 3/4 · 建议 1.5/2 分")
    inline.scroll_into_view_if_needed()
    phone.screenshot(path=str(SHOTS / "plan-checklist-inline-390.png"))
    phone.click("#plan-link a")
    card = phone.locator(f"#item-{c.duty.item_id}")
    expect(card.locator(".suggestion")).to_contain_text("3/4，按“每少1次扣0.5分”建议 1.5/2 分")
    assert Score.objects.get(assessment=c.real, item=c.duty.item).self_score is None  # nothing pre-filled
    shot(phone, "plan-suggestion-390")
    card.locator("button[type=submit]").click()
    expect(phone.locator(".alert-success")).to_contain_text("1.5 分")
    score = Score.objects.get(assessment=c.real, item=c.duty.item)
    assert score.self_score == 1.5 and "3/4" in score.self_note
