"""Settings for the benchmark server: the project's settings, plus the floor page.

    DJANGO_SETTINGS_MODULE=bench.settings gunicorn huayu.wsgi

The database comes from DATABASE_URL as usual (bench/checklist.py sets it).
"""

from huayu.settings import *  # noqa: F401,F403
from huayu.settings import BASE_DIR, STORAGES, TEMPLATES

ROOT_URLCONF = "bench.urls"
SERVER_TIMING = True  # bench/county.py reads the server's own time from the Server-Timing header
ALLOWED_HOSTS = ["*"]

# The floor's template lives beside the benchmark.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}, *TEMPLATES[1:]]

# No collectstatic needed: the benchmark fetches pages, not their static files.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
