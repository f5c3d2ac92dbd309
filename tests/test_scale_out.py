"""Scale out: two app servers, one database, one shared MEDIA_ROOT — and it makes no difference
which server a request lands on.

Two gunicorn processes (one worker each, on two free ports) serve the test database that
pytest-django created. A secretary logs in on server A, saves every item and uploads a photo
on server B with the same session cookie, and submits on server A. The database then holds
every score, the evidence record and the submitted status, the file is in the shared folder,
and server A serves back byte for byte the photo that server B received.
"""

import http.cookiejar
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from PIL import Image

from assessment.models import Assessment, Evidence, Score, Status, User
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="scale-out needs a database two server processes share over the network: PostgreSQL "
           "(set DATABASE_URL=postgres://…); SQLite is one file for one machine's app server",
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url():
    """The test database pytest-django created, as a URL for the server processes."""
    db = connection.settings_dict
    user = urllib.parse.quote(db.get("USER") or "")
    password = urllib.parse.quote(db.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{urllib.parse.quote(db['NAME'])}"


class Gunicorn:
    """One gunicorn process (one worker) on a free port; stopped by stop()."""

    def __init__(self, name, env, log_dir):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"gunicorn-{name}.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "huayu.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--log-level", "warning", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn {self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/accounts/login/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise AssertionError(f"gunicorn {self.name} did not answer in {seconds} s")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """urllib with one cookie jar: the same session cookie goes to whichever server is asked
    (cookies are per host, not per port)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def request(self, url, data=None, headers=None, content_type=None):
        headers = dict(headers or {})
        if data is not None:
            headers.setdefault("X-CSRFToken", self.cookie("csrftoken") or "")
            headers.setdefault("Referer", url)
            if content_type:
                headers["Content-Type"] = content_type
            elif isinstance(data, dict):
                data = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx
            return error.code, dict(error.headers), error.read()

    def form_token(self, url):
        status, _, body = self.request(url)
        assert status == 200, (url, status)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def photo():
    buffer = io.BytesIO()
    Image.new("RGB", (480, 320), (180, 20, 30)).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def test_two_servers_one_database_one_journey(transactional_db, cast, settings, tmp_path):
    # The servers run the project's default hashers (the tests use MD5 for speed).
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(pk=cast.carol.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "huayu.settings",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(media),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DEBUG": "0",
        "HUAYU_PRODUCTION": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    servers = []
    try:
        servers = [Gunicorn("A", env, tmp_path), Gunicorn("B", env, tmp_path)]
        for server in servers:
            server.wait_ready()
        a, b = servers
        assert a.process.pid != b.process.pid and a.port != b.port
        browser = Browser()
        assessment = cast.assessment

        # Log in on A.
        token = browser.form_token(a.base + "/accounts/login/")
        status, headers, _ = browser.request(a.base + "/accounts/login/", {
            "username": "carol", "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"})
        assert status == 302 and "/accounts/login/" not in headers["Location"], (status, headers)
        assert browser.cookie("sessionid")

        # B knows the session: the checklist opens there.
        checklist = f"/assessments/{assessment.pk}/self/"
        status, _, body = browser.request(b.base + checklist)
        assert status == 200 and "化峪村" in body.decode()

        # Save every item on B (the autosave endpoint, as selfeval.js sends it).
        scores = list(Score.objects.filter(assessment=assessment).select_related("item").order_by("item__number"))
        expected = {}
        for i, score in enumerate(scores):
            value = score.points if i % 3 else score.points - Decimal("0.5")
            expected[score.item_id] = (value, f"第{score.item.number}项：已按要求开展，服务器B保存。")
            status, _, body = browser.request(
                b.base + f"/assessments/{assessment.pk}/self/items/{score.item_id}/",
                {"score": str(value), "note": expected[score.item_id][1]},
                headers={"X-Requested-With": "XMLHttpRequest"})
            answer = json.loads(body)
            assert status == 200 and answer["ok"], (status, answer)
        assert answer["progress"] == f"{len(scores)}/{len(scores)}"

        # Upload a photo on B (as evidence.js sends it).
        content = photo()
        item = scores[0].item
        data, content_type = multipart({}, {"file": ("会议照片.jpg", content, "image/jpeg")})
        status, _, body = browser.request(
            b.base + f"/assessments/{assessment.pk}/items/{item.pk}/evidence/", data, content_type=content_type,
            headers={"X-Requested-With": "fetch", "Accept": "application/json"})
        answer = json.loads(body)
        assert status == 200 and answer["ok"], (status, answer)

        # Submit on A.
        token = browser.form_token(a.base + f"/assessments/{assessment.pk}/self/submit/")
        status, headers, body = browser.request(a.base + f"/assessments/{assessment.pk}/self/submit/",
                                                {"csrfmiddlewaretoken": token})
        assert status == 302 and headers["Location"].endswith(checklist), (status, body[:500])

        # The database: what B saved and what A submitted, as one.
        saved = {s.item_id: (s.self_score, s.self_note) for s in Score.objects.filter(assessment=assessment)}
        assert saved == expected
        assessment = Assessment.objects.get(pk=assessment.pk)
        assert assessment.status == Status.SUBMITTED and assessment.submitted_at is not None
        evidence = Evidence.objects.get(assessment=assessment)
        assert (evidence.item_id, evidence.original_name, evidence.size) == (item.pk, "会议照片.jpg", len(content))
        stored = media / evidence.file.name
        assert stored.is_file() and stored.read_bytes() == content
        assert evidence.thumbnail and (media / evidence.thumbnail.name).is_file()

        # A serves the file B stored, byte for byte (and the secretary still may: submitted is read-only).
        status, headers, body = browser.request(a.base + f"/evidence/{evidence.pk}/")
        assert status == 200 and headers["Content-Type"] == "image/jpeg"
        assert body == content
        status, _, body = browser.request(b.base + checklist)
        assert status == 200 and "已提交" in body.decode()

        for server in servers:
            assert server.process.poll() is None, f"gunicorn {server.name} died: {server.log_path.read_text()}"
            log = server.log_path.read_text()
            assert "Traceback" not in log, log
    finally:
        for server in servers:
            server.stop()
