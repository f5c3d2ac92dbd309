"""Benchmark: page weight and load time of the checklist and the on-site page on a phone's network.

    .venv/bin/python bench/network.py [--runs 3] [--profiles village,4g]

1. Seeds the database as bench/checklist.py does (DATABASE_URL, or bench/out/bench.sqlite3):
   the secretary's checklist of 56 items and the assessor's on-site page of a second branch
   (two evidence files per item, half the items scored with their history).
2. Collects the static files as production does (hashed names, gzipped copies) into
   bench/out/static and starts gunicorn (bench.settings, 2 workers) on a free port.
3. Logs in with Debian's Chromium (Playwright) at 390 px, then throttles the page through the
   DevTools protocol (Network.emulateNetworkConditions): village 3G is 300 ms latency,
   400 kbit/s down, 200 kbit/s up; 4G is 70 ms, 9 Mbit/s down, 4 Mbit/s up.
4. For each page and profile: a cold load (browser cache disabled: the HTML, CSS and scripts
   all come over the network) and a warm load (the page opened again: only the HTML comes),
   --runs times each (--no-gzip: the pages sent uncompressed, as before); prints the HTML's weight raw and as sent (gzipped), the bytes of a cold
   load, and the median time from the start of the navigation to the load event.

The bar (issue 18): on the village profile, under 1 s warm and under 3 s cold.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checklist import ASSESSOR, PASSWORD, SECRETARY, Server, seed, seed_onsite, setup_django  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
PROFILES = {  # latency ms, down and up in kbit/s
    "village": (300, 400, 200),
    "4g": (70, 9000, 4000),
}
BARS = {"warm": 1.0, "cold": 3.0}  # seconds, on the village profile

NAVIGATION = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  return {load: nav.loadEventEnd - nav.startTime, raw: nav.decodedBodySize, sent: nav.encodedBodySize,
          transfer: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0)};
}"""


def throttle(cdp, profile, cold):
    latency, down, up = PROFILES[profile]
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": cold})
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": latency,
        "downloadThroughput": down * 1000 / 8, "uploadThroughput": up * 1000 / 8,
    })


def load(browser, base, username, path, profile, cold):
    """One measured load of `path` as `username` on `profile`; a warm one opens it once before."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(base + "/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        cdp = context.new_cdp_session(page)
        if not cold:
            page.goto(base + path, wait_until="load")  # fills the cache, unthrottled
        throttle(cdp, profile, cold)
        page.goto(base + path, wait_until="load", timeout=60_000)
        return page.evaluate(NAVIGATION)
    finally:
        context.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profiles", default="village,4g")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the village bars are not met")
    parser.add_argument("--no-gzip", action="store_true", help="without the app's gzip (the figures before it)")
    args = parser.parse_args(argv)
    if args.no_gzip:
        os.environ["BENCH_NO_GZIP"] = "1"

    os.environ["BENCH_STATIC_ROOT"] = str(ROOT / "bench" / "out" / "static")  # gunicorn inherits it
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.urls import reverse

    call_command("collectstatic", interactive=False, verbosity=0)

    assessment, _rows = seed()
    onsite = seed_onsite(assessment.round.standard)
    pages = [("checklist", SECRETARY, reverse("selfeval-checklist", kwargs={"pk": assessment.pk})),
             ("on-site page", ASSESSOR, reverse("onsite-scoring", kwargs={"pk": onsite.pk}))]
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine} · gunicorn (bench.settings) · Chromium at {PHONE['width']} px · "
          f"median of {args.runs} loads")

    from playwright.sync_api import sync_playwright

    failed = False
    with Server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for name, username, path in pages:
            for profile in args.profiles.split(","):
                for kind in ("cold", "warm"):
                    runs = [load(browser, server.base, username, path, profile, kind == "cold")
                            for _ in range(args.runs)]
                    seconds = statistics.median(r["load"] for r in runs) / 1000
                    first = runs[0]
                    verdict = ""
                    if profile == "village":
                        ok = seconds < BARS[kind]
                        failed |= not ok
                        verdict = f" — {'meets' if ok else 'DOES NOT meet'} the bar (< {BARS[kind]:g} s)"
                    print(f"{name:12} {profile:7} {kind}: {seconds:.2f} s · HTML {first['raw'] / 1024:.0f} KiB raw, "
                          f"{first['sent'] / 1024:.1f} KiB sent · {first['transfer'] / 1024:.1f} KiB over the "
                          f"network{verdict}")
        browser.close()
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
