"""A weak signal loses nothing (static/huayu/keep.js, assessment/services/edits.py): an edit typed
offline survives a reload and a closed tab and is sent when the page is opened again; an old save
held up on one phone does not overwrite a newer one from another (a conflict shows the other
value); a save whose reply was lost is answered as saved when sent again; a session that ended
asks for a new login in a small window and then sends what waited, without reloading."""

from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import AuditLog, Phase, Round, Score, Status
from assessment.services.rounds import round_prepare
from tests.conftest import PASSWORD, make_standard
from tests.e2e.conftest import DESKTOP, PHONE, SHOTS, log_in


def item_row(page, item):
    return page.locator(f"#item-{item.pk}")


def score_of(assessment, item):
    return Score.objects.get(assessment=assessment, item=item)


@pytest.fixture
def items(cast):
    cast.items = list(cast.standard.items.order_by("number"))
    return cast


@pytest.fixture
def onsite(cast):
    """A submitted branch in a round in the on-site phase (1 area × 3 items × 10 points)."""
    standard = make_standard(name="现场标准", areas=1, items_per_area=3, points=Decimal("10"))
    round = Round.objects.create(township=cast.township, standard=standard, name="2026年度现场考评", year=2026,
                                 phase=Phase.ONSITE)
    round_prepare(round=round)
    round.assessments.update(status=Status.SUBMITTED, submitted_at=timezone.now())
    cast.first = round.assessments.get(branch=cast.branch)
    cast.items = list(standard.items.order_by("number"))
    return cast


def shot(page, name):
    """The top of the page (the sticky bar and the first item) as the phone shows it."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def no_signal(context, offline=True):
    """The phone loses (or regains) its signal. Chromium's offline emulation lets a request through
    while a page is being left; the saves are refused at the context too, so none slips out."""
    context.set_offline(offline)
    if offline:
        context.route("**/items/**", lambda route: route.abort("internetdisconnected"))
    else:
        context.unroute("**/items/**")


def typed_offline(page, item, score, note_field, note):
    """The signal lost, then a score and a note typed into `item`'s row: kept, not sent."""
    no_signal(page.context)
    row = item_row(page, item)
    row.locator("input[name^=score-]").fill(score)
    row.locator(note_field).fill(note)
    row.locator(note_field).blur()
    expect(page.locator("#keep-state")).to_contain_text("1 项未保存（离线）")
    return row


def new_page(browser, live_server, viewport=DESKTOP, **extra):
    context = browser.new_context(viewport=viewport, locale="zh-CN", **extra)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base = live_server.url
    return page


def test_typed_offline_survives_a_reload_and_is_sent_when_back(phone, items):
    """The prefix defect: a first autosave carries part of the note; the rest, typed offline, is
    never shown as saved, survives a reload, and replaces the prefix once the phone is online."""
    c = items
    url = f"{phone.base}/assessments/{c.assessment.pk}/self/"
    log_in(phone, "carol", PASSWORD)
    phone.goto(url)
    first = item_row(phone, c.items[0])
    first.locator("input[name^=score-]").fill("1.5")
    first.locator("textarea").fill("三会一课记")
    first.locator("textarea").blur()
    expect(first.locator(".sr-status")).to_contain_text("已保存")
    assert score_of(c.assessment, c.items[0]).self_note == "三会一课记"

    no_signal(phone.context)
    first.locator("textarea").fill("三会一课记录齐全")
    first.locator("textarea").blur()
    expect(phone.locator("#keep-state")).to_be_visible()
    expect(phone.locator("#keep-state")).to_contain_text("1 项未保存（离线）")
    expect(first.locator(".sr-status")).not_to_contain_text("已保存")
    shot(phone, "weak-signal-offline-phone")
    # A weak signal: pages load, saves still fail; the secretary reloads the page.
    phone.context.set_offline(False)
    warnings = []
    phone.on("dialog", lambda dialog: (warnings.append(dialog.type), dialog.accept()))
    phone.reload()
    assert warnings == ["beforeunload"]  # asked before leaving an unsent edit
    first = item_row(phone, c.items[0])
    expect(first.locator("textarea")).to_have_value("三会一课记录齐全")  # kept on the phone, shown again
    expect(phone.locator("#keep-state")).to_contain_text("1 项未保存（重试中）")
    expect(first.locator(".sr-status")).not_to_contain_text("已保存")
    assert score_of(c.assessment, c.items[0]).self_note == "三会一课记"

    phone.context.unroute("**/items/**")  # saves go through again: the next retry sends it
    expect(first.locator(".sr-status")).to_contain_text("已保存", timeout=20_000)
    expect(phone.locator("#keep-state")).to_be_hidden()
    saved = score_of(c.assessment, c.items[0])
    assert (saved.self_score, saved.self_note) == (Decimal("1.5"), "三会一课记录齐全")
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('huayu:')).length") == 0

    # Saved while typing (the field still focused), then left: nothing unsent, no warning.
    second = item_row(phone, c.items[1]).locator("textarea")
    second.fill("换届选举按期进行")
    expect(item_row(phone, c.items[1]).locator(".sr-status")).to_contain_text("已保存")
    second.blur()
    phone.reload()
    assert warnings == ["beforeunload"]
    expect(item_row(phone, c.items[1]).locator("textarea")).to_have_value("换届选举按期进行")


