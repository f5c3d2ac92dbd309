"""The deadline rush: 200 people at once on a county-scale database, for 60 seconds.

    .venv/bin/python bench/load.py                       # seeds huayu_h10_load on first run
    .venv/bin/python bench/load.py --seconds 60 --users 200 --workers 4 --threads 4
    .venv/bin/python bench/load.py --seconds 30 --restart-db    # restarts PostgreSQL half-way (by hand only)

1. Seeds the PostgreSQL database of DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/huayu_h10_load; created if missing, --fresh recreates it)
   with the default standard (56 items) and a county of --branches branches in two townships:
   负载县自评镇 (most branches; its round in 自评阶段, a third of the branches already part-way
   through) and 负载县考评镇 (--onsite-branches branches; its round in 现场考评阶段, every branch
   submitted with all 56 self scores). One secretary per branch, --assessors assessors and an
   admin per township. Seeding uses bulk_create (about 20 s); later runs reuse it.
2. Starts gunicorn (--workers, --threads: gthread when threads > 1) with MEDIA_ROOT
   bench/out/load-media.
3. Runs --users simulated people for --seconds, each thinking --think-min..--think-max seconds
   (uniformly random) between actions, started over the first think interval:
   - secretaries (all but the admins and assessors): open their checklist, then mostly save one
     item (score + note, the autosave endpoint as selfeval.js sends it), sometimes upload a small
     JPEG to an item (as evidence.js sends it), now and then reopen the checklist;
   - assessors: each owns a share of the on-site branches; opens a branch's scoring page (for the
     versions), scores its items one by one (a reason with every deduction), moves on;
   - the two township admins: open the ranking, now and then download the 考评汇总表.
   The secretaries' sessions are made in the database beforehand (200 PBKDF2 logins would be a
   login storm, not the deadline rush); admins and assessors log in through the login form.
   A 503 (系统繁忙，请稍后重试) is retried after a pause, as a person would.
4. Reports requests/second, p50/p95/p99 per kind of request and overall, and the errors; then
   checks every value it wrote: each secretary's and assessor's last acknowledged value per item
   is what the database holds, each acknowledged upload has its record and its file, and the
   per-area subtotals the database's triggers kept for every written branch equal its scores' sums.
   Bar: no errors, overall p95 < 500 ms, no value lost. Prints PASS/FAIL, writes bench/out/load.json.

--restart-db (by hand, never in CI: it restarts the machine's PostgreSQL cluster 15/main) runs
`pg_ctlcluster --skip-systemctl-redirect 15 main restart` half-way through and reports how many
requests got the 503 page, whether requests succeed again afterwards with the same gunicorn
processes (no restart: conn_health_checks), and that no acknowledged value was lost. The 503s
are expected there, so the bar becomes: no other errors, recovery, nothing lost.
"""

import argparse
import datetime
import http.client
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.checklist import OUT, default_standard, free_port  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/huayu_h10_load"
MEDIA = OUT / "load-media"
PASSWORD = "load-pass-2026"
SELF_TOWNSHIP = "负载县自评镇"
ONSITE_TOWNSHIP = "负载县考评镇"
SELF_ROUND = "负载县2026年度规范化建设考核验收（自评）"
ONSITE_ROUND = "负载县2026年度规范化建设考核验收（考评）"
P95_BAR_MS = 500
NOTES = ["已按要求开展，资料齐全。", "会议记录、签到表齐全，详见佐证材料。", "部分记录待补充，已自行扣分。",
         "按季度开展主题党日，照片和记录已上传。", "党费按月收缴，台账完整。"]
REASONS = ["会议记录不完整，缺少签到表。", "党课次数不足。", "台账未按月登记。", "阵地标识不规范。"]


# --- The database ------------------------------------------------------------------


