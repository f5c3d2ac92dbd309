"""Benchmark: requests/second of the secretary's checklist against its floor.

    .venv/bin/python bench/checklist.py [--seconds 10] [--concurrency 4] [--workers 2]

1. Seeds a database (DATABASE_URL, or a scratch SQLite file bench/out/bench.sqlite3)
   with the default standard (56 items), a township, a branch, its secretary and a
   round in the self-evaluation phase with half the items scored. Safe to run again.
2. Starts gunicorn with DJANGO_SETTINGS_MODULE=bench.settings on a free port.
3. Logs in as the secretary (urllib + a cookie jar; the CSRF token from the login form).
4. Measures GET of the checklist page, and of bench/floor/ (the same 56 rows rendered
   from memory by a bare template), each for --seconds with --concurrency threads,
   alternating in --slices so that other load on the machine touches both alike.
5. Prints both figures and the ratio page/floor against the bar (>= 0.5).

Later pages: call measure(url, seconds, concurrency, client) with a logged-in opener
from login(), or compare([...urls], ...) to measure several against each other.
"""

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BAR = 0.5
PASSWORD = "bench-pass-2026"
SECRETARY = "bench_shuji"
TOWNSHIP = "基准测试镇"
BRANCH = "基准测试村"
ROUND = "基准测试考核批次"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# --- The database ------------------------------------------------------------


def setup_django():
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["BENCH_FLOOR_ROWS"] = str(OUT / "floor-rows.json")
    import django

    django.setup()


def default_standard():
    """The default standard of 56 items: the app's own loader if it has one,
    else 7 areas of 8 items built here."""
    from django.core.management import call_command, get_commands
    from django.db.models import Count

    from assessment.models import Area, Item, Standard

    if "load_default_standard" in get_commands():
        call_command("load_default_standard", verbosity=0)
        standard = (Standard.objects.annotate(n=Count("items")).filter(n=56)
                    .order_by("-created_at", "-pk").first())
        if standard:
            return standard
    standard, created = Standard.objects.get_or_create(name="基准测试标准（7方面56项）", version=1)
    if created:
        for a in range(1, 8):
            area = Area.objects.create(standard=standard, number=a, name=f"第{a}方面", points=Decimal("16"))
            for i in range(1, 9):
                n = (a - 1) * 8 + i
                Item.objects.create(
                    standard=standard, area=area, number=n,
                    content=f"第{n}项：按照党章和党内法规要求，规范开展支部工作，做到制度健全、记录完整、资料齐备。",
                    criteria="未按要求开展的扣1分；记录不完整的扣0.5分；资料不齐备的酌情扣分，扣完为止。",
                    points=Decimal("2"), check_method="查阅资料、实地查看", evidence="会议记录、签到表、照片",
                )
    return standard


def seed():
    """Township, branch, secretary, a round in the self phase with half the items
    scored; returns (assessment, standard). Idempotent."""
    import datetime

    from django.core.management import call_command
    from django.db import transaction

    from assessment.models import Branch, Phase, Role, Round, Score, Township, User
    from assessment.services.rounds import round_prepare

    call_command("migrate", verbosity=0, interactive=False)
    standard = default_standard()
    with transaction.atomic():
        township, _ = Township.objects.get_or_create(name=TOWNSHIP)
        branch, _ = Branch.objects.get_or_create(township=township, name=BRANCH)
        user, _ = User.objects.get_or_create(username=SECRETARY, defaults={"role": Role.SECRETARY, "branch": branch})
        user.role, user.branch, user.is_active = Role.SECRETARY, branch, True
        user.set_password(PASSWORD)
        user.save()
        today = datetime.date.today()
        round, _ = Round.objects.get_or_create(
            township=township, name=ROUND,
            defaults={"standard": standard, "year": today.year, "phase": Phase.SELF,
                      "self_start": today - datetime.timedelta(days=1),
                      "self_end": today + datetime.timedelta(days=3650)},
        )
        round_prepare(round=round)
        assessment = round.assessments.get(branch=branch)
        scores = list(Score.objects.filter(assessment=assessment).select_related("item").order_by("item__number"))
        if not any(s.self_score is not None for s in scores):
            for s in scores[::2]:
                s.self_score, s.self_note = s.points, "已按要求开展，资料齐全。"
            Score.objects.bulk_update(scores, ["self_score", "self_note"])
    rows = [{
        "area": s.item.area.name, "number": s.item.number, "content": s.item.content,
        "criteria": s.item.criteria, "check_method": s.item.check_method, "evidence": s.item.evidence,
        "points": str(s.points), "score": "" if s.self_score is None else str(s.self_score), "note": s.self_note,
    } for s in Score.objects.filter(assessment=assessment).select_related("item__area").order_by("item__number")]
    Path(os.environ["BENCH_FLOOR_ROWS"]).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return assessment, len(rows)


