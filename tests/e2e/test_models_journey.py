"""示范做法 in a browser, on a phone: the secretary of 西段村 opens “看示范点怎么做” beside item 1
of the checklist (in place, no new page), sees 化峪村's practice and its photo, opens the photo
large, then scores the item; the township's library shows the same model by area."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from assessment.models import Score
from assessment.services.demo import model_mark
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, no_sideways_scroll, shot


def picture():
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (178, 34, 34)).save(buffer, "PNG")
    return SimpleUploadedFile("支委会记录.png", buffer.getvalue(), content_type="image/png")


def test_secretary_opens_the_model_then_scores_the_item(phone, cast):
    c = cast
    c.branch.is_demonstration = True
    c.branch.save()
    item = c.standard.items.order_by("number").first()
    model_mark(township=c.township, item=item, branch=c.branch, actor=c.alice, title="支委会记录范本",
               description="每月5日前召开，议题、决定、签名齐全", year=2025, uploads=[picture()])

    log_in(phone, "dave", PASSWORD)
    url = f"{phone.base}/assessments/{c.assessment2.pk}/self/"
    phone.goto(url)
    row = phone.locator(f"#item-{item.pk}")
    block = row.locator("details.model-block")
    expect(block).to_have_count(1)
    expect(block.locator(".model-text")).not_to_be_visible()  # closed until asked
    block.locator("summary").click()
    expect(block.locator(".model-text")).to_be_visible()
    expect(block).to_contain_text("支委会记录范本")
    expect(block).to_contain_text("化峪村 · 2025年")
    assert phone.url == url  # opened in place
    assert no_sideways_scroll(phone)
    shot(phone, "model-open-390")

    with phone.expect_popup() as popup:
        block.locator("a.model-thumb").click()
    large = popup.value
    large.wait_for_load_state()
    assert large.evaluate("document.images[0].naturalWidth") == 800
    large.close()

    row.locator("input[name^=score-]").fill("1.5")
    row.locator("textarea").fill("参照化峪村范本补齐记录")
    row.locator("textarea").blur()
    expect(row.locator(".sr-status")).to_contain_text("已保存", timeout=15_000)
    score = Score.objects.get(assessment=c.assessment2, item=item)
    assert (score.self_score, score.self_note) == (1.5, "参照化峪村范本补齐记录")

    phone.goto(phone.base + "/models/")
    expect(phone.locator(f"#item-{item.pk}")).to_contain_text("支委会记录范本")
    assert no_sideways_scroll(phone)
    shot(phone, "models-library-390")
