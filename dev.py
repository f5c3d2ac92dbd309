#!/usr/bin/env python3
"""Set-up in one command, on a fresh machine with Python 3.11+.

    python3 dev.py run    # install, create the SQLite database, load the standard
                          # and the demo data (into an empty database only), then serve
                          # the app and print the logins
    python3 dev.py run --reset-demo   # load the demo data again into a database in use
    python3 dev.py test   # install, then run the whole test suite (extra args go to pytest)

Both make a virtual environment in .venv and install requirements into it.
Set DATABASE_URL to run either against PostgreSQL instead of SQLite.
"""

import os
import secrets
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
SECRET_FILE = ROOT / ".secret_key"  # this installation's own SECRET_KEY, readable by its owner only
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def sh(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, **kwargs)


def install(requirements):
    if sys.version_info < (3, 11):
        sys.exit("需要 Python 3.11 或更高版本 (Python 3.11+ is required)")
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    stamp = VENV / f".installed-{requirements}"
    wanted = "".join((ROOT / name).read_text() for name in ("requirements.txt", requirements))
    if not stamp.exists() or stamp.read_text() != wanted:
        sh(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", ROOT / requirements)
        stamp.write_text(wanted)


def manage(*args):
    sh(PYTHON, "manage.py", *args)


def secret_key():
    """SECRET_KEY from the environment, else this installation's own, made once into SECRET_FILE
    (never the public laptop key: sessions and password resets signed with it could be forged)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if not SECRET_FILE.exists():
        descriptor = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(50))
    return SECRET_FILE.read_text().strip()


def run(argv):
    reset = "--reset-demo" in argv
    argv = [arg for arg in argv if arg != "--reset-demo"]
    install("requirements.txt")
    os.environ["SECRET_KEY"] = secret_key()
    address = argv[0] if argv else os.environ.get("HUAYU_ADDRESS", "127.0.0.1:8000")
    manage("migrate", "--noinput", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    manage("seed_demo", *(["--reset"] if reset else []))  # an empty database only, unless --reset-demo
    print(f"\n化峪考核系统已启动：http://{address}/  （后台管理：http://{address}/admin/）", flush=True)
    print("按 Ctrl+C 停止。\n", flush=True)
    os.execv(str(PYTHON), [str(PYTHON), "manage.py", "runserver", "--noreload", address])


def test(argv):
    install("requirements-test.txt")
    result = subprocess.run([str(PYTHON), "-m", "pytest", *argv], cwd=ROOT)
    sys.exit(result.returncode)


if __name__ == "__main__":
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])