# --- 党委一线考评: the on-site scoring page -------------------------------------------

ASSESSOR = "bench_kaoping"
ONSITE_ROUND = "基准测试现场考评批次"
ONSITE_BRANCH = "基准测试二村"


def seed_onsite(standard):
    """A second branch and round in the on-site phase: every item self-scored with a note,
    two evidence files per item (a photo with a thumbnail and a PDF), half the items scored
    on site with a reason and their audit records; an assessor to log in. Idempotent."""
    import datetime

    from django.db import transaction

    from assessment.models import AuditLog, Branch, Evidence, Phase, Role, Round, Score, Status, Township, User
    from assessment.services.rounds import round_prepare

    with transaction.atomic():
        township = Township.objects.get(name=TOWNSHIP)
        branch, _ = Branch.objects.get_or_create(township=township, name=ONSITE_BRANCH)
        user, _ = User.objects.get_or_create(username=ASSESSOR, defaults={"role": Role.ASSESSOR, "township": township})
        user.role, user.township, user.display_name, user.is_active = Role.ASSESSOR, township, "考评员", True
        user.set_password(PASSWORD)
        user.save()
        today = datetime.date.today()
        round, created = Round.objects.get_or_create(
            township=township, name=ONSITE_ROUND,
            defaults={"standard": standard, "year": today.year, "phase": Phase.ONSITE},
        )
        round_prepare(round=round)
        assessment = round.assessments.get(branch=branch)
        if assessment.status != Status.ONSITE:
            scores = list(Score.objects.filter(assessment=assessment).select_related("item").order_by("item__number"))
            files, logs = [], []
            for i, s in enumerate(scores):
                s.self_score, s.self_note = s.points, "已按要求开展，会议记录、签到表齐全，详见佐证材料。"
                if i % 2 == 0:
                    s.onsite_score, s.deduction_reason = s.points - 1, "会议记录不完整，缺少两次签到表。"
                    s.needs_rectification, s.requirement, s.version = True, "补齐会议记录和签到表。", 2
                    logs += [AuditLog(actor=user, action="onsite_score", assessment=assessment, item=s.item,
                                      field="onsite_score", old_value="", new_value=str(s.onsite_score)),
                             AuditLog(actor=user, action="onsite_reason", assessment=assessment, item=s.item,
                                      field="deduction_reason", new_value=s.deduction_reason)]
                files += [Evidence(assessment=assessment, item=s.item, file=f"evidence/bench/{s.item.number}.jpg",
                                   thumbnail=f"thumbs/bench/{s.item.number}.jpg", original_name=f"第{s.item.number}项照片.jpg",
                                   content_type="image/jpeg", size=120_000, uploaded_by=user),
                          Evidence(assessment=assessment, item=s.item, file=f"evidence/bench/{s.item.number}.pdf",
                                   original_name=f"第{s.item.number}项会议记录.pdf", content_type="application/pdf",
                                   size=300_000, uploaded_by=user)]
            Score.objects.bulk_update(scores, ["self_score", "self_note", "onsite_score", "deduction_reason",
                                               "needs_rectification", "requirement", "version"])
            Evidence.objects.bulk_create(files)
            AuditLog.objects.bulk_create(logs)
            assessment.status = Status.ONSITE
            assessment.save(update_fields=["status"])
    return assessment


