"""Every app page as older eyes and a screen reader meet it, on the demo township (seed_demo),
for a secretary, an assessor and the township admin, reached by following the links from home:

- axe-core (bundled by axe-playwright-python) at 390 and 1280 px: no serious or critical
  violation;
- at 200 % text on a 390 px phone no sideways scroll. 200 % text is the browser's default font
  size set to 32 px (CDP Page.setFontSizes), which is what Android's 字体大小 does to Chrome:
  everything sized in rem/em grows, as Bootstrap and site.css are; a larger device scale factor
  would only zoom, not reflow;
- on the pages a phone is used for, every control at least 44 × 44 px, outside a short allow-list.
"""

import re
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, shot

axe_playwright = pytest.importorskip("axe_playwright_python.sync_playwright")

DEMO_PASSWORD = "huayu2026"
SKIP = re.compile(r"/accounts/logout|/admin/|/evidence/|/plan/files/|/models/files/|/visits/photos/|/download/|\.zip$|\.xlsx$|\.docx$|\.pdf$|/export|/print")
MAX_PAGES = 30
# The pages a phone is used for (secretaries and assessors in a village): home, the checklist,
# the on-site page, the year's records, a record, the notice, a rectification, messages.
PHONE_PAGES = re.compile(r"^/$|^/assessments/\d+/(self|onsite)/$|^/plan/\d+/branches/\d+/|^/plan/records/"
                         r"|/notice/$|^/rectifications/\d+/$|^/messages/$|^/accounts/")

# Controls under 44 × 44 px that are allowed, and why (WCAG 2.5.8's exceptions):
# - a link inside a sentence or a table cell's text (inline: its size is the line's);
# - a checkbox or radio whose label around it makes the tap area 44 × 44 or more;
# - a control inside a sideways-scrolling table on a desk page (not in PHONE_PAGES).
SMALL_TARGETS = """() => {
  const out = [];
  const all = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary');
  for (const el of all) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.collapse:not(.show), [hidden], .visually-hidden')) continue;
    if (el.classList.contains('file-chooser-input') || el.classList.contains('file-pick-input')) continue;  // its picker is the target
    let box = r;
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
      const l = el.labels[0].getBoundingClientRect();
      box = {width: Math.max(r.right, l.right) - Math.min(r.left, l.left),
             height: Math.max(r.bottom, l.bottom) - Math.min(r.top, l.top)};
    }
    if (box.width >= 43.5 && box.height >= 43.5) continue;
    if (el.tagName === 'A') {
      const block = el.closest('p, li, td, dd, span.text-muted, div.small, .form-text');
      if (block && block.textContent.trim().length > el.textContent.trim().length + 1) continue;  // inline
    }
    out.push(el.tagName + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 20)
             + '" ' + Math.round(box.width) + '×' + Math.round(box.height));
  }
  return out;
}"""


def serious(page):
    result = axe_playwright.Axe().run(page).response
    return [f"{v['id']} ({v['impact']}): {len(v['nodes'])}× e.g. {v['nodes'][0]['target']}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def text_size(page, pixels):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": pixels, "fixed": round(pixels * 13 / 16)}})
    cdp.detach()
    page.wait_for_timeout(100)  # one frame for the new layout


def app_pages(page, username):
    """The app's pages a user reaches from home (one of each kind of URL), as paths."""
    page.goto(page.base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    host = urlparse(page.base).netloc
    seen, todo, found = set(), ["/"], []
    while todo and len(found) < MAX_PAGES:
        path = todo.pop(0)
        kind = re.sub(r"\d+", "N", path)
        if kind in seen:
            continue
        seen.add(kind)
        response = page.goto(page.base + path)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        found.append(path)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            url = urlparse(href)
            if url.netloc == host and not SKIP.search(url.path):
                todo.append(url.path)
    return found


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("username", ["shuji01", "kaoping1", "zhen_admin"])
def test_every_page_passes_axe_fits_200_percent_text_and_has_44px_targets(browser, live_server, demo, username):
    problems = []
    phone_ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    desk_ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        phone, desk = phone_ctx.new_page(), desk_ctx.new_page()
        phone.base = desk.base = live_server.url
        pages = app_pages(phone, username)
        assert len(pages) >= 8, pages  # the crawl reached the app, not only the home page
        desk.goto(desk.base + "/accounts/login/")
        desk.fill("input[name=username]", username)
        desk.fill("input[name=password]", DEMO_PASSWORD)
        desk.click("button[type=submit]")
        desk.wait_for_load_state()
        for path in pages:
            phone.goto(phone.base + path)
            problems += [f"390 px {path}: {v}" for v in serious(phone)]
            if PHONE_PAGES.search(path):
                problems += [f"390 px {path}: small target {t}" for t in phone.evaluate(SMALL_TARGETS)]
            text_size(phone, 32)
            width = phone.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"] + 1:
                problems.append(f"200% text {path}: page {width} px wide")
            if path.endswith(("/self/", "/onsite/")) and phone.locator(".self-bar, .onsite-bar").count():
                shot(phone, f"a11y-200pct-{username}-{re.sub(r'[^a-z0-9]+', '-', path).strip('-')}")
            text_size(phone, 16)
            desk.goto(desk.base + path)
            problems += [f"1280 px {path}: {v}" for v in serious(desk)]
    finally:
        phone_ctx.close()
        desk_ctx.close()
    assert not problems, "\n".join(problems)


def test_the_sticky_bar_keeps_to_one_line_once_scrolled_at_200_percent_text(browser, live_server, demo):
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        page = ctx.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=username]", "shuji01")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.locator("a[href$='/self/']").first.click()
        text_size(page, 32)
        bar = page.locator("#self-bar")
        full = bar.bounding_box()["height"]
        page.mouse.wheel(0, 2000)
        expect(bar).to_have_class(re.compile(r"\bis-stuck\b"))
        stuck = bar.bounding_box()["height"]
        line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight) || 48")
        assert stuck < full and stuck <= 2.5 * line, (full, stuck)  # one line of text and the 保存 button
        assert bar.locator("#self-progress").is_visible() and bar.get_by_role("button", name="保存").is_visible()
        shot(page, "a11y-200pct-checklist-stuck-bar")
    finally:
        ctx.close()
