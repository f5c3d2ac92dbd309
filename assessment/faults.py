"""When the database is away: a clean "try again" answer instead of a traceback.

PostgreSQL restarting, a dropped connection, a lock or a deadlock that gave up: Django raises
django.db.OperationalError or InterfaceError. Every one of them is worth trying again in a
moment (the service's transaction was rolled back whole; on the next request Django's
conn_health_checks open a fresh connection), so the person gets 503 with Retry-After:

- a page 系统繁忙，请稍后重试 (templates/503.html, rendered without the database: no
  context processors, no user, no messages);
- JSON {ok: false, error, retry: true} for the autosave and upload endpoints (the scripts send
  X-Requested-With, or Accept: application/json; the two per-item save URLs always answer JSON).

`database_unavailable` is the first entry of MIDDLEWARE. It turns an error of a view
(process_exception) into that answer; an error raised elsewhere (a middleware, e.g. the session
saved after the view) Django has already turned into a 500 by the time it comes back out: the
got_request_exception signal marks the request, and the 500 is replaced on its way out.
The outer position means the inner middleware's headers are not on the replaced answer,
so it sets the security headers itself.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.core.signals import got_request_exception
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from assessment.middleware import CSP

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER = 5  # seconds
MESSAGE = "系统繁忙，请稍后重试"
DETAIL = "数据库暂时无法连接，您刚才的操作没有完成，已填写的内容请稍后重新保存。"
JSON_URL_NAMES = {"selfeval-item-save", "onsite-item-save"}
MARK = "_huayu_database_error"


def wants_json(request):
    """Asked for by a script: as the views decide (evidence.js, selfeval.js, onsite.js)."""
    if request.headers.get("X-Requested-With") or "application/json" in request.headers.get("Accept", ""):
        return True
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name in JSON_URL_NAMES)


def unavailable_response(request):
    if wants_json(request):
        response = JsonResponse({"ok": False, "error": MESSAGE, "retry": True, "html": None}, status=503)
    else:
        html = render_to_string("503.html", {"message": MESSAGE, "detail": DETAIL, "retry_after": RETRY_AFTER})
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Frame-Options"] = "DENY"
    response["Referrer-Policy"] = "same-origin"
    return response


def _is_database_error(error):
    return isinstance(error, DATABASE_ERRORS)


def _mark(sender, request=None, **kwargs):
    """got_request_exception: called inside Django's `except`, so the error is the current one."""
    import sys

    error = sys.exc_info()[1]
    if request is not None and _is_database_error(error):
        setattr(request, MARK, error)


got_request_exception.connect(_mark, dispatch_uid="huayu-database-unavailable")


class database_unavailable:
    """Middleware: a database error becomes 503 "try again" (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, MARK, None)
        if error is not None and response.status_code == 500:
            logger.warning("database unavailable (%s: %s): 503 for %s %s", type(error).__name__,
                           str(error).strip()[:200], request.method, request.path)
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if not _is_database_error(exception):
            return None
        logger.warning("database unavailable (%s: %s): 503 for %s %s", type(exception).__name__,
                       str(exception).strip()[:200], request.method, request.path)
        return unavailable_response(request)
