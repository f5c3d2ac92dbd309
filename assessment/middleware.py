"""Headers every response carries: security headers, and the time the server took."""

import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import redirect
from django.urls import reverse

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",  # no inline script anywhere: every script is a file the app serves
    "style-src 'self' 'unsafe-inline'",  # the server-drawn SVG charts carry their own <style>
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def static_headers(headers, path, url):
    """settings.WHITENOISE_ADD_HEADERS_FUNCTION: the static files (served by whitenoise before
    the middleware below it runs) carry the pages' security headers too."""
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"


def security_headers(get_response):
    def middleware(request):
        response = get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Referrer-Policy", "same-origin")
        return response

    return middleware


def server_timing(get_response):
    """`Server-Timing: app;dur=…` on every response: the milliseconds from the first middleware
    to the last, as browsers' developer tools and bench/county.py read them. Outermost.
    Only with settings.SERVER_TIMING (on for a laptop, off in production unless switched on):
    a production server does not tell strangers its timings."""
    if not settings.SERVER_TIMING:
        raise MiddlewareNotUsed

    def middleware(request):
        started = time.perf_counter()
        response = get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    return middleware


class PageGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, BREACH mitigation included (random bytes in each gzip header), for
    the pages and JSON the app writes: a checklist's 116 KB of HTML goes as about 10 KB, two
    seconds less on a village's 3G. Files (photos, PDF, Excel, static files) are streamed as they
    are: they are compressed already or served compressed by whitenoise."""

    def process_response(self, request, response):
        if response.streaming or not response.get("Content-Type", "").startswith(("text/", "application/json")):
            return response
        return super().process_response(request, response)


def password_change_required(get_response):
    """A person who logged in with a one-time password sees only the password change page (and
    may log out) until they have set their own: every other page sends them there."""

    def middleware(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = {reverse("password_change"), reverse("password_change_done"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                return redirect("password_change")
        return get_response(request)

    return middleware