BARE_ONSITE = """{% for area in areas %}<section><h2>{{ area.name }}</h2>{% for row in area.rows %}
<div class="or"><div>{{ row.number }}</div><div>{{ row.content }}</div><div>评分标准：{{ row.criteria }}</div>
<div>自评 {{ row.score }} / {{ row.points }} 分 {{ row.note }}</div>
<input type="text" inputmode="decimal" name="score-{{ row.number }}" value="{{ row.score }}">
<textarea name="reason-{{ row.number }}">{{ row.note }}</textarea>
<input type="checkbox" name="rect-{{ row.number }}" value="1">
<textarea name="requirement-{{ row.number }}"></textarea>
<input type="hidden" name="version-{{ row.number }}" value="0"></div>{% endfor %}</section>{% endfor %}"""


def inprocess_onsite(seconds=3.0):
    """In-process timing (no server): Django's test client GETs the on-site page of the
    seeded 56-item branch, against a bare Template(...).render of the same 56 rows with
    hand-written inputs. Returns {"page_per_s", "bare_per_s", "ratio", "queries"}."""
    import timeit

    from django.db import connection
    from django.template import Context, Template
    from django.test import Client
    from django.urls import reverse

    from assessment.models import User
    from bench.floor import AREAS

    assessment = seed_onsite(default_standard())
    client = Client()
    client.force_login(User.objects.get(username=ASSESSOR))
    url = reverse("onsite-scoring", args=[assessment.pk])
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    template = Template(BARE_ONSITE)
    context = {"areas": AREAS}

    def rate(fn):
        fn()
        n, elapsed = 0, 0.0
        while elapsed < seconds:
            elapsed += timeit.timeit(fn, number=10)
            n += 10
        return n / elapsed

    page = rate(lambda: client.get(url))
    bare = rate(lambda: template.render(Context(context)))
    return {"page_per_s": page, "bare_per_s": bare, "ratio": page / bare, "queries": len(executed)}


