"""Login attempts are throttled per user and address (django-axes, kept in the database)."""

from django.urls import reverse

from tests.conftest import PASSWORD


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_that_user_from_that_address(client, cast, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "carol", "wrong").status_code == 200
    response = attempt(client, "carol", "wrong")
    assert response.status_code == 429
    assert "登录已暂停" in response.content.decode() and "15 分钟" in response.content.decode()
    # Even the right password is refused now, from that address…
    assert attempt(client, "carol", PASSWORD).status_code == 429
    # …but not from another address, and not for another user.
    assert attempt(client, "carol", PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    assert attempt(client, "dave", PASSWORD).status_code == 302


def test_a_success_resets_the_count(client, cast, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "carol", "wrong")
    assert attempt(client, "carol", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "carol", "wrong").status_code == 200


def test_behind_a_proxy_the_forwarded_address_counts(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "carol", "password": "wrong"},
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client.post(reverse("login"), {"username": "carol", "password": PASSWORD},
                       REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302
