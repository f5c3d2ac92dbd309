"""Light pages (assessment.middleware.PageGZipMiddleware): the app gzips its pages and JSON itself,
with Django's BREACH mitigation, and logging in, the CSRF check and the session still work through
it; files go as they are."""

import gzip
import re

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.test_uploads import png_bytes
from tests.views.test_evidence_serve import add, body

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_the_checklist_is_gzipped_and_a_save_passes_the_csrf_check_with_its_token(cast):
    client = Client(enforce_csrf_checks=True)
    login = client.get(reverse("login"), **GZIP)
    assert login["Content-Encoding"] == "gzip" and "Accept-Encoding" in login["Vary"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', gzip.decompress(login.content)).group(1)
    response = client.post(reverse("login"), {"username": "carol", "password": PASSWORD,
                                              "csrfmiddlewaretoken": token.decode()}, **GZIP)
    assert response.status_code == 302 and "sessionid" in response.cookies

    page = client.get(reverse("selfeval-checklist", args=[cast.assessment.pk]), **GZIP)
    assert page.status_code == 200 and page["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.content)
    assert len(page.content) < len(html) / 3
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1).decode()
    item = cast.standard.items.order_by("number").first()
    save = client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]),
                       {"score": "1", "note": "", "version": "0", "edit": "g1"}, HTTP_X_CSRFTOKEN=token, **GZIP)
    assert save.status_code == 200
    # A reply of 200 bytes goes gzipped only when that, with Django's random padding, is shorter.
    body = gzip.decompress(save.content) if save.get("Content-Encoding") == "gzip" else save.content
    assert b'"ok": true' in body
    refused = client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]),
                          {"score": "2", "version": "1"}, **GZIP)
    assert refused.status_code == 403  # no token: still refused


def test_two_gzipped_copies_of_a_page_differ_in_length_breach(client, cast):
    """Django pads each gzip header with random bytes: the length does not betray the secret."""
    client.force_login(cast.carol)
    url = reverse("selfeval-checklist", args=[cast.assessment.pk])
    lengths = {len(client.get(url, **GZIP).content) for _ in range(6)}
    assert len(lengths) > 1


def test_without_accept_encoding_the_page_is_plain(client, cast):
    client.force_login(cast.carol)
    page = client.get(reverse("selfeval-checklist", args=[cast.assessment.pk]))
    assert not page.has_header("Content-Encoding") and b"<html" in page.content


def test_files_are_not_gzipped(client, cast):
    data = png_bytes()
    evidence = add(cast, "支部活动.png", data)
    client.force_login(cast.carol)
    response = client.get(reverse("evidence-file", args=[evidence.pk]), **GZIP)
    assert not response.has_header("Content-Encoding")
    assert body(response) == data
