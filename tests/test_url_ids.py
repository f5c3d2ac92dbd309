"""Every URL of the app, not only the ones someone remembered: an id beyond bigint, or a year no
calendar holds, is 404 for every role (the county user too) — never a 500 (issue 11, finding 6).
New views join the walk by themselves."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

HUGE = "9" * 20
PARAMETER = re.compile(r"<(?:(\w+):)?\w+>")


def app_routes(patterns=None, prefix=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if not route.startswith("admin/"):
                yield from app_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and PARAMETER.search(route):
            yield route


ROUTES = sorted(set(app_routes()))


def test_the_walk_finds_the_app_urls():
    assert len(ROUTES) > 30
    assert "assessments/<id:pk>/self/" in ROUTES


@pytest.mark.parametrize("route", ROUTES)
def test_no_url_takes_a_plain_int(route):
    assert not any(kind == "int" for kind in PARAMETER.findall(route)), route


@pytest.mark.parametrize("route", ROUTES)
def test_a_huge_number_in_any_url_is_404(client, cast, route):
    path = "/" + PARAMETER.sub(HUGE, route)
    for user in (cast.alice, cast.carol, cast.xian):
        client.force_login(user)
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code in (403, 404, 405), path