def ensure_database(url, fresh=False):
    import psycopg2
    from psycopg2 import sql

    parts = urllib.parse.urlparse(url)
    name = urllib.parse.unquote(parts.path.lstrip("/"))
    connection = psycopg2.connect(dbname="postgres", host=parts.hostname, port=parts.port or 5432,
                                  user=urllib.parse.unquote(parts.username or "postgres"),
                                  password=urllib.parse.unquote(parts.password) if parts.password else None)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            if fresh:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    finally:
        connection.close()


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ["MEDIA_ROOT"] = str(MEDIA)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def seed(branches, onsite_branches, assessors):
    """The two townships, their rounds, users, assessments and scores. Reused when present with
    the same sizes. Returns a dict of what the load needs."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from assessment.audit import guard_lifted
    from assessment.models import Assessment, Branch, BranchKind, Phase, Role, Round, Score, Status, Township, User
    from assessment.services.rounds import round_prepare

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    import contextlib

    with contextlib.redirect_stdout(io.StringIO()):
        standard = default_standard()
    self_n = branches - onsite_branches
    have = (Branch.objects.filter(township__name=SELF_TOWNSHIP).count(),
            Branch.objects.filter(township__name=ONSITE_TOWNSHIP).count(),
            User.objects.filter(role=Role.ASSESSOR, township__name=ONSITE_TOWNSHIP).count())
    rounds = Round.objects.filter(name__in=[SELF_ROUND, ONSITE_ROUND], standard=standard).count()
    reused = have == (self_n, onsite_branches, assessors) and rounds == 2
    if not reused:
        print(f"seeding {branches} branches ({self_n} in self-evaluation, {onsite_branches} on site)…")
        rng = random.Random(2026)
        today = datetime.date.today()
        password = make_password(PASSWORD)
        with transaction.atomic():
            for name in (SELF_TOWNSHIP, ONSITE_TOWNSHIP):
                township = Township.objects.filter(name=name).first()
                if township:
                    with guard_lifted(connection):  # its audit records go with it
                        Round.objects.filter(township=township).delete()
                        User.objects.filter(township=township).delete()
                        User.objects.filter(branch__township=township).delete()
                        Branch.objects.filter(township=township).delete()
                        township.delete()
            kinds = [k for k, _ in BranchKind.choices]
            items = list(standard.items.order_by("number"))
            for name, round_name, n, phase, prefix in (
                (SELF_TOWNSHIP, SELF_ROUND, self_n, Phase.SELF, "load_shuji"),
                (ONSITE_TOWNSHIP, ONSITE_ROUND, onsite_branches, Phase.ONSITE, "load_onsite_shuji"),
            ):
                township = Township.objects.create(name=name)
                rows = Branch.objects.bulk_create([
                    Branch(township=township, name=f"{name[3:5]}{i:04d}村党支部", kind=kinds[i % len(kinds)], order=i,
                           members=rng.randint(8, 90))
                    for i in range(1, n + 1)], batch_size=2000)
                User.objects.bulk_create([
                    User(username=f"{prefix}{i:05d}", role=Role.SECRETARY, branch=b, township=township,
                         display_name=f"书记{i:04d}", password=password) for i, b in enumerate(rows, start=1)
                ], batch_size=2000)
                User.objects.create(username=f"load_admin_{'self' if phase == Phase.SELF else 'onsite'}",
                                    role=Role.ADMIN, township=township, display_name="镇党委管理员", password=password)
                if phase == Phase.ONSITE:
                    User.objects.bulk_create([
                        User(username=f"load_kaoping{i:02d}", role=Role.ASSESSOR, township=township,
                             display_name=f"考评员{i:02d}", password=password) for i in range(1, assessors + 1)])
                round = Round.objects.create(
                    township=township, standard=standard, name=round_name, year=today.year, phase=phase,
                    self_start=today - datetime.timedelta(days=20), self_end=today + datetime.timedelta(days=30))
                round_prepare(round=round)
                scores = list(Score.objects.filter(assessment__round=round).order_by("assessment_id", "item_id"))
                part_way = set()
                for s in scores:
                    if phase == Phase.ONSITE or (s.assessment_id % 3 == 0 and rng.random() < 0.6):
                        s.self_score = s.points if rng.random() < 0.85 else s.points - Decimal("0.5")
                        s.self_note = rng.choice(NOTES)
                        part_way.add(s.assessment_id)
                Score.objects.bulk_update(scores, ["self_score", "self_note"], batch_size=2000)
                status = Status.SUBMITTED if phase == Phase.ONSITE else Status.SELF
                Assessment.objects.filter(pk__in=part_way).update(status=status)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    rounds = {r.phase: r for r in Round.objects.filter(name__in=[SELF_ROUND, ONSITE_ROUND])}
    return {"self_round": rounds[Phase.SELF], "onsite_round": rounds[Phase.ONSITE],
            "seconds": time.perf_counter() - started, "reused": reused,
            "items": {i.pk: i.points for i in standard.items.all()}}


def clear_evidence(rounds):
    """Evidence of earlier load runs: rows and files (the folder is the load's own)."""
    from assessment.models import Evidence

    Evidence.objects.filter(assessment__round__in=rounds).delete()
    shutil.rmtree(MEDIA, ignore_errors=True)
    MEDIA.mkdir(parents=True, exist_ok=True)


def make_sessions(users):
    """A logged-in session per user, as django.contrib.auth.login leaves it (without PBKDF2)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = {}
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys[user.pk] = session.session_key
    return keys


# --- The server --------------------------------------------------------------------


class Gunicorn:
    def __init__(self, workers, threads, url):
        self.port = free_port()
        self.host = "127.0.0.1"
        self.workers, self.threads, self.url = workers, threads, url
        self.process = None

    def __enter__(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DATABASE_URL": self.url,
               "MEDIA_ROOT": str(MEDIA), "LOG_LEVEL": "WARNING",
               "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        command = [sys.executable, "-m", "gunicorn", "huayu.wsgi:application", "--bind", f"{self.host}:{self.port}",
                   "--workers", str(self.workers), "--log-level", "warning", "--timeout", "60",
                   "--backlog", "2048"]
        if self.threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(self.threads)]
        self.log = open(OUT / "load-gunicorn.log", "w")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {OUT / 'load-gunicorn.log'}")
            try:
                status, _, _ = request(self.host, self.port, "GET", "/accounts/login/", timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise SystemExit("gunicorn did not answer within 30 seconds")

    def pids(self):
        """The master and its workers (to show they were not restarted)."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [self.process.pid, *sorted(int(p) for p in out.stdout.split())]

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


# --- The client --------------------------------------------------------------------


def request(host, port, method, path, body=None, headers=None, timeout=60):
    """One request on a new connection: (status, headers, body)."""
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Person:
    """One simulated user: cookies, a CSRF token, and the record of what the server acknowledged."""

    def __init__(self, run, user, session_key=None):
        self.run, self.user = run, user
        self.cookies = {}
        if session_key:
            self.cookies["sessionid"] = session_key
        self.rng = random.Random(user.pk * 7919)

    def call(self, kind, method, path, body=None, headers=None, retry=True):
        """Send; record the latency under `kind`; retry a 503 like a person would. Returns
        (status, body) of the last try, or (None, b"") when the server could not be reached."""
        for attempt in range(6):
            h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
            if method == "POST":
                h.setdefault("X-CSRFToken", self.cookies.get("csrftoken", ""))
                h.setdefault("Referer", f"http://{self.run.host}:{self.run.port}{path}")
            start = time.perf_counter()
            try:
                status, response_headers, data = request(self.run.host, self.run.port, method, path, body, h)
            except OSError as error:
                self.run.record(kind, time.perf_counter() - start, None, f"{type(error).__name__}: {error}")
                return None, b""
            self.run.record(kind, time.perf_counter() - start, status,
                            None if status < 500 else data[:200].decode(errors="replace"))
            for header in response_headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if status == 503 and retry and not self.run.stopping.is_set():
                time.sleep(self.rng.uniform(1, 3))
                continue
            return status, data
        return status, data

    def think(self):
        self.run.stopping.wait(self.rng.uniform(self.run.think_min, self.run.think_max))

    def login(self, path="/accounts/login/"):
        status, data = self.call("login", "GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', data.decode()).group(1)
        body = urllib.parse.urlencode({"username": self.user.username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": token, "next": "/"})
        status, _ = self.call("login", "POST", path, body,
                              {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"login as {self.user.username}: HTTP {status}")


def jpeg(rng):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (rng.randint(320, 640), rng.randint(240, 480)),
                      (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        draw.rectangle([rng.randrange(300), rng.randrange(200), rng.randrange(300, 640), rng.randrange(200, 480)],
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def multipart(filename, content):
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def secretary(person, assessment_pk, items):
    run = person.run
    rng = person.rng
    checklist = f"/assessments/{assessment_pk}/self/"
    status, _ = person.call("self: checklist page", "GET", checklist)
    actions = 0
    while not run.stopping.is_set():
        person.think()
        if run.stopping.is_set():
            break
        actions += 1
        item_id = rng.choice(list(items))
        roll = rng.random()
        if roll < 0.05:
            person.call("self: checklist page", "GET", checklist)
        elif roll < 0.17:
            content = jpeg(rng)
            body, content_type = multipart(f"佐证材料{actions}.jpg", content)
            key = (assessment_pk, item_id)
            run.uploads_tried[key] += 1
            status, data = person.call("self: upload evidence", "POST",
                                       f"/assessments/{assessment_pk}/items/{item_id}/evidence/", body,
                                       {"Content-Type": content_type, "X-Requested-With": "fetch",
                                        "Accept": "application/json"}, retry=False)
            if status == 200 and json.loads(data).get("ok"):
                run.uploads_ok[key] += 1
        else:
            points = items[item_id]
            value = Decimal(rng.randrange(0, int(points * 2) + 1)) / 2
            note = f"{rng.choice(NOTES)}（{person.user.username} 第{actions}次保存）"
            body = urllib.parse.urlencode({"score": str(value), "note": note})
            status, data = person.call("self: save item", "POST",
                                       f"/assessments/{assessment_pk}/self/items/{item_id}/", body,
                                       {"Content-Type": "application/x-www-form-urlencoded",
                                        "X-Requested-With": "XMLHttpRequest"})
            if status == 200 and json.loads(data).get("ok"):
                run.self_saved[(assessment_pk, item_id)] = (value, note)
            elif status is not None and status < 500:
                run.record_error("self: save item", f"{status} {data[:200].decode(errors='replace')}")


VERSION = re.compile(r'name="version-(\d+)" value="(\d+)"')


def assessor(person, assessment_pks, items):
    run = person.run
    rng = person.rng
    queue = list(assessment_pks)
    while not run.stopping.is_set():
        pk = queue[0]
        queue.append(queue.pop(0))
        status, data = person.call("onsite: scoring page", "GET", f"/assessments/{pk}/onsite/")
        if status != 200:
            person.think()
            continue
        versions = {int(i): int(v) for i, v in VERSION.findall(data.decode())}
        order = list(versions)
        rng.shuffle(order)
        for item_id in order[: rng.randint(6, 14)]:
            person.think()
            if run.stopping.is_set():
                return
            points = items[item_id]
            value = points if rng.random() < 0.7 else max(Decimal(0), points - Decimal("0.5") * rng.randint(1, 2))
            reason = "" if value == points else rng.choice(REASONS)
            rect = "1" if value < points and rng.random() < 0.5 else ""
            body = urllib.parse.urlencode({"score": str(value), "reason": reason, "needs_rectification": rect,
                                           "requirement": "限期补齐。" if rect else "", "version": versions[item_id]})
            status, data = person.call("onsite: save item", "POST", f"/assessments/{pk}/onsite/items/{item_id}/",
                                       body, {"Content-Type": "application/x-www-form-urlencoded",
                                              "X-Requested-With": "XMLHttpRequest"})
            answer = json.loads(data) if status in (200, 409) else {}
            if status == 200 and answer.get("ok"):
                versions[item_id] = answer["version"]
                run.onsite_saved[(pk, item_id)] = (value, reason)
            elif status == 409 and answer.get("conflict"):
                # Only after a 503 retried: the first try had committed. Mine, if the values are mine.
                current = answer.get("current") or {}
                versions[item_id] = current.get("version", versions[item_id])
                if current.get("score") not in (None, "") and Decimal(current["score"]) == value \
                        and current.get("reason") == reason:
                    run.onsite_saved[(pk, item_id)] = (value, reason)
                    run.conflicts_after_retry += 1
                else:
                    run.record_error("onsite: save item", f"409 {answer.get('error')}")
            elif status is not None and status < 500:
                run.record_error("onsite: save item", f"{status} {data[:200].decode(errors='replace')}")


def admin(person, round_pk):
    run = person.run
    rng = person.rng
    while not run.stopping.is_set():
        person.call("admin: ranking", "GET", f"/rounds/{round_pk}/results/")
        person.think()
        if run.stopping.is_set():
            break
        if rng.random() < 0.35:
            person.call("admin: summary xlsx", "GET", f"/rounds/{round_pk}/export/summary.xlsx")
            person.think()


class Run:
    def __init__(self, host, port, think_min, think_max):
        self.host, self.port = host, port
        self.think_min, self.think_max = think_min, think_max
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.samples = []  # (t, kind, seconds, status)
        self.errors = defaultdict(list)
        self.self_saved, self.onsite_saved = {}, {}
        self.uploads_ok, self.uploads_tried = defaultdict(int), defaultdict(int)
        self.conflicts_after_retry = 0
        self.logic_errors = 0
        self.t0 = None

    def record(self, kind, seconds, status, error=None):
        with self.lock:
            self.samples.append((time.monotonic() - self.t0, kind, seconds, status))
            if status is None or status >= 500:
                self.errors[kind].append(f"{status}: {error}")

    def record_error(self, kind, text):
        """A wrong answer that is not a 5xx (a refusal, a conflict, a bug in the client)."""
        with self.lock:
            self.errors[kind].append(text)
            self.logic_errors += 1


# --- Checking what was written --------------------------------------------------------------


def verify(run):
    from django.db import close_old_connections

    from assessment.models import Evidence, Score

    close_old_connections()
    lost = []
    keys = list(run.self_saved) + list(run.onsite_saved)
    rows = {}
    assessments = {a for a, _ in keys}
    for row in Score.objects.filter(assessment_id__in=assessments).values_list(
            "assessment_id", "item_id", "self_score", "self_note", "onsite_score", "deduction_reason"):
        rows[(row[0], row[1])] = row[2:]
    for key, (value, note) in run.self_saved.items():
        got = rows.get(key)
        if got is None or got[0] != value or got[1] != note:
            lost.append(f"self {key}: wrote {value} {note!r}, database has {got[:2] if got else None}")
    for key, (value, reason) in run.onsite_saved.items():
        got = rows.get(key)
        if got is None or got[2] != value or got[3] != reason:
            lost.append(f"onsite {key}: wrote {value} {reason!r}, database has {got[2:] if got else None}")
    counts = defaultdict(int)
    missing_files = []
    for e in Evidence.objects.filter(assessment_id__in={a for a, _ in run.uploads_tried}):
        counts[(e.assessment_id, e.item_id)] += 1
        for name in (e.file.name, e.thumbnail.name):
            if name and not (MEDIA / name).is_file():
                missing_files.append(name)
    uploads_lost = [f"evidence {key}: {run.uploads_ok[key]} acknowledged, {counts[key]} in the database"
                    for key in run.uploads_tried if not run.uploads_ok[key] <= counts[key] <= run.uploads_tried[key]]
    subtotals_off = _subtotals_off(assessments)
    stored = sum(1 for p in MEDIA.rglob("*") if p.is_file())
    referenced = sum(1 for e in Evidence.objects.filter(assessment_id__in={a for a, _ in run.uploads_tried})
                     for n in (e.file.name, e.thumbnail.name) if n)
    return {
        "self_values_checked": len(run.self_saved), "onsite_values_checked": len(run.onsite_saved),
        "uploads_acknowledged": sum(run.uploads_ok.values()), "evidence_rows": sum(counts.values()),
        "files_in_media": stored, "files_referenced": referenced,
        "lost": lost + uploads_lost + subtotals_off, "missing_files": missing_files,
        "orphan_files": max(0, stored - referenced), "subtotals_checked": len(assessments),
    }


def _subtotals_off(assessments):
    """The written branches whose kept subtotals (the triggers') differ from their scores' sums."""
    from assessment import subtotals

    kept = subtotals.kept(assessments)
    return [f"subtotal {key}: kept {kept.get(key)}, the scores sum to {value}"
            for key, value in subtotals.summed(assessments).items() if kept.get(key) != value]


# --- Reporting ----------------------------------------------------------------------------


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, -(-p * len(ordered) // 100) - 1))]


def summarise(samples, seconds):
    kinds = defaultdict(list)
    for _, kind, latency, status in samples:
        if kind != "login":
            kinds[kind].append((latency, status))
    table = {}
    for kind, rows in sorted(kinds.items()):
        latencies = [l * 1000 for l, s in rows if s is not None]
        table[kind] = {
            "requests": len(rows), "per_s": len(rows) / seconds,
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
            "p99_ms": percentile(latencies, 99), "max_ms": max(latencies) if latencies else None,
            "status": dict(sorted(defaultdict(int, {str(s): sum(1 for _, x in rows if x == s)
                                                    for s in {x for _, x in rows}}).items())),
        }
    every = [l * 1000 for _, kind, l, s in samples if kind != "login" and s is not None]
    table["all"] = {"requests": len(every), "per_s": len(every) / seconds, "p50_ms": percentile(every, 50),
                    "p95_ms": percentile(every, 95), "p99_ms": percentile(every, 99),
                    "max_ms": max(every) if every else None}
    return table


def fmt(value):
    return "—" if value is None else f"{value:.0f}"


def restart_postgres(run, at, report):
    if run.stopping.wait(at):
        return
    report["restart_started_s"] = round(time.monotonic() - run.t0, 2)
    print(f"\n[{report['restart_started_s']:.1f} s] restarting PostgreSQL: pg_ctlcluster --skip-systemctl-redirect "
          "15 main restart", flush=True)
    result = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"],
                            capture_output=True, text=True)
    report["restart_done_s"] = round(time.monotonic() - run.t0, 2)
    report["restart_returncode"] = result.returncode
    report["restart_output"] = (result.stdout + result.stderr).strip()
    print(f"[{report['restart_done_s']:.1f} s] restart finished (exit {result.returncode}) "
          f"{report['restart_output']}", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="per worker (gthread when > 1)")
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=6.0)
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--onsite-branches", type=int, default=100)
    parser.add_argument("--assessors", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--restart-db", action="store_true",
                        help="restart PostgreSQL (cluster 15/main) half-way: by hand only")
    parser.add_argument("--out", default=str(OUT / "load.json"))
    args = parser.parse_args(argv)

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith("postgres"):
        raise SystemExit("bench/load.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    OUT.mkdir(parents=True, exist_ok=True)
    ensure_database(url, fresh=args.fresh)
    setup_django(url)
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)
    from assessment.models import Assessment, Role, User

    data = seed(args.branches, args.onsite_branches, args.assessors)
    self_round, onsite_round = data["self_round"], data["onsite_round"]
    clear_evidence([self_round, onsite_round])
    print(f"database: {url} · {'reused' if data['reused'] else 'seeded'} in {data['seconds']:.1f} s · "
          f"{args.branches} branches × {len(data['items'])} items")

    admins = list(User.objects.filter(role=Role.ADMIN, username__startswith="load_admin_").order_by("username"))
    assessors = list(User.objects.filter(role=Role.ASSESSOR, township=onsite_round.township)
                     .order_by("username"))[: max(1, min(args.assessors, args.users // 10))]
    n_secretaries = args.users - len(admins) - len(assessors)
    rng = random.Random(7)
    self_assessments = dict(Assessment.objects.filter(round=self_round).values_list("branch_id", "pk"))
    secretaries = rng.sample(list(User.objects.filter(role=Role.SECRETARY, branch_id__in=self_assessments)),
                             n_secretaries)
    sessions = make_sessions(secretaries)
    onsite_pks = list(Assessment.objects.filter(round=onsite_round).order_by("pk").values_list("pk", flat=True))
    print(f"users: {len(secretaries)} secretaries, {len(assessors)} assessors, {len(admins)} admins · "
          f"think {args.think_min:g}–{args.think_max:g} s · {args.seconds:g} s")

    report = {"when": datetime.datetime.now().isoformat(timespec="seconds"), "database": url,
              "command": " ".join(["bench/load.py", *(sys.argv[1:] if argv is None else argv)]),
              "users": args.users, "seconds": args.seconds, "workers": args.workers, "threads": args.threads,
              "think_s": [args.think_min, args.think_max], "branches": args.branches,
              "onsite_branches": args.onsite_branches, "restart_db": args.restart_db}
    with Gunicorn(args.workers, args.threads, url) as server:
        run = Run(server.host, server.port, args.think_min, args.think_max)
        run.t0 = time.monotonic()
        people = []
        for user in admins + assessors:
            person = Person(run, user)
            person.login()
            people.append(person)
        for user in secretaries:
            people.append(Person(run, user, sessions[user.pk]))
        pids_before = server.pids()
        threads = []
        share = {a.pk: onsite_pks[i::len(assessors)] for i, a in enumerate(assessors)}
        round_of = {a.pk: (self_round.pk if a.township_id == self_round.township_id else onsite_round.pk)
                    for a in admins}
        for person in people:
            user = person.user
            if user.role == Role.ADMIN:
                target, params = admin, (round_of[user.pk],)
            elif user.role == Role.ASSESSOR:
                target, params = assessor, (share[user.pk], data["items"])
            else:
                target, params = secretary, (self_assessments[user.branch_id], data["items"])

            def start(person=person, target=target, params=params):
                person.run.stopping.wait(person.rng.uniform(0, args.think_max))  # people arrive over a while
                try:
                    target(person, *params)
                except Exception as error:  # a bug in the client, not the server: say so loudly
                    run.record_error("client", f"{person.user.username}: {type(error).__name__}: {error}")

            threads.append(threading.Thread(target=start, daemon=True))
        run.samples.clear()
        run.errors.clear()
        run.logic_errors = 0
        run.t0 = time.monotonic()
        for thread in threads:
            thread.start()
        restarter = None
        if args.restart_db:
            restarter = threading.Thread(target=restart_postgres, args=(run, args.seconds / 2, report))
            restarter.start()
        time.sleep(args.seconds)
        run.stopping.set()
        for thread in threads:
            thread.join(timeout=90)
        if restarter:
            restarter.join()
        elapsed = time.monotonic() - run.t0
        pids_after = server.pids()
        report["gunicorn_pids_before"], report["gunicorn_pids_after"] = pids_before, pids_after
        alive = server.process.poll() is None

    table = summarise(run.samples, elapsed)
    checked = verify(run)
    errors = {k: v for k, v in run.errors.items()}
    count_503 = sum(1 for _, kind, _, s in run.samples if s == 503)
    other_errors = sum(1 for _, kind, _, s in run.samples if s is None or (s >= 500 and s != 503)) + run.logic_errors
    error_count = sum(len(v) for v in errors.values())

    print()
    print(f"{'kind of request':<24} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7}  statuses")
    for kind, row in table.items():
        print(f"{kind:<24} {row['requests']:>8} {row['per_s']:>7.1f} {fmt(row['p50_ms']):>7} {fmt(row['p95_ms']):>7} "
              f"{fmt(row['p99_ms']):>7} {fmt(row['max_ms']):>7}  {row.get('status', '')}")
    print(f"\nerrors: {error_count}" + (f" (503 系统繁忙: {count_503})" if count_503 else ""))
    for kind, items in errors.items():
        for text in items[:5]:
            print(f"  {kind}: {text}")
        if len(items) > 5:
            print(f"  {kind}: … {len(items) - 5} more")
    print(f"written and checked: {checked['self_values_checked']} self-scored items, "
          f"{checked['onsite_values_checked']} on-site items, {checked['uploads_acknowledged']} uploads "
          f"({checked['evidence_rows']} evidence rows, {checked['files_in_media']} files, "
          f"{checked['orphan_files']} orphan files, {len(checked['missing_files'])} missing); "
          f"the subtotals of {checked['subtotals_checked']} branches compared with their scores")
    for line in checked["lost"][:20]:
        print(f"  LOST {line}")

    p95 = table["all"]["p95_ms"] or 0
    nothing_lost = not checked["lost"] and not checked["missing_files"]
    if args.restart_db:
        restart_end = report.get("restart_done_s", elapsed)
        after = [s for t, kind, _, s in run.samples if t > restart_end + 2 and kind != "login"]
        recovered = bool(after) and all(s is not None and s < 500 for s in after)
        same_processes = alive and pids_before == pids_after
        ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432"], capture_output=True, text=True)
        report.update({
            "responses_503": count_503, "other_errors": other_errors,
            "requests_after_restart": len(after),
            "errors_after_restart": sum(1 for s in after if s is None or s >= 500),
            "recovered": recovered, "same_gunicorn_processes": same_processes,
            "pg_isready": ready.stdout.strip(),
        })
        print(f"\nrestart: {count_503} requests answered 503 系统繁忙，请稍后重试; {other_errors} other errors; "
              f"{len(after)} requests from 2 s after the restart, {report['errors_after_restart']} of them failed; "
              f"gunicorn processes {'unchanged' if same_processes else 'CHANGED'} {pids_before}; "
              f"pg_isready: {ready.stdout.strip()}")
        passed = other_errors == 0 and recovered and same_processes and nothing_lost and ready.returncode == 0
        bar = "no errors but the 503s, recovered without restarting gunicorn, no value lost"
    else:
        passed = error_count == 0 and p95 < P95_BAR_MS and nothing_lost and alive
        bar = f"no errors, p95 < {P95_BAR_MS} ms, no value lost"
    verdict = "PASS" if passed else "FAIL"
    print(f"\n{verdict} — {bar}: {error_count} errors, overall p95 {p95:.0f} ms, "
          f"{table['all']['per_s']:.1f} req/s, {len(checked['lost'])} values lost")
    report.update({"elapsed_s": round(elapsed, 2), "kinds": table, "errors": error_count,
                   "error_samples": {k: v[:20] for k, v in errors.items()},
                   "check": {k: v if not isinstance(v, list) else v[:50] for k, v in checked.items()},
                   "result": verdict, "bar": bar})
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"written: {os.path.relpath(args.out, ROOT)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
