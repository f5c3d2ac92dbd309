"""Benchmark: a phone photo's upload, and opening it on site, on a village 3G profile.

    .venv/bin/python bench/upload.py                       # scratch SQLite and media in bench/out/
    .venv/bin/python bench/upload.py --latency 300 --down 400 --up 200 --repeat 1

1. Seeds the database of bench/checklist.py (DATABASE_URL, default bench/out/bench.sqlite3:
   the default standard, the secretary bench_shuji, a round in the self-evaluation phase);
   uploads go to bench/out/media (MEDIA_ROOT).
2. Makes a camera-sized photo: 4032×3024 JPEG of about 3.2 MB (smooth colour at three
   scales, so that it shrinks as a photo does rather than as flat colour or noise).
3. Starts gunicorn as production runs it (gunicorn.conf.py: gthread workers) on a free port,
   and Debian's Chromium (Playwright) at 390 px with the network throttled through the
   DevTools protocol (Network.emulateNetworkConditions: --latency ms, --down / --up kbit/s).
4. Times, on the secretary's checklist, from choosing the file until the page says 已上传:
   **before** — the original as it is (what every upload sent before the phone shrank
   photos; today: the 上传原图 box ticked), and **after** — the default, shrunk on the phone.
   Then opening the photo as an assessor does: before, a tap opened the 3.2 MB original
   (/evidence/<pk>/); now it opens the mid-size copy (/evidence/<pk>/medium/), and 查看原图 the
   2,000 px the phone sent.
5. Prints the bytes sent and the seconds, and the command line.
"""

import argparse
import io
import os
import random
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checklist import OUT, PASSWORD, SECRETARY, Server, seed, setup_django  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TARGET_BYTES = 3_200_000


def phone_photo(path):
    """A 4032×3024 JPEG of about TARGET_BYTES: random colour at 1/100, 1/10 and 1/3 of the size."""
    from PIL import Image

    rng = random.Random(2026)
    width, height = 4032, 3024
    layers = [Image.frombytes("RGB", (w, h), rng.randbytes(w * h * 3)).resize((width, height), Image.Resampling.BICUBIC)
              for w, h in ((40, 30), (400, 300), (1344, 1008))]
    image = Image.blend(Image.blend(layers[0], layers[1], 0.35), layers[2], 0.2)
    for quality in range(92, 60, -1):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() <= TARGET_BYTES * 1.03:
            break
    path.write_bytes(out.getvalue())
    return path


def conditions(args):
    return {"offline": False, "latency": args.latency,
            "downloadThroughput": args.down * 1000 / 8, "uploadThroughput": args.up * 1000 / 8}


def throttled(context, args):
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", conditions(args))
    return page


def log_in(page, base):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", SECRETARY)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def upload_once(context, base, assessment, item, photo, original, args):
    """Seconds from choosing the file to 已上传, and the Evidence stored."""
    from assessment.models import Evidence

    page = throttled(context, args)
    page.goto(f"{base}/assessments/{assessment.pk}/self/", timeout=120_000)
    block = page.locator(f"#evidence-{item.pk}")
    if original:
        block.get_by_label("上传原图").check()
    last = Evidence.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    block.locator("input[type=file]").set_input_files(str(photo))
    page.locator(f"#evidence-{item.pk} .evidence-status").filter(has_text="已上传").wait_for(timeout=600_000)
    seconds = time.perf_counter() - started
    page.close()
    return seconds, Evidence.objects.get(pk__gt=last)


def open_once(context, url, args):
    page = throttled(context, args)
    started = time.perf_counter()
    response = page.goto(url, timeout=600_000)
    page.wait_for_function("document.images.length && document.images[0].complete", timeout=600_000)
    seconds = time.perf_counter() - started
    size = len(response.body())
    page.close()
    return seconds, size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=int, default=300, help="ms (default 300)")
    parser.add_argument("--down", type=int, default=400, help="kbit/s (default 400)")
    parser.add_argument("--up", type=int, default=200, help="kbit/s (default 200)")
    parser.add_argument("--repeat", type=int, default=1, help="uploads of each kind (the median is shown)")
    args = parser.parse_args(argv)

    os.environ.setdefault("MEDIA_ROOT", str(OUT / "media"))
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop; the ORM is called in this thread
    setup_django()
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    assessment, _rows = seed()
    item = assessment.round.standard.items.order_by("number").first()
    photo = phone_photo(OUT / "IMG_20260601_093512.jpg")
    print(f"photo: {photo.stat().st_size:,} bytes, 4032×3024; network: {args.latency} ms, "
          f"{args.down} kbit/s down, {args.up} kbit/s up; MEDIA_ROOT {settings.MEDIA_ROOT}")

    with Server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                      has_touch=True, device_scale_factor=2)
        log_in(context.new_page(), server.base)
        stored = {}
        for label, original in (("before (original sent)", True), ("after (shrunk on the phone)", False)):
            runs = [upload_once(context, server.base, assessment, item, photo, original, args)
                    for _ in range(args.repeat)]
            stored[original] = evidence = runs[-1][1]
            seconds = statistics.median(s for s, _e in runs)
            print(f"upload {label}: {seconds:.1f} s for {evidence.size:,} bytes")
        for label, path in (
            ("before: a tap opened the original photo", f"/evidence/{stored[True].pk}/"),
            ("after: a tap opens the mid-size copy", f"/evidence/{stored[False].pk}/medium/"),
            ("after: 查看原图 (the 2,000 px sent)", f"/evidence/{stored[False].pk}/"),
        ):
            seconds, size = open_once(context, server.base + path, args)
            print(f"open on site, {label}: {seconds:.1f} s for {size:,} bytes")
        browser.close()
    print("command:", shlex.join([sys.executable.replace(str(ROOT) + "/", ""), "bench/upload.py", *sys.argv[1:]]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