def test_closed_offline_and_reopened_later_the_onsite_edit_is_sent(browser, live_server, onsite):
    c = onsite
    phone = new_page(browser, live_server, PHONE, is_mobile=True, has_touch=True)
    log_in(phone, "bob", PASSWORD)
    url = f"{phone.base}/assessments/{c.first.pk}/onsite/"
    phone.goto(url)
    first = typed_offline(phone, c.items[0], "8", "textarea[name^=reason-]", "组织生活会记录缺少两次签到")
    phone.close()  # the tab closed with no signal
    assert score_of(c.first, c.items[0]).onsite_score is None

    no_signal(phone.context, False)
    again = phone.context.new_page()
    again.goto(url)
    first = item_row(again, c.items[0])
    expect(first.locator("input[name^=score-]")).to_have_value("8")
    expect(first.locator(".or-status")).to_contain_text("已保存")
    expect(again.locator("#onsite-total")).to_have_text("8")
    saved = score_of(c.first, c.items[0])
    assert (saved.onsite_score, saved.deduction_reason, saved.version) == (
        Decimal("8"), "组织生活会记录缺少两次签到", 1)
    phone.context.close()


def test_a_held_old_save_does_not_overwrite_a_newer_one_on_the_checklist(browser, live_server, items):
    c = items
    url = f"{live_server.url}/assessments/{c.assessment.pk}/self/"
    old, new = new_page(browser, live_server), new_page(browser, live_server, PHONE)
    for page in (old, new):
        log_in(page, "carol", PASSWORD)
        page.goto(url)
    held = []
    old.route("**/self/items/**", lambda route: held.append(route))
    item = item_row(old, c.items[0])
    item.locator("input[name^=score-]").fill("2")
    item.locator("input[name^=score-]").blur()
    old.wait_for_function("() => document.querySelector('#item-%d .sr-status').textContent.includes('保存中')"
                          % c.items[0].pk)
    for _ in range(100):  # the request reaches the route a moment after the page says 保存中
        if held:
            break
        old.wait_for_timeout(100)
    assert len(held) == 1

    other = item_row(new, c.items[0])
    other.locator("input[name^=score-]").fill("1")
    other.locator("textarea").fill("新的说明")
    other.locator("textarea").blur()
    expect(other.locator(".sr-status")).to_contain_text("已保存")

    held[0].continue_()  # the old save arrives late
    expect(item.locator(".keep-conflict")).to_contain_text("该项目已被 carol 于")
    expect(item.locator(".keep-conflict")).to_contain_text("1 分 · 新的说明")
    expect(old.locator("#keep-state")).to_contain_text("1 项未保存（请查看标红的项目）")
    saved = score_of(c.assessment, c.items[0])
    assert (saved.self_score, saved.self_note, saved.version) == (Decimal("1"), "新的说明", 2)  # score, then note

    item.locator("[data-conflict=take]").click()  # theirs: nothing more is sent
    expect(item.locator("input[name^=score-]")).to_have_value("1")
    expect(item.locator("textarea")).to_have_value("新的说明")
    expect(old.locator("#keep-state")).to_be_hidden()
    assert score_of(c.assessment, c.items[0]).version == 2
    for page in (old, new):
        page.context.close()


