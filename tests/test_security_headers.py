from django.urls import reverse


def test_every_page_carries_a_csp_without_inline_script(client, db):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_every_answer_says_how_long_the_server_took(client, cast):
    import re

    from tests.conftest import login

    login(client, cast.carol)
    for url, status in ((reverse("selfeval-checklist", args=[cast.assessment.pk]), 200),
                        (reverse("selfeval-checklist", args=[cast.other_assessment.pk]), 404),
                        (reverse("login"), 302)):
        response = client.get(url)
        assert response.status_code == status
        assert re.fullmatch(r"app;dur=\d+\.\d", response["Server-Timing"]), response["Server-Timing"]
