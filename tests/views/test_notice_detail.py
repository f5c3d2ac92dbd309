"""The published notice: /rounds/<pk>/notice/ (in the app and printable)."""

from django.urls import reverse

from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)


def test_every_branch_of_the_township_sees_the_notice(client, published):  # noqa: F811
    for who in (published.carol, published.dave, published.bob, published.alice):
        client.force_login(who)
        response = client.get(reverse("notice-detail", args=[published.round.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "关于2026年度规范化建设考核验收情况的通报" in html and "换届材料不全" in html
        assert 'class="navbar' in html  # in the app, with its navigation


def test_secretary_gets_links_to_own_result_and_items(client, published):  # noqa: F811
    client.force_login(published.carol)
    html = client.get(reverse("notice-detail", args=[published.round.pk])).content.decode()
    assert reverse("results-branch", args=[published.assessment.pk]) in html
    assert reverse("rectification-board", args=[published.round.pk]) in html
    assert reverse("notice-prepare", args=[published.round.pk]) not in html


def test_print_version_has_no_navigation(client, published):  # noqa: F811
    client.force_login(published.carol)
    html = client.get(reverse("notice-detail", args=[published.round.pk]), {"print": "1"}).content.decode()
    assert "navbar" not in html and "退出" not in html
    assert 'id="notice"' in html and "huayu/notice.css" in html and "data-print" in html


def test_before_publication(client, finalised):  # noqa: F811
    url = reverse("notice-detail", args=[finalised.round.pk])
    for who in (finalised.carol, finalised.alice):  # their own township's round: not yet, and why
        client.force_login(who)
        response = client.get(url)
        assert response.status_code == 403 and "通报尚未发布" in response.content.decode()


def test_other_township_gets_404(client, published):  # noqa: F811
    for who in (published.eve, published.frank):
        client.force_login(who)
        assert client.get(reverse("notice-detail", args=[published.round.pk])).status_code == 404


def test_secretary_sees_result_and_items_once_published(client, published):  # noqa: F811
    client.force_login(published.carol)
    html = client.get(reverse("results-branch", args=[published.assessment.pk])).content.decode()
    assert "换届材料不全" in html and reverse("rectification-detail", args=[published.rect.pk]) in html
    assert reverse("export-sheet", args=[published.assessment.pk]) in html
    client.force_login(published.dave)
    assert client.get(reverse("results-branch", args=[published.assessment.pk])).status_code == 404
    html = client.get(reverse("results-branch", args=[published.assessment2.pk])).content.decode()
    assert "本支部没有整改事项" in html


def test_home_links_to_the_published_notice(client, published):  # noqa: F811
    client.force_login(published.carol)
    html = client.get(reverse("home")).content.decode()
    assert reverse("notice-detail", args=[published.round.pk]) in html and "查看通报" in html