def test_a_lost_reply_is_answered_as_saved_when_sent_again(page, onsite):
    """The server saved the item, the reply never came: the retry (the same edit) is answered as
    saved, with no conflict with oneself; one change in the database and in the audit."""
    c = onsite
    log_in(page, "bob", PASSWORD)
    page.goto(f"{page.base}/assessments/{c.first.pk}/onsite/")
    lost = []

    def lose_first_reply(route):
        if lost:
            route.continue_()
            return
        route.fetch()  # reaches the server, which saves it
        lost.append(True)
        route.abort("connectionreset")

    page.route("**/onsite/items/**", lose_first_reply)
    first = item_row(page, c.items[0])
    first.locator(".or-full").click()
    expect(first.locator(".or-status")).to_contain_text("已保存", timeout=20_000)
    assert lost == [True]
    expect(first.locator(".or-conflict")).to_have_count(0)
    saved = score_of(c.first, c.items[0])
    assert (saved.onsite_score, saved.version) == (Decimal("10"), 1)
    assert AuditLog.objects.filter(assessment=c.first, item=c.items[0], action="onsite_score").count() == 1
    expect(page.locator("#onsite-progress")).to_have_text("1/3")


def log_in_again(page, bar, username="carol"):
    """The bar's 重新登录: the login form in a small window."""
    with page.expect_popup() as popup:
        bar.locator(".keep-login").click()
    login = popup.value
    login.fill("input[name=username]", username)
    login.fill("input[name=password]", PASSWORD)
    login.click("button[type=submit]")


def test_an_ended_session_asks_to_log_in_again_and_then_saves_without_reload(page, items):
    c = items
    log_in(page, "carol", PASSWORD)
    page.goto(f"{page.base}/assessments/{c.assessment.pk}/self/")
    page.evaluate("window.notReloaded = true")
    Session.objects.all().delete()  # the session expired (or was ended elsewhere)

    first = item_row(page, c.items[0])
    first.locator("input[name^=score-]").fill("2")
    first.locator("textarea").fill("支部委员会会议记录完整")
    first.locator("textarea").blur()
    bar = page.locator("#keep-state")
    expect(bar).to_contain_text("1 项未保存（需重新登录）")
    expect(first.locator(".sr-status")).to_contain_text("需重新登录")
    assert score_of(c.assessment, c.items[0]).self_score is None
    shot(page, "weak-signal-login")

    log_in_again(page, bar)

    expect(first.locator(".sr-status")).to_contain_text("已保存", timeout=20_000)
    expect(bar).to_be_hidden()
    assert page.evaluate("window.notReloaded") is True
    saved = score_of(c.assessment, c.items[0])
    assert (saved.self_score, saved.self_note) == (Decimal("2"), "支部委员会会议记录完整")


def test_a_refused_csrf_token_is_renewed_and_the_edit_sent_without_asking(page, items):
    """The CSRF cookie is gone (cleared, or the browser dropped it) while the session lives: the
    save's 403 is answered by a fresh token from accounts/session/ and the edit is sent again."""
    c = items
    log_in(page, "carol", PASSWORD)
    page.goto(f"{page.base}/assessments/{c.assessment.pk}/self/")
    page.context.clear_cookies(name="csrftoken")
    answers = []
    page.on("response", lambda r: answers.append(r.status) if "/items/" in r.url else None)
    first = item_row(page, c.items[0])
    first.locator("input[name^=score-]").fill("1")
    first.locator("input[name^=score-]").blur()
    expect(first.locator(".sr-status")).to_contain_text("已保存")
    expect(page.locator("#keep-state")).to_be_hidden()
    assert answers == [403, 200]
    assert score_of(c.assessment, c.items[0]).self_score == Decimal("1")


