"""Settings for the benchmark server: the project's settings, plus the floor page.

    DJANGO_SETTINGS_MODULE=bench.settings gunicorn huayu.wsgi

The database comes from DATABASE_URL as usual (bench/checklist.py sets it).
"""

from huayu.settings import *  # noqa: F401,F403
from huayu.settings import BASE_DIR, STORAGES, TEMPLATES

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["*"]

# The floor's template lives beside the benchmark.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}, *TEMPLATES[1:]]

# No collectstatic needed: the benchmark fetches pages, not their static files.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# Pages in a browser (bench/upload.py) need their CSS and scripts: whitenoise finds them in
# the source folders, as it would in the collected ones.
WHITENOISE_USE_FINDERS = True
