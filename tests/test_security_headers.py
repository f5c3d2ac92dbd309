from django.urls import reverse


def test_every_page_carries_a_csp_without_inline_script(client, db):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_every_answer_says_how_long_the_server_took(client, cast):
    import re

    from tests.conftest import login

    login(client, cast.carol)
    for url, status in ((reverse("selfeval-checklist", args=[cast.assessment.pk]), 200),
                        (reverse("selfeval-checklist", args=[cast.other_assessment.pk]), 404),
                        (reverse("login"), 302)):
        response = client.get(url)
        assert response.status_code == status
        assert re.fullmatch(r"app;dur=\d+\.\d", response["Server-Timing"]), response["Server-Timing"]


def test_no_server_timing_unless_switched_on(client, cast, settings):
    """Production leaves SERVER_TIMING off: a server does not tell strangers its timings."""
    settings.SERVER_TIMING = False
    for url in (reverse("login"), reverse("selfeval-checklist", args=[cast.assessment.pk])):
        assert "Server-Timing" not in client.get(url)


def test_production_settings_leave_server_timing_off():
    import os
    import subprocess
    import sys

    env = {**os.environ, "HUAYU_PRODUCTION": "1", "SECRET_KEY": "k" * 50, "AUDIT_KEY": "a" * 40, "ALLOWED_HOSTS": "example.org"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SERVER_TIMING)"
    for extra, expected in (({}, "False"), ({"SERVER_TIMING": "1"}, "True")):
        out = subprocess.run([sys.executable, "-c", code], env={**env, **extra, "DJANGO_SETTINGS_MODULE": "huayu.settings"},
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


def test_static_files_carry_the_security_headers(client, db, settings):
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/huayu/site.css")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in response


def test_gunicorn_does_not_name_itself(tmp_path):
    """Started as the systemd unit starts it (gunicorn.conf.py in the working directory), with
    production settings: no `Server: gunicorn`, no Server-Timing."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.test_scale_out import ROOT, free_port

    port = free_port()
    env = {**os.environ, "HUAYU_PRODUCTION": "1", "SECRET_KEY": "k" * 50, "AUDIT_KEY": "a" * 40, "ALLOWED_HOSTS": "127.0.0.1",
           "SECURE_SSL_REDIRECT": "0", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "DJANGO_SETTINGS_MODULE": "huayu.settings"}
    env.pop("SERVER_TIMING", None)
    env.pop("GUNICORN_SERVER_HEADER", None)
    log = open(tmp_path / "gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "huayu.wsgi"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as response:
                    headers = response.headers
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()[-3000:]
                time.sleep(0.2)
        assert "gunicorn" not in (headers.get("Server") or "").lower()
        assert headers.get("Server-Timing") is None
        assert headers.get("Content-Security-Policy")
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
