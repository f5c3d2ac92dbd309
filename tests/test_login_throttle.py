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


def test_a_forwarded_address_from_someone_who_reaches_gunicorn_directly_is_ignored(client, cast, settings):
    """TRUSTED_PROXY_COUNT=1, but the request comes from 10.0.0.66 on the LAN, not from the nginx
    (127.0.0.1): a new X-Forwarded-For on every try does not get it a new count."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "carol", "password": "wrong"},
                    REMOTE_ADDR="10.0.0.66", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = client.post(reverse("login"), {"username": "carol", "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.66", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert response.status_code == 429


def test_only_the_hop_the_trusted_proxy_wrote_counts(client, cast, settings):
    """The client may put anything on the left of X-Forwarded-For; nginx appends the address it
    saw on the right, and that one counts."""
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "carol", "password": "wrong"},
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9")
    assert client.post(reverse("login"), {"username": "carol", "password": PASSWORD}, REMOTE_ADDR="127.0.0.1",
                       HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.9").status_code == 429


def test_client_ip_walks_only_through_trusted_proxies(rf, settings):
    import ipaddress

    from assessment.security import client_ip

    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.1.0.0/16")]

    def ip(remote, forwarded):
        return client_ip(rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded))

    assert ip("127.0.0.1", "1.2.3.4, 203.0.113.5, 10.1.2.3") == "203.0.113.5"  # two proxies
    assert ip("127.0.0.1", "1.2.3.4, 203.0.113.5") == "203.0.113.5"  # 203.0.113.5 is no proxy: stop there
    assert ip("127.0.0.1", "not-an-address") == "127.0.0.1"
    assert ip("10.0.0.66", "203.0.113.5") == "10.0.0.66"  # not from a trusted proxy
