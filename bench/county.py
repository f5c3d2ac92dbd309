"""Benchmark: the county-scale figures on PostgreSQL (1,000 branches, 10,000 rectification items).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huayu_county .venv/bin/python bench/county.py \\
        [--branches 1000] [--rectifications 10000] [--repeat 15] [--fresh] [--profile PAGE]

1. Creates the database if it does not exist (--fresh: drops and recreates it), migrates, and
   seeds with bulk_create (not the services): the default standard (56 items), the county
   township 基准县 with --branches branches (mixed kinds, a few demonstration sites), one
   secretary each, a round in the notice phase (published) with one published assessment per
   branch, 56 scores each (self and on-site; most full, some deducted with a reason), on-site
   audit records, approved bonus claims, a few veto findings, --rectifications items
   (待整改/已报告整改/已销号, deadlines around today, some overdue), an admin and an assessor.
   Running it again with the same sizes reuses the data; other sizes replace it.
2. Starts gunicorn (2 workers, bench/checklist.py's Server), logs in as the admin and GETs each
   page --repeat times after a warm-up: the ranking, the self-evaluation overview, the on-site
   overview (when the app has it) and the rectification board (first page, filtered page).
   Per page the median of the server's own time (its Server-Timing header, from the first
   middleware to the last), and the median and p95 wall time seen by the client on loopback;
   the number of queries from one in-process request (CaptureQueriesContext).
   Bar: overviews and ranking median server time < 150 ms.
3. Exports, each in a fresh subprocess (wall time and that process's peak RSS):
   `manage.py export_xlsx rectifications` (bar < 5 s and < 200 MB) and `summary` (bar < 3 s);
   then both through their HTTP endpoints once, and the notice's Word file (time only).
4. Prints a table (figure, value, bar, PASS/FAIL) and writes it to bench/out/county.json.

--saves N changes and changes back N scores of every branch, each write in a transaction of its
own, before measuring (PostgreSQL): the round as people's saves leave it, not as bulk-loaded.
--profile ranking|selfeval|onsite|board|board-filtered runs that page in-process under
cProfile and prints its slowest queries and functions (no server, no exports);
--profile export-rectifications|export-summary does the same for write_xlsx of that file.
--allow-sqlite runs on SQLite (the figures are meant for PostgreSQL).
"""

import argparse
import contextlib
import datetime
import io
import json
import logging
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import time
import unicodedata
import urllib.parse
import warnings
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checklist import OUT, PASSWORD, Server, default_standard, login, setup_django  # noqa: E402

TOWNSHIP = "基准县"
ROUND = "基准县2026年度党支部规范化建设考核验收"
ADMIN = "county_admin"
ASSESSOR = "county_kaoping"
PAGE_BAR_MS = 150
RECT_EXPORT_BAR_S, RECT_EXPORT_BAR_MB = 5.0, 200
SUMMARY_EXPORT_BAR_S = 3.0
SEED = 2026

KINDS = [("rural", 60), ("community", 15), ("organ", 10), ("school", 5), ("enterprise", 6), ("other", 4)]
PLACES = "东南西北上下前后新老大小"
REASONS = [
    "会议记录不完整，缺少两次签到表。", "“三会一课”记录中党课次数不足。", "党员发展材料缺少公示记录。",
    "党费收缴台账未按月登记。", "主题党日活动照片与记录不一致。", "组织生活会未形成整改清单。",
    "阵地标识不规范，制度未上墙。", "党员积分管理台账未及时更新。",
]
MEASURES = "已补齐相关记录并由支委会审核，完善了台账登记制度，明确专人负责。"
VERIFY_NOTES = ["经现场核验，已整改到位。", "资料齐全，同意销号。"]


# --- The database ------------------------------------------------------------


def database_url(args):
    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        if not args.allow_sqlite:
            raise SystemExit(
                "bench/county.py measures PostgreSQL: set DATABASE_URL, e.g.\n"
                "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/huayu_county .venv/bin/python bench/county.py\n"
                "(--allow-sqlite runs it on SQLite anyway)")
        if not url:
            os.environ["DATABASE_URL"] = url = f"sqlite:///{OUT / 'county.sqlite3'}"
    return url


