"""Small security helpers the settings point at."""

from django.conf import settings


def client_ip(request):
    """The client's address for login throttling. Behind TRUSTED_PROXY_COUNT proxies (nginx),
    the address the nearest trusted proxy saw, from X-Forwarded-For; else REMOTE_ADDR."""
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout(request, original_response=None, credentials=None):
    """The page a throttled login gets (429), in Chinese, with the waiting time."""
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked.html",
                  {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}, status=429)
