"""The queries of the two pages people work in all day, pinned exactly (issue 12): a fixed number
whatever the items, files and records, each a plain queryset."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.test_services_onsite import onsite_ready

# the session, the user (Django's ModelBackend), the assessment with its round and branch,
# the item evidence, the scores with items and areas, the bonus items with this branch's claims,
# the 工作计划 duties of the items, the 示范做法 of the items, the navbar's unread badge
CHECKLIST = 9
# the session, the user, the assessment, the files, the audit records, the scores with the
# per-area sums, the vetoes with findings, the bonus items with claims, the grade bands,
# the duties, the 示范做法, the navbar's unread badge
ONSITE = 12
# a body kept for this version of the assessment (assessment/pages.py): the session, the user,
# the assessment (its render_version is the key), the navbar's unread badge
KEPT = 4


def tables(captured):
    return [query["sql"].split(" FROM ")[1].split()[0].strip('"') for query in captured.captured_queries]


def test_the_checklist(client, cast, django_assert_num_queries):
    client.force_login(cast.carol)
    url = reverse("selfeval-checklist", args=[cast.assessment.pk])
    client.get(reverse("home"))
    with django_assert_num_queries(CHECKLIST) as captured:
        assert client.get(url).status_code == 200
    assert tables(captured)[:3] == ["django_session", "assessment_user", "assessment_assessment"]
    assert "assessment_message" in tables(captured)
    with django_assert_num_queries(KEPT) as captured:
        assert client.get(url).status_code == 200
    assert tables(captured) == ["django_session", "assessment_user", "assessment_assessment", "assessment_message"]


def test_the_onsite_page(client, cast, django_assert_num_queries):
    onsite_ready(cast)
    client.force_login(cast.bob)
    url = reverse("onsite-scoring", args=[cast.assessment.pk])
    client.post(reverse("onsite-item-save", args=[cast.assessment.pk, cast.standard.items.first().pk]),
                {"score": "1", "reason": "缺", "version": "0"})
    with django_assert_num_queries(ONSITE) as captured:
        assert client.get(url).status_code == 200
    assert tables(captured)[:3] == ["django_session", "assessment_user", "assessment_assessment"]
    with django_assert_num_queries(KEPT):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("page", ["selfeval-checklist", "onsite-scoring"])
def test_no_query_is_repeated(client, cast, page):
    if page == "onsite-scoring":
        onsite_ready(cast)
    client.force_login(cast.bob if page == "onsite-scoring" else cast.carol)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(page, args=[cast.assessment.pk])).status_code == 200
    sqls = [query["sql"] for query in captured.captured_queries]
    assert len(sqls) == len(set(sqls))