def ensure_database(url, fresh=False):
    """Create the PostgreSQL database of `url` if it does not exist (fresh: drop it first),
    connecting to the server's `postgres` database."""
    parts = urllib.parse.urlparse(url)
    if not parts.scheme.startswith("postgres"):
        if fresh and parts.path:
            Path(parts.path).unlink(missing_ok=True)
        return
    import psycopg2
    from psycopg2 import sql

    name = urllib.parse.unquote(parts.path.lstrip("/"))
    connection = psycopg2.connect(
        dbname="postgres", host=parts.hostname or None, port=parts.port or None,
        user=urllib.parse.unquote(parts.username) if parts.username else None,
        password=urllib.parse.unquote(parts.password) if parts.password else None,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            if fresh:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                print(f"dropped database {name}")
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    finally:
        connection.close()


# --- Seeding ------------------------------------------------------------------


def counts():
    """Row counts of the county's data."""
    from assessment.models import (
        Assessment, AuditLog, BonusClaim, Branch, Rectification, Round, Score, User, VetoFinding,
    )

    round = Round.objects.filter(township__name=TOWNSHIP, name=ROUND).first()
    of_round = {"assessment__round": round}
    return {
        "branches": Branch.objects.filter(township__name=TOWNSHIP).count(),
        "users": User.objects.filter(township__name=TOWNSHIP).count(),
        "assessments": Assessment.objects.filter(round=round).count() if round else 0,
        "scores": Score.objects.filter(**of_round).count() if round else 0,
        "bonus_claims": BonusClaim.objects.filter(**of_round).count() if round else 0,
        "veto_findings": VetoFinding.objects.filter(**of_round).count() if round else 0,
        "rectifications": Rectification.objects.filter(**of_round).count() if round else 0,
        "audit_records": AuditLog.objects.filter(**of_round).count() if round else 0,
    }


def wipe():
    """Delete the county's data (only the township 基准县 and what hangs off it, its audit
    records too: the guard that refuses that to the app is lifted meanwhile)."""
    from django.db import connection, transaction

    from assessment.audit import guard_lifted
    from assessment.models import Branch, Message, Reminder, Round, Township, User

    township = Township.objects.filter(name=TOWNSHIP).first()
    if township is None:
        return
    with transaction.atomic(), guard_lifted(connection):
        for round in Round.objects.filter(township=township):
            Reminder.objects.filter(rectification__assessment__round=round).delete()
            round.delete()
        users = User.objects.filter(township=township)
        Message.objects.filter(user__in=users).delete()
        users.delete()
        Branch.objects.filter(township=township).delete()
        township.delete()


def spread(total, parts, rng, low=0.2, high=1.8):
    """`total` split over `parts` buckets, unevenly (each between low and high times the mean)."""
    if parts == 0:
        return []
    weights = [rng.uniform(low, high) for _ in range(parts)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for i in rng.sample(range(parts), total - sum(shares)) if total - sum(shares) <= parts else range(parts):
        shares[i] += 1
    while sum(shares) < total:  # only when total - sum > parts (tiny sizes)
        shares[rng.randrange(parts)] += 1
    return shares


def seed(branches, rectifications):
    """The county's data, reused when already seeded with the same sizes. Returns (round, seconds,
    counts, reused)."""
    from django.core.management import call_command
    from django.utils import timezone

    from assessment.models import Round, User

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    with contextlib.redirect_stdout(io.StringIO()):  # the loader says when the standard is already there
        standard = default_standard()
    items = list(standard.items.select_related("area").order_by("number"))
    expected = {"branches": branches, "assessments": branches, "scores": branches * len(items),
                "rectifications": rectifications}
    now = counts()
    round = Round.objects.filter(township__name=TOWNSHIP, name=ROUND).first()
    if round and all(now[k] == v for k, v in expected.items()) and round.standard_id == standard.pk:
        for username in (ADMIN, ASSESSOR):
            user = User.objects.get(username=username)
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        return round, time.perf_counter() - started, now, True

    rng = random.Random(SEED)
    today = timezone.localdate()
    at = timezone.now()
    batch = 2000
    # The triggers that keep the subtotals, the totals and each assessment's render_version are
    # lifted while the rows are bulk-loaded and installed again afterwards, which sums every row
    # afresh (as `flush` and a restore do). With them on, the load rewrote each assessment's row
    # and its total once per score, 56 times in one transaction, which nothing could prune: at
    # 10,000 branches the two tables took 8,000 pages each for 10,000 rows, and every ranking
    # read them all. Scores saved one by one over weeks leave no such bloat (each update is
    # pruned on its page, autovacuum does the rest).
    from django.db import connection

    from assessment import subtotals, totals, versions

    for kept in (versions, totals, subtotals):
        kept.uninstall(connection)
    try:
        _load(rng, today, at, batch, standard, items, branches, rectifications)
    finally:
        for kept in (subtotals, totals, versions):
            kept.install(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    round = Round.objects.get(township__name=TOWNSHIP, name=ROUND)
    return round, time.perf_counter() - started, counts(), False


def _load(rng, today, at, batch, standard, items, branches, rectifications):
    """The county's rows, bulk-created in one transaction (the kept-data triggers lifted)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from assessment.models import (
        Assessment, AuditLog, BonusClaim, Branch, Phase, Rectification, RectificationStatus, Role, Round, Score,
        Status, Township, User, VetoFinding,
    )

    with transaction.atomic():
        wipe()
        township = Township.objects.create(name=TOWNSHIP)
        admin = User(username=ADMIN, role=Role.ADMIN, township=township, display_name="县委组织部管理员")
        admin.set_password(PASSWORD)
        admin.save()
        assessor = User(username=ASSESSOR, role=Role.ASSESSOR, township=township, display_name="考评员甲")
        assessor.set_password(PASSWORD)
        assessor.save()
        other_assessor = User.objects.create(username="county_kaoping2", role=Role.ASSESSOR, township=township,
                                             display_name="考评员乙", password=make_password(None))

        kinds = [k for k, w in KINDS for _ in range(w)]
        rows = []
        for i in range(1, branches + 1):
            kind = kinds[rng.randrange(len(kinds))]
            suffix = {"rural": "村", "community": "社区", "organ": "机关", "school": "学校",
                      "enterprise": "公司", "other": "协会"}[kind]
            name = f"{PLACES[i % len(PLACES)]}{PLACES[(i // 12) % len(PLACES)]}{i:04d}{suffix}党支部"
            rows.append(Branch(township=township, name=name, kind=kind, order=i,
                               is_demonstration=(i % 40 == 7), members=rng.randint(8, 90)))
        all_branches = Branch.objects.bulk_create(rows, batch_size=batch)
        password = make_password(PASSWORD)  # hashed once: every secretary gets the same hash
        User.objects.bulk_create([
            User(username=f"county_shuji{i:05d}", role=Role.SECRETARY, branch=b, township=township,
                 display_name=f"书记{i:04d}", password=password)
            for i, b in enumerate(all_branches, start=1)
        ], batch_size=batch)

        round = Round.objects.create(
            township=township, standard=standard, name=ROUND, year=today.year, phase=Phase.NOTICE,
            self_start=today - datetime.timedelta(days=90), self_end=today - datetime.timedelta(days=60),
            onsite_start=today - datetime.timedelta(days=55), onsite_end=today - datetime.timedelta(days=35),
            notice_date=today - datetime.timedelta(days=30), rectification_days=30,
            notice_text="现将全县党支部规范化建设考核验收结果通报如下。", notice_number=f"基党发〔{today.year}〕1号",
            published_at=at - datetime.timedelta(days=30), published_by=admin,
        )
        assessments = Assessment.objects.bulk_create([
            Assessment(round=round, branch=b, status=Status.PUBLISHED,
                       submitted_at=at - datetime.timedelta(days=rng.randint(60, 75)),
                       finalised_at=at - datetime.timedelta(days=rng.randint(35, 50)),
                       onsite_date=today - datetime.timedelta(days=rng.randint(35, 50)),
                       assessors_present="考评员甲、考评员乙")
            for b in all_branches
        ], batch_size=batch)

        # Which items each branch lost points on: its rectification items plus a few more.
        per_branch = spread(rectifications, branches, rng)
        scores, audit, rects = [], [], []
        statuses = [RectificationStatus.PENDING] * 50 + [RectificationStatus.REPORTED] * 25 + \
                   [RectificationStatus.CLOSED] * 25
        for a, n_rect in zip(assessments, per_branch):
            n_items = min(n_rect, len(items))
            extra = min(rng.randint(0, 3), len(items) - n_items)
            deducted = rng.sample(range(len(items)), n_items + extra)
            rectified = set(deducted[:n_items])
            deducted = set(deducted)
            inflated = rng.random() < 0.15  # 自评虚高: claimed full marks on what was deducted
            for index, item in enumerate(items):
                points = item.points
                self_score, onsite_score, reason, note = points, points, "", "已按要求开展，资料齐全。"
                if index in deducted:
                    cut = min(points, rng.choice([Decimal("0.5"), Decimal("1"), Decimal("1"), Decimal("2")]))
                    onsite_score = points - cut
                    reason = rng.choice(REASONS)
                    if not inflated and rng.random() < 0.5:
                        self_score = max(points - cut, Decimal("0"))
                        note = "部分资料不全，已自行扣分。"
                elif rng.random() < 0.03:
                    self_score = max(points - Decimal("0.5"), Decimal("0"))
                    note = "个别记录不够规范。"
                scores.append(Score(
                    assessment=a, item=item, points=points, self_score=self_score, self_note=note,
                    onsite_score=onsite_score, deduction_reason=reason, needs_rectification=index in rectified,
                    requirement="限期补齐资料，规范台账。" if index in rectified else "", version=2,
                ))
                actor = assessor if index % 2 else other_assessor
                audit.append(AuditLog(at=at - datetime.timedelta(days=40), actor=actor, action="onsite_score",
                                      assessment=a, item=item, field="onsite_score", old_value="",
                                      new_value=str(onsite_score)))
                if reason:
                    audit.append(AuditLog(at=at - datetime.timedelta(days=40), actor=actor, action="onsite_reason",
                                          assessment=a, item=item, field="deduction_reason", new_value=reason))
            for index in sorted(rectified):
                item = items[index]
                status = rng.choice(statuses)
                deadline = today + datetime.timedelta(days=rng.randint(-25, 35))
                r = Rectification(
                    assessment=a, item=item, problem=rng.choice(REASONS), requirement="限期补齐资料，规范台账，举一反三。",
                    deadline=deadline, responsible=f"书记{a.branch.order:04d}", status=status,
                )
                if status in (RectificationStatus.REPORTED, RectificationStatus.CLOSED):
                    r.measures = MEASURES
                    r.reported_at = at - datetime.timedelta(days=rng.randint(1, 25))
                if status == RectificationStatus.CLOSED:
                    r.verified_by, r.verify_note = admin, rng.choice(VERIFY_NOTES)
                    r.verified_at = r.reported_at + datetime.timedelta(days=rng.randint(0, 5))
                rects.append(r)
            for _ in range(n_rect - n_items):  # more items than the standard has: problems without an item
                rects.append(Rectification(
                    assessment=a, item=None, problem="其他问题：" + rng.choice(REASONS), requirement="限期整改。",
                    deadline=today + datetime.timedelta(days=rng.randint(-25, 35)),
                    responsible=f"书记{a.branch.order:04d}", status=RectificationStatus.PENDING,
                ))
        Score.objects.bulk_create(scores, batch_size=batch)
        AuditLog.objects.bulk_create(audit, batch_size=batch)
        Rectification.objects.bulk_create(rects, batch_size=batch)

        bonuses = list(standard.bonuses.order_by("order", "pk"))
        vetoes = list(standard.vetoes.order_by("order", "pk"))
        claims, findings = [], []
        vetoed = set(rng.sample(range(len(assessments)), min(len(assessments), max(1, branches // 150))))
        for i, a in enumerate(assessments):
            if bonuses and rng.random() < 0.2:
                for bonus in rng.sample(bonuses, rng.randint(1, min(2, len(bonuses)))):
                    decision = BonusClaim.Decision.APPROVED if rng.random() < 0.8 else BonusClaim.Decision.REJECTED
                    claims.append(BonusClaim(assessment=a, bonus=bonus, note="获县级以上表彰。", decision=decision,
                                             decision_note="材料属实。" if decision == "approved" else "材料不足。"))
            if vetoes and i in vetoed:
                findings.append(VetoFinding(assessment=a, veto=rng.choice(vetoes), note="经核实存在否决情形。",
                                            recorded_by=assessor, recorded_at=at - datetime.timedelta(days=40)))
        BonusClaim.objects.bulk_create(claims, batch_size=batch)
        VetoFinding.objects.bulk_create(findings, batch_size=batch)


def saves(round, per_branch):
    """`per_branch` self-scores of every branch of `round` changed and changed back, each write a
    transaction of its own (PL/pgSQL's COMMIT in a DO block), as people's saves come: every one
    goes through the triggers that keep the subtotals, the totals and render_version. Prints the
    pages the kept tables take before and after, and how many of the updates PostgreSQL made
    without a new index entry (HOT: on the same page)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("--saves runs on PostgreSQL")
    tables = ("assessment_assessment", "assessment_total", "assessment_subtotal")
    size = "SELECT relname, pg_relation_size(oid) / 8192 FROM pg_class WHERE relname = ANY(%s) ORDER BY relname"
    with connection.cursor() as cursor:
        cursor.execute(size, [list(tables)])
        before = dict(cursor.fetchall())
    connection.set_autocommit(True)  # COMMIT inside DO needs a top-level call
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"""DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT s.id, s.self_score FROM assessment_score s JOIN assessment_assessment a ON a.id = s.assessment_id
           JOIN assessment_item i ON i.id = s.item_id
           WHERE a.round_id = {int(round.pk)} AND i.number <= {int(per_branch)} ORDER BY s.assessment_id, s.item_id LOOP
    UPDATE assessment_score SET self_score = CASE WHEN r.self_score >= 0.5 THEN r.self_score - 0.5
                                                  ELSE r.self_score + 0.5 END WHERE id = r.id;
    COMMIT;
    UPDATE assessment_score SET self_score = r.self_score WHERE id = r.id;
    COMMIT;
  END LOOP; END $$""")
        seconds = time.perf_counter() - started
        cursor.execute(size, [list(tables)])
        after = dict(cursor.fetchall())
        cursor.execute("SELECT relname, n_tup_hot_upd, n_tup_upd FROM pg_stat_user_tables WHERE relname = ANY(%s)"
                       " ORDER BY relname", [list(tables)])
        hot = {name: (h, n) for name, h, n in cursor.fetchall()}
    count = round.assessments.count() * per_branch * 2
    print(f"saves: {count:,} in {seconds:.1f} s, each its own transaction")
    for name in tables:
        h, n = hot.get(name, (0, 0))
        print(f"  {name:<24} {before.get(name, 0):>6} → {after.get(name, 0):>6} pages"
              f"  (HOT updates since the statistics began: {h:,} of {n:,})")


# --- Pages ------------------------------------------------------------------


def pages(round):
    """[(key, label, path, bar_ms or None)] of the pages to measure; the on-site overview only
    when the app has it."""
    from django.urls import NoReverseMatch, reverse

    from assessment.models import RectificationStatus

    from assessment.results import RANKING_PAGE_SIZE

    ranking = reverse("results-ranking", args=[round.pk])
    last = max(1, -(-round.assessments.count() // RANKING_PAGE_SIZE))
    result = [("ranking", "排名 results-ranking", ranking, PAGE_BAR_MS),
              ("ranking-last", f"排名 last page ({last})", f"{ranking}?page={last}", PAGE_BAR_MS),
              ("selfeval", "自评总览 selfeval-overview", reverse("selfeval-overview", args=[round.pk]), PAGE_BAR_MS)]
    try:
        result.append(("onsite", "考评总览 onsite-overview", reverse("onsite-overview", args=[round.pk]), PAGE_BAR_MS))
    except NoReverseMatch:
        print("note: no URL named onsite-overview yet; not measured")
    board = reverse("rectification-board", args=[round.pk])
    result.append(("board", "整改台账 first page", board, None))
    result.append(("board-filtered", "整改台账 待整改+逾期",
                   board + f"?status={RectificationStatus.PENDING}&overdue=1&page=2", None))
    return result


def in_process(path, user):
    """One GET of `path` in-process: (status, queries, their total ms, the slowest few)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)  # warm caches (templates, the standard)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    return response.status_code, len(queries), sum(t for t, _ in queries), sorted(queries, reverse=True)[:3]


def server_ms(response):
    """The server's own time from its Server-Timing header (assessment.middleware), or None."""
    found = re.search(r"dur=([0-9.]+)", response.headers.get("Server-Timing", ""))
    return float(found.group(1)) if found else None


def timed_gets(client, url, repeat, warmup, server=None):
    """GET `url` `warmup` times, then `repeat` times, one after the other; returns latencies (ms)
    and the size of the last body; the server's own times are appended to `server` if given.
    Non-200 answers stop the run."""
    latencies, size = [], 0
    for i in range(warmup + repeat):
        start = time.perf_counter()
        with client.open(url, timeout=120) as response:
            body = response.read()
            if response.status != 200:
                raise SystemExit(f"{url}: HTTP {response.status}")
            took = server_ms(response)
        elapsed = (time.perf_counter() - start) * 1000
        size = len(body)
        if i >= warmup:
            latencies.append(elapsed)
            if server is not None and took is not None:
                server.append(took)
    return latencies, size


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


# --- Exports -------------------------------------------------------------------

PEAK_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def run_measured(command):
    """Run `command` in a fresh process; (seconds, peak RSS in MB of that process). A small
    wrapper process runs it, so RUSAGE_CHILDREN holds only the command's own peak."""
    out = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *command], cwd=ROOT, env=os.environ.copy(),
                         capture_output=True, text=True, check=True).stdout.split()
    seconds, kilobytes, code = float(out[0]), int(out[1]), int(out[2])
    if code:
        raise SystemExit(f"failed ({code}): {shlex.join(command)}")
    return seconds, kilobytes / 1024


def display_command(command):
    return shlex.join([os.path.relpath(c, ROOT) if c == sys.executable or c.startswith(str(ROOT)) else c
                       for c in command])


def width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, columns, right=False):
    space = " " * max(0, columns - width(text))
    return space + text if right else text + space


# --- Profiling ------------------------------------------------------------------


def profile(path, user):
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(path)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        profiler.enable()
        client.get(path)
        profiler.disable()
        elapsed = (time.perf_counter() - start) * 1000
    queries = sorted(((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True)
    print(f"{path}: {elapsed:.1f} ms in-process, {len(queries)} queries, "
          f"{sum(t for t, _ in queries):.1f} ms in the database")
    for ms, sql in queries[:5]:
        print(f"  {ms:7.1f} ms  {sql[:400]}")
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(30)
    print(stream.getvalue())
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(20)
    print(stream.getvalue())


def profile_export(kind, round):
    """write_xlsx of the round's 整改清单 or 考评汇总表 into memory, under cProfile."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessment.exporters import RectificationList, Summary
    from assessment.xlsx import write_xlsx

    exporter = {"rectifications": RectificationList, "summary": Summary}[kind](round)
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        profiler.enable()
        write_xlsx(exporter, io.BytesIO())
        profiler.disable()
        elapsed = time.perf_counter() - start
    queries = sorted(((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), reverse=True)
    print(f"export {kind}: {elapsed:.2f} s in-process (profiled), {len(queries)} queries, "
          f"{sum(t for t, _ in queries):.1f} ms in the database")
    for ms, sql in queries[:5]:
        print(f"  {ms:7.1f} ms  {sql[:300]}")
    for order, n in (("cumulative", 40), ("tottime", 25)):
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(n)
        print(stream.getvalue())


# --- Main --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--rectifications", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=15, help="timed GETs per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed GETs per page first (2 workers)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--allow-sqlite", action="store_true")
    parser.add_argument("--pages", metavar="KEYS",
                        help="measure only these pages, comma-separated: ranking, ranking-last, selfeval, onsite, "
                             "board, board-filtered (e.g. --pages ranking,ranking-last at 10,000 branches)")
    parser.add_argument("--no-exports", action="store_true", help="skip the exports (pages only)")
    parser.add_argument("--saves", type=int, default=0, metavar="N",
                        help="before measuring, change and change back N scores of every branch, each in a "
                             "transaction of its own, through the triggers (PostgreSQL): the data of a round "
                             "saved item by item, not bulk-loaded")
    parser.add_argument("--profile", metavar="PAGE",
                        help="only profile in-process: ranking, selfeval, onsite, board, board-filtered (a page), "
                             "export-rectifications, export-summary (write_xlsx into memory)")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv

    url = database_url(args)
    ensure_database(url, fresh=args.fresh)
    setup_django()
    logging.getLogger("axes").setLevel(logging.WARNING)  # in-process logins would log each one
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic here
    from django.conf import settings
    from django.urls import reverse

    from assessment.models import User

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    command_line = shlex.join([f"DATABASE_URL={url}", os.path.relpath(sys.executable, ROOT), "bench/county.py",
                               *argv])
    round, seed_seconds, rows, reused = seed(args.branches, args.rectifications)
    admin = User.objects.get(username=ADMIN)
    print(f"database: {engine} · {'reused the seeded data' if reused else 'seeded'} in {seed_seconds:.1f} s")
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    if args.saves:
        saves(round, args.saves)

    targets = pages(round)
    if args.pages:
        keys = args.pages.split(",")
        unknown = set(keys) - {p[0] for p in targets}
        if unknown:
            raise SystemExit(f"--pages: unknown {', '.join(sorted(unknown))}; one of {', '.join(p[0] for p in targets)}")
        targets = [p for p in targets if p[0] in keys]
    if args.profile:
        if args.profile.startswith("export-"):
            profile_export(args.profile.removeprefix("export-"), round)
            return 0
        chosen = [p for p in targets if p[0] == args.profile]
        if not chosen:
            raise SystemExit(f"--profile: one of {', '.join(p[0] for p in targets)}, "
                             "export-rectifications, export-summary")
        profile(chosen[0][2], admin)
        return 0

    figures = []  # dicts: figure, value, unit, bar, pass

    def figure(name, value, unit, bar=None, passed=None, **extra):
        figures.append({"figure": name, "value": round_value(value), "unit": unit, "bar": bar,
                        "result": None if passed is None else ("PASS" if passed else "FAIL"), **extra})

    queries = {}
    for key, label, path, bar in targets:
        status, n, db_ms, slowest = in_process(path, admin)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status} in-process")
        queries[key] = {"queries": n, "db_ms": round_value(db_ms), "slowest_ms": round_value(slowest[0][0]) if slowest else 0}

    load_before = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load_before[0]:.2f} (other work on the machine "
          "slows every figure)")
    with Server(workers=args.workers) as server:
        # the login lands on the first page measured (the home page is not what is measured)
        client = login(server.base, ADMIN, PASSWORD, next=targets[0][2])
        print(f"gunicorn: {args.workers} workers at {server.base}; {args.warmup} warm-up + {args.repeat} timed GETs "
              f"per page as {ADMIN}")
        for key, label, path, bar in targets:
            own = []
            latencies, size = timed_gets(client, server.base + path, args.repeat, args.warmup, server=own)
            median = statistics.median(latencies)
            # The bar is on the server's time (its Server-Timing header), as the issue states it;
            # the client's wall time adds reading the page over loopback.
            server_median = statistics.median(own) if own else median
            q = queries[key]
            figure(f"{label} server median", server_median, "ms", f"< {bar} ms" if bar else None,
                   None if bar is None else server_median < bar, path=path, kib=size // 1024, **q)
            figure(f"{label} client median", median, "ms", path=path)
            figure(f"{label} client p95", p95(latencies), "ms", path=path)
            print(f"  {pad(label, 30)} server median {server_median:7.1f} ms · client median {median:7.1f} ms  "
                  f"p95 {p95(latencies):7.1f} ms  {q['queries']} queries ({q['db_ms']} ms in the database "
                  f"in-process)  {size // 1024} KiB  {path}")

        exports, http, startup = [], [], None
        for kind in () if args.no_exports else ("rectifications", "summary"):
            target = OUT / f"county-{kind}.xlsx"
            command = [sys.executable, "manage.py", "export_xlsx", kind, "--round", str(round.pk), "-o", str(target)]
            seconds, peak = run_measured(command)
            size = target.stat().st_size
            exports.append((kind, seconds, peak, size, display_command(command)))
            print(f"  export_xlsx {kind:<15} {seconds:6.2f} s  peak {peak:6.1f} MB  {size // 1024} KiB")
        if not args.no_exports:
            startup, startup_peak = run_measured([sys.executable, "manage.py", "check"])
            print(f"  manage.py check (startup)   {startup:6.2f} s  peak {startup_peak:6.1f} MB")
        for name in () if args.no_exports else ("export-rectifications", "export-summary", "notice-docx"):
            path = reverse(name, args=[round.pk])
            latencies, size = timed_gets(client, server.base + path, 1, 0)
            http.append((name, path, latencies[0] / 1000, size))
            print(f"  GET {path:<45} {latencies[0] / 1000:6.2f} s  {size // 1024} KiB")

    for kind, seconds, peak, size, command in exports:
        if kind == "rectifications":
            figure("整改清单 export_xlsx time", seconds, "s", f"< {RECT_EXPORT_BAR_S:g} s", seconds < RECT_EXPORT_BAR_S,
                   command=command, kib=size // 1024)
            figure("整改清单 export_xlsx peak memory", peak, "MB", f"< {RECT_EXPORT_BAR_MB} MB", peak < RECT_EXPORT_BAR_MB,
                   command=command)
        else:
            figure("考评汇总表 export_xlsx time", seconds, "s", f"< {SUMMARY_EXPORT_BAR_S:g} s",
                   seconds < SUMMARY_EXPORT_BAR_S, command=command, kib=size // 1024)
            figure("考评汇总表 export_xlsx peak memory", peak, "MB", command=command)
    if startup is not None:
        figure("manage.py check (Django startup, included above)", startup, "s")
    for name, path, seconds, size in http:
        label = {"export-rectifications": "整改清单", "export-summary": "考评汇总表", "notice-docx": "通报.docx"}[name]
        figure(f"{label} HTTP {name}", seconds, "s", path=path, kib=size // 1024)

    load_after = os.getloadavg()
    print()
    print(f"{pad('figure', 50)} {pad('value', 10, right=True)}  {pad('bar', 10)} result")
    for f in figures:
        value = f"{f['value']:.2f} s" if f["unit"] == "s" else f"{f['value']:.1f} {f['unit']}"
        print(f"{pad(f['figure'], 50)} {pad(value, 10, right=True)}  {pad(f['bar'] or '—', 10)} {f['result'] or ''}")
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} CPUs)")
    print(f"command: {command_line}")
    for kind, *_, command in exports:
        print(f"export:  {command}")
    failed = [f["figure"] for f in figures if f["result"] == "FAIL"]
    print("all bars met" if not failed else "FAILED: " + "; ".join(failed))

    OUT.mkdir(parents=True, exist_ok=True)
    report = {
        "command": command_line, "database": engine, "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "branches": args.branches, "rectifications": args.rectifications, "repeat": args.repeat,
        "workers": args.workers, "cpus": os.cpu_count(),
        "load_average": {"before": round_value(load_before[0]), "after": round_value(load_after[0])},
        "seed_seconds": round_value(seed_seconds), "seed_reused": reused, "rows": rows,
        "figures": figures, "failed": failed,
    }
    (OUT / "county.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written: {os.path.relpath(OUT / 'county.json', ROOT)}")
    return 0


def round_value(value):
    return round(float(value), 3)


if __name__ == "__main__":
    sys.exit(main())
