"""Small security helpers the settings point at."""

import ipaddress

from django.conf import settings


def _address(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted_proxy(address):
    return address is not None and any(address in network for network in settings.TRUSTED_PROXIES)


def client_ip(request):
    """The client's address for login throttling.

    X-Forwarded-For is believed only as far as it was written by trusted proxies: walking it from
    the right, one entry per proxy (TRUSTED_PROXY_COUNT at most), and only while the address the
    entry came from is one of TRUSTED_PROXIES (nginx: 127.0.0.1 by default). Anyone who reaches
    gunicorn directly is counted by their own address, whatever header they send."""
    remote = request.META.get("REMOTE_ADDR")
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    address = remote
    for _ in range(settings.TRUSTED_PROXY_COUNT):
        if not forwarded or not _is_trusted_proxy(_address(address)):
            break
        hop = forwarded.pop()
        if _address(hop) is None:
            break
        address = hop
    return address


def lockout(request, original_response=None, credentials=None):
    """The page a throttled login gets (429), in Chinese, with the waiting time."""
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked.html",
                  {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}, status=429)