def test_the_no_script_form_refuses_a_save_based_on_an_older_version(browser, live_server, items):
    """保存 without scripts posts each item's version: a phone that opened the checklist before
    another save of the item is shown a conflict and overwrites only with a second 保存."""
    c = items
    url = f"{live_server.url}/assessments/{c.assessment.pk}/self/"
    plain, other = new_page(browser, live_server, PHONE, java_script_enabled=False), new_page(browser, live_server)
    for page in (plain, other):
        log_in(page, "carol", PASSWORD)
        page.goto(url)
    theirs = item_row(other, c.items[0])
    theirs.locator("input[name^=score-]").fill("1")
    theirs.locator("input[name^=score-]").blur()
    expect(theirs.locator(".sr-status")).to_contain_text("已保存")

    item = item_row(plain, c.items[0])
    item.locator("input[name^=score-]").fill("2")
    item_row(plain, c.items[1]).locator("textarea").fill("换届按期")  # not touched by anyone else
    plain.locator("#self-bar").get_by_role("button", name="保存", exact=True).click()
    expect(plain.locator(".alert")).to_contain_text("有 1 项未保存（第 1 项）")
    expect(item.locator(".sr-error")).to_contain_text("该项目已被 carol 于")
    expect(item.locator(".sr-error")).to_contain_text("修改为 1 分，请确认后再保存")
    expect(item.locator("input[name^=score-]")).to_have_value("2")  # mine, still in the field
    assert score_of(c.assessment, c.items[0]).self_score == Decimal("1")
    assert score_of(c.assessment, c.items[1]).self_note == "换届按期"

    plain.locator("#self-bar").get_by_role("button", name="保存", exact=True).click()  # seen, and meant: now based on theirs
    expect(plain.locator(".alert-success")).to_contain_text("已保存")
    assert score_of(c.assessment, c.items[0]).self_score == Decimal("2")
    for page in (plain, other):
        page.context.close()


def test_edits_kept_for_a_page_that_became_read_only_are_shown_to_copy_or_discard(phone, items):
    """Typed offline, then the checklist was submitted (or its deadline passed): the reopened page
    cannot save them, so it lists them (以下修改未能保存) with 复制 and 丢弃, not keeping them unseen."""
    c = items
    url = f"{phone.base}/assessments/{c.assessment.pk}/self/"
    log_in(phone, "carol", PASSWORD)
    phone.goto(url)
    typed_offline(phone, c.items[0], "1.5", "textarea", "三会一课记录齐全")
    c.assessment.__class__.objects.filter(pk=c.assessment.pk).update(status=Status.SUBMITTED,
                                                                     submitted_at=timezone.now())
    phone.context.set_offline(False)  # the page loads again; the saves still fail until reloaded
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.reload()
    phone.context.unroute("**/items/**")

    left = phone.locator("#keep-left")
    expect(left).to_be_visible()
    expect(left).to_contain_text("以下修改未能保存：")
    text = left.locator("textarea")
    expect(text).to_have_value(f"第 {c.items[0].number} 项 {c.items[0].content[:30]}\n  得分：1.5\n  说明：三会一课记录齐全")
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    left.get_by_role("button", name="复制").click()
    expect(left).to_contain_text("已复制")
    assert "三会一课记录齐全" in phone.evaluate("navigator.clipboard.readText()")
    saved = score_of(c.assessment, c.items[0])
    assert (saved.self_score, saved.self_note) == (None, "")  # nothing reached the database

    left.get_by_role("button", name="丢弃这些修改").click()
    expect(left).to_be_hidden()
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('huayu:')).length") == 0
    phone.reload()
    expect(phone.locator("#keep-left")).to_be_hidden()
