"""Nothing left behind (issue 11, finding 5): `manage.py clean_uploads` removes stored files
no record has owned for more than a day and the temporary files of uploads a killed worker
was reading. The second is shown the hard way: a server process is killed with SIGKILL in the
middle of a slow upload."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from assessment.models import Evidence
from assessment.services.evidence import evidence_add
from tests.test_scale_out import ROOT, database_url, free_port
from tests.test_uploads import pdf_bytes, png_bytes, upload

TWO_DAYS = 2 * 86400


def age(path, seconds):
    past = time.time() - seconds
    os.utime(path, (past, past))


def run(*args):
    out = StringIO()
    call_command("clean_uploads", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def stored(cast):
    """One real evidence (a photo with its thumbnail), an orphan from a killed worker two days
    old, a fresh orphan (an upload on its way to its commit) and a file outside the upload folders."""
    media = settings.MEDIA_ROOT
    evidence = evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload("合影.png", png_bytes()),
                            item=cast.standard.items.first())
    for name in (evidence.file.name, evidence.thumbnail.name):
        age(media / name, TWO_DAYS)
    orphan = media / "evidence/2026/11" / f"{uuid.uuid4().hex}.pdf"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(pdf_bytes() * 1000)
    age(orphan, TWO_DAYS)
    orphan_thumb = media / "thumbs/2026/11" / f"{uuid.uuid4().hex}.jpg"
    orphan_thumb.parent.mkdir(parents=True, exist_ok=True)
    orphan_thumb.write_bytes(b"\xff\xd8" + b"0" * 100)
    age(orphan_thumb, TWO_DAYS)
    fresh = media / "evidence/2026/12" / f"{uuid.uuid4().hex}.pdf"
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.write_bytes(pdf_bytes())
    other = media / "notes.txt"
    other.write_text("not an upload")
    age(other, TWO_DAYS)
    return evidence, orphan, orphan_thumb, fresh, other


def test_orphans_older_than_a_day_are_removed_and_nothing_else(stored):
    evidence, orphan, orphan_thumb, fresh, other = stored
    out = run()
    assert out.startswith("已删除 2 个无记录的上传文件、0 个残留的临时上传文件，共 ")
    assert not orphan.exists() and not orphan_thumb.exists()
    assert fresh.exists() and other.exists()
    evidence = Evidence.objects.get(pk=evidence.pk)
    assert evidence.file.storage.exists(evidence.file.name) and evidence.thumbnail.storage.exists(evidence.thumbnail.name)


def test_a_dry_run_lists_and_removes_nothing(stored):
    _evidence, orphan, orphan_thumb, fresh, _other = stored
    out = run("--dry-run")
    assert "将删除 2 个无记录的上传文件" in out and "（试运行，未删除任何文件）" in out
    assert orphan.relative_to(settings.MEDIA_ROOT).as_posix() in out
    assert orphan.exists() and orphan_thumb.exists()


def test_no_upload_folder_yet(db):
    assert run().startswith("已删除 0 个无记录的上传文件、0 个残留的临时上传文件")


def test_only_stale_temporary_uploads_of_django_are_removed(db, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    stale = tmp_path / "tmpab12cd34.upload.jpg"
    recent = tmp_path / "tmpzz99yy88.upload.pdf"
    other = tmp_path / "tmp-something-else.txt"
    for path in (stale, recent, other):
        path.write_bytes(b"x" * 10)
    age(stale, 7200)
    age(other, 7200)
    assert "1 个残留的临时上传文件" in run()
    assert not stale.exists() and recent.exists() and other.exists()


# --- a worker killed mid-upload ----------------------------------------------------------------


def _server_database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return database_url()


def test_a_worker_killed_while_reading_an_upload_leaves_a_temp_file_that_the_command_removes(
        transactional_db, cast, settings, tmp_path):
    temp_dir = tmp_path / "upload-tmp"
    temp_dir.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temp_dir)
    client = Client()
    client.force_login(cast.carol)  # a real session in the test database, which the server reads
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = "a" * 32  # an unmasked CSRF secret: cookie and header agree
    port = free_port()
    env = {**os.environ, "DATABASE_URL": _server_database_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "FILE_UPLOAD_TEMP_DIR": str(temp_dir), "DJANGO_SETTINGS_MODULE": "huayu.settings",
           "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=2)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.2)
        boundary = uuid.uuid4().hex
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"会议记录.pdf\"\r\n"
                "Content-Type: application/pdf\r\n\r\n").encode()
        total = len(head) + 8 * 1024 * 1024  # announced: an 8 MB file; sent: 3 MB, then nothing
        url = reverse("evidence-upload", args=[cast.assessment.pk, cast.standard.items.first().pk])
        sock.sendall((f"POST {url} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      f"Cookie: {settings.SESSION_COOKIE_NAME}={session}; csrftoken={token}\r\n"
                      f"X-CSRFToken: {token}\r\nReferer: http://127.0.0.1:{port}/\r\n"
                      f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                      f"Content-Length: {total}\r\n\r\n").encode() + head)
        sock.sendall(b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024))
        deadline = time.monotonic() + 30
        while not list(temp_dir.glob("tmp*.upload*")):
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.1)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        sock.close()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()

    left = list(temp_dir.glob("tmp*.upload*"))
    assert len(left) == 1 and left[0].stat().st_size > 0  # what the killed worker left behind
    assert not Evidence.objects.exists()
    assert "0 个残留的临时上传文件" in run()  # a running upload's file is left alone…
    age(left[0], 7200)
    assert "1 个残留的临时上传文件" in run()  # …one from two hours ago is not
    assert not left[0].exists()
