import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    skip = ("DEBUG", "HUAYU_PRODUCTION", "SECRET_KEY", "AUDIT_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    full_env = {k: v for k, v in os.environ.items() if k not in skip}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True)


def test_check_deploy_is_clean_with_production_settings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        HUAYU_PRODUCTION="1", SECRET_KEY="k" * 20 + "-Zq8!vR2#pL0@xT7$mN4%bH6^" + "y" * 20,
        AUDIT_KEY="a" * 20 + "-Hw3!kP9#" + "b" * 20, ALLOWED_HOSTS="huayu.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_audit_key_fails_loudly():
    secret = "k" * 20 + "-Zq8!vR2#pL0@xT7$mN4%bH6^" + "y" * 20
    result = manage("check", HUAYU_PRODUCTION="1", SECRET_KEY=secret, ALLOWED_HOSTS="huayu.example.org")
    assert result.returncode != 0
    assert "AUDIT_KEY must be set" in result.stderr
    result = manage("check", HUAYU_PRODUCTION="1", SECRET_KEY=secret, AUDIT_KEY="short",
                    ALLOWED_HOSTS="huayu.example.org")
    assert result.returncode != 0 and "AUDIT_KEY must be at least 32 characters" in result.stderr


def test_production_without_secret_key_fails_loudly():
    result = manage("check", HUAYU_PRODUCTION="1", ALLOWED_HOSTS="huayu.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_bad_boolean_fails_loudly():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_defaults_are_chinese_and_shanghai(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_s3_uploads_need_a_bucket():
    result = manage("check", UPLOAD_STORAGE="s3")
    assert result.returncode != 0 and "S3_BUCKET" in result.stderr


def test_logs_are_json_lines_in_production():
    import json
    import logging

    from huayu.logs import JsonFormatter

    record = logging.makeLogRecord({"name": "huayu", "levelname": "WARNING", "msg": "保存失败 %s", "args": (3,),
                                    "user": "carol"})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "保存失败 3" and entry["level"] == "WARNING" and entry["user"] == "carol"
