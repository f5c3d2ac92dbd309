"""python3 dev.py run: the demo only into an empty database (seed_demo decides), --reset-demo
to load it again, and this installation's own SECRET_KEY rather than the public laptop key."""

import os
import stat

import pytest

import dev


@pytest.fixture
def started(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(dev, "install", lambda requirements: None)
    monkeypatch.setattr(dev, "manage", lambda *args: calls.append(args))
    monkeypatch.setattr(dev.os, "execv", lambda path, args: calls.append(("execv", *args[1:])))
    monkeypatch.setattr(dev, "SECRET_FILE", tmp_path / ".secret_key")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return calls


def test_run_loads_the_demo_only_through_seed_demo_and_serves(started):
    dev.run([])
    assert ("seed_demo",) in started
    assert started[-1] == ("execv", "manage.py", "runserver", "--noreload", "127.0.0.1:8000")


def test_reset_demo_asks_seed_demo_to_reload(started):
    dev.run(["--reset-demo", "0.0.0.0:8012"])
    assert ("seed_demo", "--reset") in started
    assert started[-1][-1] == "0.0.0.0:8012"


def test_run_serves_with_its_own_secret_key_kept_for_the_owner_only(started, monkeypatch):
    from django.conf import settings

    dev.run([])
    key = os.environ["SECRET_KEY"]
    assert len(key) >= 50 and key != settings.SECRET_KEY and "laptop" not in key
    assert stat.S_IMODE(dev.SECRET_FILE.stat().st_mode) == 0o600
    monkeypatch.delenv("SECRET_KEY")
    dev.run([])
    assert os.environ["SECRET_KEY"] == key  # the same key on every start: sessions stay valid
