import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_chinese_and_serves_bootstrap_locally(client, db):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "请使用您的账号登录" in html
    assert "/static/css/bootstrap.min.css" in html
    assert "//cdn" not in html and "https://" not in html


def test_wrong_password_gets_a_chinese_message(client, cast):
    response = client.post(reverse("login"), {"username": "carol", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_lands_on_home(client, cast):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "化峪镇" in response.content.decode()


def test_admin_home_shows_township_branches_and_rounds(client, cast):
    client.force_login(cast.alice)
    html = client.get(reverse("home")).content.decode()
    assert "化峪村" in html and "西段村" in html
    assert "外镇村" not in html  # another township's branch
    assert "2026年度规范化建设考核验收" in html
    assert "外镇2026年度考核" not in html
    assert "carol" in html  # the secretary of 化峪村


def test_secretary_home_shows_only_their_branch(client, cast):
    client.force_login(cast.carol)
    html = client.get(reverse("home")).content.decode()
    assert "化峪村" in html
    assert "西段村" not in html
    assert "未开始" in html  # their assessment's status


def test_stranger_sees_nothing_of_another_township(client, cast):
    client.force_login(cast.eve)
    html = client.get(reverse("home")).content.decode()
    assert "化峪村" not in html and "外镇村" in html


@pytest.mark.parametrize("who", ["alice", "carol", "root"])
def test_home_query_count_does_not_grow_with_branches(client, cast, who, django_assert_max_num_queries):
    from assessment.models import Branch

    client.force_login(getattr(cast, who))
    with django_assert_max_num_queries(9):  # with the navbar's unread badge
        client.get(reverse("home"))
    for n in range(30):
        Branch.objects.create(township=cast.township, name=f"新村{n}")
    with django_assert_max_num_queries(9):
        client.get(reverse("home"))
