"""Every app page is a Django template on templates/base.html: the checklist and the on-site
scoring page too (their bodies kept per version of the assessment, assessment/pages.py), with the
navbar, messages and CSRF field every other page shows, made for each request."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message as FlashMessage
from django.urls import reverse

from django.conf import settings
from django.template.loader import render_to_string

from assessment.models import Message
from tests.test_services_onsite import onsite_ready


def checklist(cast):
    return reverse("selfeval-checklist", args=[cast.assessment.pk])


def scoring(cast):
    return reverse("onsite-scoring", args=[onsite_ready(cast).pk])


def navbar(html):
    nav = re.search(r'<nav class="navbar.*?</nav>', html, re.S).group(0)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", nav)


def test_one_template_engine():
    assert [engine["BACKEND"] for engine in settings.TEMPLATES] == ["django.template.backends.django.DjangoTemplates"]
    assert not (settings.BASE_DIR / "templates" / "jinja2").exists()


@pytest.mark.parametrize("page, body", [(checklist, "assessment/_checklist_body.html"),
                                        (scoring, "assessment/_onsite_body.html")])
def test_rendered_by_django_templates_on_the_common_layout(client, cast, page, body):
    client.force_login(cast.alice)
    response = client.get(page(cast))
    assert response.status_code == 200
    names = [t.name for t in response.templates]  # the test runner records every Django template rendered
    assert "base.html" in names and "assessment/_nav.html" in names and body in names


@pytest.mark.parametrize("who, page", [("carol", checklist), ("bob", scoring), ("root", checklist),
                                       ("alice", scoring)])
def test_the_same_navbar_as_the_other_pages(client, cast, who, page):
    user = getattr(cast, who)
    Message.objects.create(user=user, text="请尽快完成自评")
    client.force_login(user)
    home, page_html = client.get(reverse("home")).content.decode(), client.get(page(cast)).content.decode()
    assert navbar(page_html) == navbar(home)
    assert 'id="unread-badge">1<' in navbar(page_html)
    assert f'action="{reverse("logout")}"' in navbar(page_html) and str(user) in navbar(page_html)
    assert ("后台管理" in navbar(page_html)) == user.is_staff


def test_the_anonymous_navbar_is_the_brand_alone(client, db):
    nav = navbar(client.get(reverse("login")).content.decode())
    assert 'class="navbar-brand text-white" href="/"' in nav
    assert "navbar-collapse" not in nav and "csrfmiddlewaretoken" not in nav


def test_one_csrf_token_for_the_whole_page(client, cast):
    client.force_login(cast.carol)
    html = client.get(checklist(cast)).content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) > 1 and len(set(tokens)) == 1


def test_messages_show_above_the_page(client, cast):
    client.force_login(cast.carol)
    html = client.post(checklist(cast), {}, follow=True).content.decode()  # nothing changed
    assert '<div class="alert alert-success" role="alert">已保存，所有修改均已记录。</div>' in html


def test_an_error_message_is_a_danger_alert(rf, db):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    request._messages = [FlashMessage(constants.ERROR, "<b>错误</b>"), FlashMessage(constants.INFO, "提示")]
    html = render_to_string("base.html", request=request)
    assert '<div class="alert alert-danger" role="alert">&lt;b&gt;错误&lt;/b&gt;</div>' in html
    assert '<div class="alert alert-info" role="alert">提示</div>' in html


@pytest.mark.parametrize("who, page", [("carol", checklist), ("bob", scoring), ("alice", checklist)])
def test_the_navbar_links_the_models_library_of_the_township(client, cast, who, page):
    client.force_login(getattr(cast, who))
    nav = navbar(client.get(page(cast)).content.decode())
    library = reverse("models-library")
    assert f'href="{library}">示范做法库</a>' in nav
    assert navbar(client.get(reverse("home")).content.decode()) == nav
    assert client.get(library).status_code == 200


def test_the_county_users_navbar_leads_to_their_spot_checks_not_to_a_townships_plan(client, cast):
    """县委组织部 has no year plan of its own (the page refuses them): its navbar shows 抽查复核
    instead; a township's people keep 年度清单 and see no 抽查复核."""
    client.force_login(cast.xian)
    nav = navbar(client.get(reverse("home")).content.decode())
    assert f'href="{reverse("spotcheck-list")}">抽查复核</a>' in nav and "年度清单" not in nav
    assert client.get(reverse("spotcheck-list")).status_code == 200
    client.force_login(cast.alice)
    nav = navbar(client.get(reverse("home")).content.decode())
    assert "年度清单" in nav and "抽查复核" not in nav
