"""The checklist's 保存 button: typed and saved by the button, the browser asks nothing about
leaving the page, and the page says it saved (before: the leave-page prompt, then
“没有需要保存的修改”)."""

from playwright.sync_api import expect

from assessment.models import Score
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in


def test_save_button_raises_no_leave_page_prompt(page, cast):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    log_in(page, "carol", PASSWORD)
    page.goto(f"{page.base}/assessments/{cast.assessment.pk}/self/")
    page.locator("input[name^=score-]").first.fill("1.5")  # typed, not yet saved: no blur
    page.locator("button[form=selfeval-form]").first.click()
    page.wait_for_load_state()
    expect(page.locator(".alert-success")).to_contain_text("已保存")
    assert dialogs == []
    assert Score.objects.filter(assessment=cast.assessment, self_score=1.5).count() == 1
