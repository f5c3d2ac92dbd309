"""Secretaries and assessors change their own password (Django's views, in Chinese), from a
link in the navbar of every page (issue 11, finding 8)."""

import pytest
from django.urls import reverse

from assessment.models import User
from tests.conftest import PASSWORD

NEW = "新密码-huayu-2027"


@pytest.mark.parametrize("who", ["carol", "bob"])
def test_a_user_changes_their_own_password(client, cast, who):
    user = getattr(cast, who)
    client.force_login(user)
    page = client.get(reverse("password_change"))
    html = page.content.decode()
    assert page.status_code == 200 and "修改密码" in html and "旧密码" in html and "新密码" in html
    response = client.post(reverse("password_change"),
                           {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert "密码已修改" in client.get(response["Location"]).content.decode()
    assert User.objects.get(pk=user.pk).check_password(NEW)
    assert client.get(reverse("home")).status_code == 200  # still signed in


def test_a_wrong_old_password_changes_nothing_and_says_so_in_chinese(client, cast):
    client.force_login(cast.carol)
    response = client.post(reverse("password_change"),
                           {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 200 and "旧密码不正确" in response.content.decode()
    assert User.objects.get(pk=cast.carol.pk).check_password(PASSWORD)


def test_the_navbar_links_to_it_on_every_page(client, cast):
    client.force_login(cast.carol)
    link = f'href="{reverse("password_change")}" id="password-change"'
    assert link in client.get(reverse("message-list")).content.decode()
    assert link in client.get(reverse("selfeval-checklist", args=[cast.assessment.pk])).content.decode()  # a kept body


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_changing_ones_own_password_is_audited(client, cast):
    from assessment.models import AuditLog

    client.force_login(cast.carol)
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "Qingfeng-2027-xy", "new_password2": "Qingfeng-2027-xy"})
    assert response.status_code == 302
    record = AuditLog.objects.filter(action="password_set_own").get()
    assert record.actor == cast.carol and "Qingfeng" not in (record.old_value + record.new_value + record.note)
