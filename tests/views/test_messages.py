"""The in-app inbox (/messages/) and the unread badge in the navbar."""

import re

from django.urls import reverse

from assessment.models import Message


def badge(html):
    match = re.search(r'id="unread-badge">(\d+)', html)
    return int(match.group(1)) if match else 0


def test_inbox_shows_own_messages_and_marks_them_read(client, cast):
    Message.objects.create(user=cast.carol, text="请尽快完成自评", link="/assessments/1/self/")
    Message.objects.create(user=cast.carol, text="第二条提醒")
    Message.objects.create(user=cast.dave, text="给西段村的消息")
    client.force_login(cast.carol)
    assert badge(client.get(reverse("home")).content.decode()) == 2

    response = client.get(reverse("message-list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "请尽快完成自评" in html and "第二条提醒" in html
    assert "给西段村的消息" not in html
    assert html.count(">新<") == 2  # shown as new this once
    assert 'href="/assessments/1/self/"' in html
    assert not Message.objects.filter(user=cast.carol, read_at__isnull=True).exists()
    assert Message.objects.filter(user=cast.dave, read_at__isnull=True).count() == 1
    assert badge(html) == 0  # the page that marks them read shows no badge

    assert badge(client.get(reverse("home")).content.decode()) == 0
    assert ">新<" not in client.get(reverse("message-list")).content.decode()


def test_empty_inbox(client, cast):
    client.force_login(cast.alice)
    assert "暂无消息" in client.get(reverse("message-list")).content.decode()


def test_inbox_needs_login(client, cast):
    response = client.get(reverse("message-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_badge_costs_one_query(client, cast, django_assert_num_queries):
    client.force_login(cast.dave)
    for n in range(3):
        Message.objects.create(user=cast.dave, text=f"提醒{n}")
    # session, user, paginator count, inbox page, mark read, badge
    with django_assert_num_queries(6):
        client.get(reverse("message-list"))
    Message.objects.create(user=cast.dave, text="又一条")
    # session, user, paginator count, inbox page, mark read, badge
    with django_assert_num_queries(6):
        html = client.get(reverse("message-list")).content.decode()
    assert "又一条" in html


def test_no_query_for_anonymous_visitors(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = client.get(reverse("login")).content.decode()
    assert "unread-badge" not in html
