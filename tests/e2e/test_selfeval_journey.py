"""支部对照自评 in a browser: a secretary scores all 56 items with notes, attaches a photo,
reloads and finds everything kept, submits and cannot edit after; the admin returns it and
the secretary edits again; another secretary cannot open the first one's checklist."""

import io

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from assessment.models import AuditLog, Evidence, Phase, Round, Score, Standard, Status
from assessment.services.rounds import round_prepare
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, no_sideways_scroll, shot


@pytest.fixture
def real_round(cast):
    call_command("load_default_standard", verbosity=0)
    standard = Standard.objects.get(items__number=56)
    round = Round.objects.create(township=cast.township, standard=standard, name="2026年度考核验收（真实标准）",
                                 year=2026, phase=Phase.SELF, self_start=cast.round.self_start,
                                 self_end=cast.round.self_end)
    round_prepare(round=round)
    cast.real = round.assessments.get(branch=cast.branch)
    cast.round.phase = Phase.PREPARATION  # one round in self-evaluation on the secretary's home
    cast.round.save()
    return cast


def photo(tmp_path):
    path = tmp_path / "支部大会.jpg"
    Image.new("RGB", (640, 480), (200, 30, 30)).save(path, "JPEG")
    return path


def test_secretary_self_evaluates_submits_and_is_returned(page, phone, real_round, tmp_path):
    c = real_round
    url = f"{page.base}/assessments/{c.real.pk}/self/"
    log_in(page, "carol", PASSWORD)
    page.click("text=开始自评")
    expect(page).to_have_url(url)
    assert page.locator("input[name^=score-]").count() == 56
    assert all(v == "" for v in page.locator("input[name^=score-]").evaluate_all("els => els.map(e => e.value)"))

    # A wrong score is refused next to the item and not saved.
    first = page.locator(".sr").first
    first.locator("input[name^=score-]").fill("9")
    first.locator("textarea").click()
    expect(first.locator(".sr-status")).to_contain_text("得分应在")
    assert not Score.objects.filter(assessment=c.real, self_score__isnull=False).exists()

    # Score every item with a note; each saves on its own.
    rows = page.locator(".sr")
    for i in range(56):
        row = rows.nth(i)
        row.locator("input[name^=score-]").fill("0.5" if i % 2 else "1")
        row.locator("textarea").fill(f"第{i + 1}项已落实")
    page.locator("h1").click()
    expect(page.locator("#self-progress")).to_have_text("56/56", timeout=30_000)
    page.wait_for_function("() => [...document.querySelectorAll('.sr-status')].every(s => s.textContent.includes('已保存'))",
                           timeout=30_000)
    assert Score.objects.filter(assessment=c.real, self_score__isnull=False).count() == 56
    assert AuditLog.objects.filter(assessment=c.real, action="self_score").count() == 56

    # A photo for item 1, uploaded as soon as it is chosen.
    first.locator("input[type=file]").set_input_files(str(photo(tmp_path)))
    expect(page.locator("#evidence-%d img" % Score.objects.filter(assessment=c.real).order_by("item__number")
                        .first().item_id)).to_be_visible(timeout=15_000)
    assert Evidence.objects.filter(assessment=c.real).count() == 1

    # Reload: everything kept.
    page.reload()
    values = page.locator("input[name^=score-]").evaluate_all("els => els.map(e => e.value)")
    assert values == ["0.5" if i % 2 else "1" for i in range(56)]
    assert page.locator("textarea").nth(55).input_value() == "第56项已落实"
    assert page.locator(".evidence-thumb img").count() == 1
    shot(page, "checklist-desktop")

    # Submit, with the total shown first; afterwards the inputs are closed.
    page.locator(".self-bar-submit").click()
    expect(page.locator("#submit-total")).to_have_text("42")
    page.click("button:has-text('确认提交')")
    page.goto(url)
    assert page.locator("input[name^=score-]").first.is_disabled()
    expect(page.locator("#self-readonly")).to_contain_text("已提交")
    c.real.refresh_from_db()
    assert c.real.status == Status.SUBMITTED

    # The admin returns it with a reason; the secretary sees it and can edit again.
    admin = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    admin_page = admin.new_page()
    admin_page.base = page.base
    log_in(admin_page, "alice", PASSWORD)
    admin_page.goto(f"{page.base}/assessments/{c.real.pk}/self/return/")
    admin_page.fill("textarea", "第3项佐证材料不足，请补充后重新提交")
    admin_page.click("button:has-text('退回')")
    admin.close()
    page.goto(url)
    expect(page.locator("#self-returned")).to_contain_text("第3项佐证材料不足")
    assert page.locator("input[name^=score-]").first.is_enabled()

    # On a phone: readable, no sideways scrolling, thumb-sized fields.
    log_in(phone, "carol", PASSWORD)
    phone.goto(url)
    assert no_sideways_scroll(phone)
    height = phone.locator("input[name^=score-]").first.evaluate("e => e.getBoundingClientRect().height")
    assert height >= 44
    shot(phone, "checklist-phone")


def test_another_secretary_cannot_open_the_checklist(page, real_round):
    log_in(page, "dave", PASSWORD)
    response = page.goto(f"{page.base}/assessments/{real_round.real.pk}/self/")
    assert response.status == 404
