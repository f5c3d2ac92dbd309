"""Settings for the benchmark server: the project's settings, plus the floor page.

    DJANGO_SETTINGS_MODULE=bench.settings gunicorn huayu.wsgi

The database comes from DATABASE_URL as usual (bench/checklist.py sets it).
"""

import os
from pathlib import Path

from huayu.settings import *  # noqa: F401,F403
from huayu.settings import BASE_DIR, MIDDLEWARE, STORAGES, TEMPLATES

ROOT_URLCONF = "bench.urls"
SERVER_TIMING = True  # bench/county.py reads the server's own time from the Server-Timing header
ALLOWED_HOSTS = ["*"]

# The floor's template lives beside the benchmark.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}, *TEMPLATES[1:]]

if os.environ.get("BENCH_STATIC_ROOT"):
    # bench/network.py loads pages in a browser: static files as production serves them (hashed names,
    # cached for good, gzipped by whitenoise), collected into this folder first.
    STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
else:
    # No collectstatic needed: the benchmark fetches pages, not their static files.
    STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # Pages in a browser (bench/upload.py) still need their CSS and scripts: whitenoise finds
    # them in the source folders, as it would in the collected ones.
    WHITENOISE_USE_FINDERS = True

if os.environ.get("BENCH_NO_GZIP"):  # bench/network.py --no-gzip: the pages as they were sent before
    MIDDLEWARE = [m for m in MIDDLEWARE if m != "assessment.middleware.PageGZipMiddleware"]
