from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, no_sideways_scroll, shot


def test_admin_logs_in_and_sees_township(page, cast):
    page.goto(page.base + "/")
    assert "/accounts/login/" in page.url
    shot(page, "login-desktop")
    log_in(page, "alice", PASSWORD)
    assert page.locator("h1").inner_text().strip() == "化峪镇"
    assert page.get_by_text("2026年度规范化建设考核验收").count() >= 1
    # Bootstrap came from the app itself and applied.
    assert page.evaluate("getComputedStyle(document.querySelector('.btn')).borderRadius") != "0px"
    shot(page, "home-admin-desktop")


def test_secretary_home_on_a_phone(phone, cast):
    log_in(phone, "carol", PASSWORD)
    assert phone.get_by_text("化峪村").count() >= 1
    assert phone.get_by_text("西段村").count() == 0
    assert no_sideways_scroll(phone)
    shot(phone, "home-secretary-phone")


def test_wrong_password_is_told_in_chinese(page, cast):
    log_in(page, "carol", "wrong-password")
    assert page.get_by_text("用户名或密码不正确").is_visible()
