"""Settings for huayu, all read from the environment.

Safe defaults for a laptop: SQLite beside the code, DEBUG off unless asked.
Production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS and HUAYU_PRODUCTION=1.
A bad value fails loudly at start-up rather than running half-configured.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from assessment.middleware import static_headers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}")


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


DEBUG = env_bool("DEBUG")
PRODUCTION = env_bool("HUAYU_PRODUCTION")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "laptop-only-not-secret-" + "x" * 40

# The key of the audit chain's HMAC (assessment/audit.py): kept outside the database, so that
# whoever can write the database cannot recompute the hashes. Rotated with
# `manage.py rotate_audit_key` (README, production).
AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
if not AUDIT_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("AUDIT_KEY must be set in production")
    AUDIT_KEY = "laptop-only-audit-key-" + "x" * 40
elif PRODUCTION and (len(AUDIT_KEY) < 32 or AUDIT_KEY == SECRET_KEY):
    raise ImproperlyConfigured("AUDIT_KEY must be at least 32 characters and differ from SECRET_KEY")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_include_bootstrap",
    "assessment.axes_app.AxesConfig",  # django-axes, named in Chinese
    "assessment",
]

MIDDLEWARE = [
    "assessment.middleware.server_timing",  # Server-Timing: the server's own time (with SERVER_TIMING)
    "assessment.faults.database_unavailable",  # database away: 503 系统繁忙，请稍后重试
    "assessment.middleware.PageGZipMiddleware",  # pages and JSON gzipped (BREACH-safe), files as they are
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "assessment.views.errors.refuse_nul",  # a NUL character in any field: 400, before any view
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "assessment.middleware.password_change_required",  # a one-time password: set your own first
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "assessment.middleware.security_headers",
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes keeps the failed attempts in the database, so every app
# server sees them): after AXES_FAILURE_LIMIT wrong passwords for one user from one
# address, that pair waits AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Django's hashers, and a light one that only one-time passwords use (assessment.hashers).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "assessment.hashers.OneTimePasswordHasher",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "assessment.security.lockout"
AXES_CLIENT_IP_CALLABLE = "assessment.security.client_ip"
AXES_VERBOSE = False
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)  # 1 behind one nginx
# X-Forwarded-For is believed only from these addresses (the nginx in front; networks allowed).
try:
    TRUSTED_PROXIES = [ipaddress.ip_network(part, strict=False)
                       for part in env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"])]
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES must be addresses or networks: {error}")

# Server-Timing: app;dur=… on every response (assessment/middleware.py): on for a laptop,
# off in production unless SERVER_TIMING=1 (bench/settings.py switches it on to measure).
SERVER_TIMING = env_bool("SERVER_TIMING", not PRODUCTION)

ROOT_URLCONF = "huayu.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "assessment.context_processors.navbar",
            ],
        },
    },
]

WSGI_APPLICATION = "huayu.wsgi.application"

# "pages": the rendered bodies of the checklist and the on-site page (assessment/pages.py), keyed by
# a version of the assessment that the database changes on every write (assessment/versions.py).
# Local to each process: a stale key is never asked for, so several app servers need no shared cache.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "huayu-default"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "huayu-pages",
        "TIMEOUT": env_int("PAGE_CACHE_SECONDS", 3600),
        "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 300)},  # ~140 KB each
    },
}

# SQLite beside the code unless DATABASE_URL names another database.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several people save at once: take the write lock when a transaction begins (so a
    # writer waits its turn instead of failing), and let readers go on while one writes (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "assessment.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

CSRF_FAILURE_VIEW = "assessment.views.errors.csrf_failure"  # 页面已过期, in Chinese

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
# One language: the interface's texts are written in Chinese and no other translation exists, so
# a browser set to English must not switch the dates and Django's own texts to English
# (it showed “Dec. 15, 2026” among Chinese text).
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
WHITENOISE_ADD_HEADERS_FUNCTION = static_headers  # CSP, nosniff, DENY framing on static files too
WHITENOISE_ALLOW_ALL_ORIGINS = False  # the pages are the only ones that use them
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: evidence goes through a permission-checked view

# Uploads: a directory (MEDIA_ROOT, shared by the app servers, e.g. over NFS), or an
# S3-compatible object store through django-storages (pip install -r requirements-s3.txt).
UPLOAD_STORAGE = os.environ.get("UPLOAD_STORAGE", "filesystem")
if UPLOAD_STORAGE == "filesystem":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif UPLOAD_STORAGE == "s3":
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY", ""),
            "secret_key": os.environ.get("S3_SECRET_KEY", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if not DEFAULT_STORAGE["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("UPLOAD_STORAGE=s3 needs S3_BUCKET")
else:
    raise ImproperlyConfigured(f"UPLOAD_STORAGE must be filesystem or s3, got {UPLOAD_STORAGE!r}")

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Upload limits (bytes). Evidence files, and standard workbooks in the admin.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
STANDARD_MAX_BYTES = env_int("STANDARD_MAX_BYTES", 5 * 1024 * 1024)
# At most this many files in one post (the evidence form's own limit): the 21st stops the upload
# while it is read, with the Chinese page or JSON of assessment/views/errors.py.
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("DATA_UPLOAD_MAX_NUMBER_FILES", 20)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Where a larger upload is streamed while it arrives (the system's temporary folder when unset);
# `manage.py clean_uploads` removes what a killed worker left there.
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "huayu@localhost")

# Django's database sessions: one query a request, and every app server sees a logout at once
# (a per-process cache of sessions would keep serving a session logged out on another server).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production")

LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "huayu.logs.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "stream": "ext://sys.stdout"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},  # not a line per successful login
}
