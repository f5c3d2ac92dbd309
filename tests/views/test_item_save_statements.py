"""The statements of one item's autosave, pinned (issue 12): the secretary's self score and the
assessor's on-site save. Every changed field still gets its own audit record, chained under one
lock of the chain's head (services/base.py audit_many); a stale save is still refused.

Inside a test the service's transaction is a savepoint of the test's (SAVEPOINT and RELEASE are
counted here; in production they are BEGIN and COMMIT, which Django does not count).

A save: the session, the user, the score with its item and assessment (permissions.score_for),
SAVEPOINT, the assessment locked, the score locked, the audit head locked, the audit records
inserted, the head moved, the score updated (the subtotal triggers run inside that statement),
[the status moved on by the first save], RELEASE, the kept subtotals for the totals; on site
also the approved bonus with the veto findings, and the grade bands."""

import pytest
from django.urls import reverse

from assessment.audit import chain_problems
from assessment.models import AuditHead, AuditLog, Score, Subtotal
from assessment.subtotals import kept, summed
from tests.test_services_onsite import items, onsite_ready

SELF_FIRST, SELF_NEXT, STALE = 13, 12, 9
ONSITE_FIRST, ONSITE_NEXT = 15, 14


def self_save(client, cast, item, **data):
    return client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]), data)


def onsite_save(client, cast, item, **data):
    return client.post(reverse("onsite-item-save", args=[cast.assessment.pk, item.pk]), data)


def assert_chain_whole():
    head = AuditHead.objects.get(pk=1)
    assert list(chain_problems(AuditLog.objects.order_by("id"), head.hash, head.count)) == []


def test_the_self_save(client, cast, django_assert_num_queries):
    first, second = items(cast)[:2]
    client.force_login(cast.carol)
    with django_assert_num_queries(SELF_FIRST):  # the first save also moves 未开始 to 自评中
        response = self_save(client, cast, first, score="1.5", note="按期换届", version="0", edit="e1")
    assert response.json()["ok"] and response.json()["total"] == "1.5" and response.json()["status"] == "自评中"
    with django_assert_num_queries(SELF_NEXT):
        response = self_save(client, cast, first, score="2", note="换届", version="1", edit="e2")
    assert response.json()["version"] == 2 and response.json()["area_subtotal"] == "2"
    changes = [response.json()["changes"]]
    with django_assert_num_queries(SELF_NEXT):
        response = self_save(client, cast, second, score="1", note="", version="0", edit="e3")
    assert (response.json()["total"], response.json()["progress"], response.json()["area_progress"]) == (
        "3", "2/12", "2/4")
    # Each reply says how many changes its figures saw (the page shows only the latest read).
    changes.append(response.json()["changes"])
    assert changes[0] < changes[1]

    records = list(AuditLog.objects.filter(assessment=cast.assessment).order_by("id")
                   .values_list("action", "item_id", "old_value", "new_value"))
    assert records == [
        ("self_score", first.pk, "", "1.5"), ("self_note", first.pk, "", "按期换届"), ("self_start", None, "未开始" if False else "not_started", "self"),
        ("self_score", first.pk, "1.5", "2"), ("self_note", first.pk, "按期换届", "换届"),
        ("self_score", second.pk, "", "1"),
    ]
    assert_chain_whole()
    assert kept([cast.assessment]) == summed([cast.assessment])


def test_a_stale_self_save_is_refused_and_writes_nothing(client, cast, django_assert_num_queries):
    first = items(cast)[0]
    client.force_login(cast.carol)
    self_save(client, cast, first, score="1.5", note="", version="0", edit="e1")
    with django_assert_num_queries(STALE):  # … the score locked, who changed it last, rolled back
        response = self_save(client, cast, first, score="2", note="", version="0", edit="e2")
    assert response.status_code == 409 and response.json()["current"]["score"] == "1.5"
    assert Score.objects.get(assessment=cast.assessment, item=first).self_score == 1.5
    assert AuditLog.objects.filter(action="self_score").count() == 1


def test_the_onsite_save(client, cast, django_assert_num_queries):
    onsite_ready(cast)
    first, second = items(cast)[:2]
    client.force_login(cast.bob)
    with django_assert_num_queries(ONSITE_FIRST):  # the first save also moves 已提交 to 考评中
        response = onsite_save(client, cast, first, score="1.5", reason="缺签到表", needs_rectification="1",
                               requirement="补齐", version="0", edit="e1")
    body = response.json()
    assert body["ok"] and (body["total"], body["progress"], body["status"]) == ("1.5", "1/12", "考评中")
    with django_assert_num_queries(ONSITE_NEXT):
        response = onsite_save(client, cast, first, score="1", reason="缺签到表和记录", needs_rectification="1",
                               requirement="补齐", version="1", edit="e2")
    assert response.json()["changed"] == ["onsite_score", "deduction_reason"]
    with django_assert_num_queries(ONSITE_NEXT):
        response = onsite_save(client, cast, second, score="2", reason="", needs_rectification="",
                               requirement="", version="0", edit="e3")
    earlier = body["changes"]
    body = response.json()
    assert (body["total"], body["progress"], body["area_subtotal"], body["grand_total"]) == ("3", "2/12", "3", "3")
    assert body["changes"] > earlier

    actions = list(AuditLog.objects.filter(assessment=cast.assessment).order_by("id").values_list("action", flat=True))
    assert actions == ["onsite_score", "onsite_reason", "onsite_rectification", "onsite_requirement", "onsite_start",
                       "onsite_score", "onsite_reason", "onsite_score"]
    assert_chain_whole()
    assert kept([cast.assessment]) == summed([cast.assessment])
    assert Subtotal.objects.filter(assessment=cast.assessment).count() == 3


def test_a_stale_onsite_save_is_refused(client, cast, django_assert_num_queries):
    onsite_ready(cast)
    first = items(cast)[0]
    client.force_login(cast.bob)
    onsite_save(client, cast, first, score="2", version="0", edit="e1")
    with django_assert_num_queries(STALE):
        response = onsite_save(client, cast, first, score="1.5", reason="缺", version="0", edit="e2")
    assert response.status_code == 409 and response.json()["conflict"] is True
    assert Score.objects.get(assessment=cast.assessment, item=first).onsite_score == 2