# --- The server --------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on a free port, stopped on exit (only the process started here)."""

    def __init__(self, workers=2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.process = None

    def __enter__(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "LOG_LEVEL": "WARNING"}
        self.log = open(OUT / "gunicorn.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "huayu.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {OUT / 'gunicorn.log'}")
            try:
                urllib.request.urlopen(self.base + "/bench/floor/", timeout=2).read()
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        self.__exit__()
        raise SystemExit("gunicorn did not answer within 30 seconds")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


# --- The client --------------------------------------------------------------


def opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def login(base, username, password, next="/"):
    """An opener holding a logged-in session (the CSRF token read from the login form); the
    login then opens `next`."""
    client = opener()
    html = client.open(base + "/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token, "next": next}).encode()
    request = urllib.request.Request(base + "/accounts/login/", data=data,
                                     headers={"Referer": base + "/accounts/login/"})
    response = client.open(request, timeout=10)
    if "/accounts/login/" in response.geturl():
        raise SystemExit(f"login as {username} failed")
    return client


def measure(url, seconds, concurrency, client=None, warmup=1.0):
    """GET `url` for `seconds` from `concurrency` threads sharing `client` (an opener,
    e.g. from login()); returns requests/second and latencies. Non-200 answers count as errors."""
    client = client or opener()

    def run(until, latencies, errors):
        while time.monotonic() < until:
            start = time.perf_counter()
            try:
                with client.open(url, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, OSError):
                ok = False
            latencies.append(time.perf_counter() - start) if ok else errors.append(1)

    def burst(duration):
        latencies, errors = [], []
        until = time.monotonic() + duration
        threads = [threading.Thread(target=run, args=(until, latencies, errors)) for _ in range(concurrency)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return latencies, errors, time.monotonic() - started

    if warmup:
        burst(warmup)
    latencies, errors, elapsed = burst(seconds)
    latencies.sort()
    return {
        "url": url,
        "requests": len(latencies),
        "errors": len(errors),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
    }


def combine(results):
    """One result from several slices of the same URL."""
    seconds = sum(r["requests"] / r["rps"] for r in results if r["rps"])
    requests = sum(r["requests"] for r in results)
    return {
        "url": results[0]["url"],
        "requests": requests,
        "errors": sum(r["errors"] for r in results),
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": statistics.median([r["p50_ms"] for r in results if r["p50_ms"] is not None] or [0]),
        "p95_ms": max((r["p95_ms"] for r in results if r["p95_ms"] is not None), default=None),
    }


def compare(urls, seconds, concurrency, clients, slices=3):
    """Measure several URLs in turn, `slices` times each, so a change of load on the
    machine while it runs touches all of them alike. Returns one result per URL."""
    parts = {url: [] for url in urls}
    for i in range(slices):
        for url in urls:
            parts[url].append(measure(url, seconds / slices, concurrency, clients.get(url), warmup=0.5 if i == 0 else 0))
    return [combine(parts[url]) for url in urls]


def line(label, result):
    p50 = f"{result['p50_ms']:.1f}" if result["p50_ms"] is not None else "—"
    p95 = f"{result['p95_ms']:.1f}" if result["p95_ms"] is not None else "—"
    return (f"{label:<10} {result['rps']:8.1f} req/s  p50 {p50} ms  p95 {p95} ms  "
            f"({result['requests']} ok, {result['errors']} errors)  {result['url']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slices", type=int, default=3, help="alternate page and floor this many times")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the ratio is below the bar")
    parser.add_argument("--gzip", action="store_true", help="the clients accept gzip, as browsers do")
    parser.add_argument("--inprocess", action="store_true",
                        help="only time the on-site page in-process against a bare template of its 56 rows")
    args = parser.parse_args(argv)

    setup_django()
    if args.inprocess:
        seed()
        result = inprocess_onsite(seconds=args.seconds)
        print(f"on-site page (in-process): {result['page_per_s']:.1f}/s, {result['queries']} queries; "
              f"bare template of 56 rows: {result['bare_per_s']:.1f}/s; ratio {result['ratio']:.2f} "
              f"— {'meets' if result['ratio'] >= BAR else 'DOES NOT meet'} the bar (>= {BAR})")
        return 1 if args.strict and result["ratio"] < BAR else 0
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    assessment, rows = seed()
    onsite = seed_onsite(assessment.round.standard)
    onsite_path = reverse("onsite-scoring", kwargs={"pk": onsite.pk})
    try:
        path = reverse("selfeval-checklist", kwargs={"pk": assessment.pk})
    except NoReverseMatch:
        path = "/"
        print("note: no URL named selfeval-checklist yet; measuring the home page instead")
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine} · standard rows: {rows} · gunicorn workers: {args.workers} · "
          f"threads: {args.concurrency} · {args.seconds:g} s each")

    with Server(workers=args.workers) as server:
        client = login(server.base, SECRETARY, PASSWORD)
        html = client.open(server.base + path, timeout=30).read().decode()
        inputs = len(re.findall(r'name="score-\d+"', html))
        print(f"page: {server.base + path} ({len(html) // 1024} KiB, {inputs} score inputs)")
        page_url, floor_url = server.base + path, server.base + "/bench/floor/"
        onsite_url = server.base + onsite_path
        assessor = login(server.base, ASSESSOR, PASSWORD)
        html = assessor.open(onsite_url, timeout=30).read().decode()
        inputs = len(re.findall(r'name="score-\d+"', html))
        print(f"on-site page: {onsite_url} ({len(html) // 1024} KiB, {inputs} score inputs)")
        clients = {page_url: client, floor_url: opener(), onsite_url: assessor}
        if args.gzip:  # the app then gzips every answer, the floor's too (assessment.middleware)
            for each in clients.values():
                each.addheaders.append(("Accept-Encoding", "gzip"))
        page, floor, onsite_page = compare([page_url, floor_url, onsite_url], args.seconds, args.concurrency,
                                           clients, slices=args.slices)

    ratio = page["rps"] / floor["rps"] if floor["rps"] else 0.0
    onsite_ratio = onsite_page["rps"] / floor["rps"] if floor["rps"] else 0.0
    meets = ratio >= BAR and onsite_ratio >= BAR
    print(line("page", page))
    print(line("onsite", onsite_page))
    print(line("floor", floor))
    for label, value in (("page/floor", ratio), ("onsite/floor", onsite_ratio)):
        print(f"ratio {label}: {value:.2f} — {'meets' if value >= BAR else 'DOES NOT meet'} the bar (>= {BAR})")
    if page["errors"] or floor["errors"] or onsite_page["errors"]:
        print("warning: some requests failed; see bench/out/gunicorn.log")
    return 1 if args.strict and not meets else 0


if __name__ == "__main__":
    sys.exit(main())
