"""Autosave of one item: POST /assessments/<pk>/self/items/<item_id>/ answers JSON."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import AuditLog, Phase, Score, Status


def url(assessment, item):
    return reverse("selfeval-item-save", args=[assessment.pk, item.pk])


def first(cast):
    return cast.standard.items.order_by("number").first()


def row(cast, item):
    return Score.objects.get(assessment=cast.assessment, item=item)


def post(client, user, cast, data, item=None):
    client.force_login(user)
    return client.post(url(cast.assessment, item or first(cast)), data)


def test_works(client, cast):
    response = post(client, cast.carol, cast, {"score": "1.5", "note": "按期换届"})
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and data["error"] == ""
    assert re.fullmatch(r"\d\d:\d\d:\d\d", data["saved_at"])
    assert data["total"] == "1.5" and data["progress"] == "1/12" and data["area_subtotal"] == "1.5"
    assert data["status"] == "自评中"
    saved = row(cast, first(cast))
    assert saved.self_score == Decimal("1.5") and saved.self_note == "按期换届"
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SELF


def test_totals_follow_the_area(client, cast):
    items = list(cast.standard.items.order_by("number"))
    post(client, cast.carol, cast, {"score": "2", "note": ""}, item=items[0])
    post(client, cast.carol, cast, {"score": "1", "note": ""}, item=items[1])
    data = post(client, cast.carol, cast, {"score": "0.5", "note": ""}, item=items[4]).json()
    assert data["total"] == "3.5" and data["progress"] == "3/12"
    assert data["area_subtotal"] == "0.5" and data["area"] == items[4].area_id


def test_writes_an_audit_record_per_changed_field(client, cast):
    item = first(cast)
    post(client, cast.carol, cast, {"score": "1", "note": "甲"})
    post(client, cast.carol, cast, {"score": "2", "note": "甲"})
    post(client, cast.carol, cast, {"score": "2", "note": "乙"})
    logs = list(AuditLog.objects.filter(assessment=cast.assessment, item=item).order_by("id")
                .values_list("action", "old_value", "new_value"))
    assert logs == [("self_score", "", "1"), ("self_note", "", "甲"), ("self_score", "1", "2"),
                    ("self_note", "甲", "乙")]
    assert AuditLog.objects.filter(assessment=cast.assessment, action="self_score").first().actor == cast.carol


def test_clearing_a_score_makes_it_unscored(client, cast):
    post(client, cast.carol, cast, {"score": "2", "note": ""})
    data = post(client, cast.carol, cast, {"score": "", "note": ""}).json()
    assert data["ok"] and data["progress"] == "0/12"
    assert row(cast, first(cast)).self_score is None


def test_a_note_alone_keeps_the_score(client, cast):
    post(client, cast.carol, cast, {"score": "2"})
    post(client, cast.carol, cast, {"note": "只改说明"})
    saved = row(cast, first(cast))
    assert saved.self_score == Decimal("2") and saved.self_note == "只改说明"


@pytest.mark.parametrize("value, message", [
    ("2.5", "得分应在 0 到 2 分之间。"),
    ("-1", "得分应在 0 到 2 分之间。"),
    ("1.3", "得分须为 0.5 的整数倍。"),
    ("0.25", "得分须为 0.5 的整数倍。"),
    ("一分", "请输入数字，例如 1.5。"),
    ("1,5", "请输入数字，例如 1.5。"),
    ("nan", "请输入数字，例如 1.5。"),
    ("1e0", "请输入数字，例如 1.5。"),
])
def test_rejects_a_wrong_score_with_400(client, cast, value, message):
    response = post(client, cast.carol, cast, {"score": value, "note": "说明也不保存"})
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": message, "saved_at": None, "total": None,
                               "progress": None, "area_subtotal": None}
    saved = row(cast, first(cast))
    assert saved.self_score is None and saved.self_note == "" and saved.version == 0
    assert not AuditLog.objects.filter(assessment=cast.assessment).exists()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED


def assert_refused(response, cast, message):
    assert response.status_code == 403
    assert response.json()["ok"] is False and message in response.json()["error"]
    assert row(cast, first(cast)).self_score is None
    assert not AuditLog.objects.filter(assessment=cast.assessment, item=first(cast)).exists()


def test_refused_when_submitted(client, cast):
    cast.assessment.status = Status.SUBMITTED
    cast.assessment.save()
    assert_refused(post(client, cast.carol, cast, {"score": "1"}), cast, "自评已提交，不能再修改")


def test_refused_after_the_deadline(client, cast):
    cast.round.self_start = timezone.localdate() - datetime.timedelta(days=9)
    cast.round.self_end = timezone.localdate() - datetime.timedelta(days=1)
    cast.round.save()
    assert_refused(post(client, cast.carol, cast, {"score": "1"}), cast, "截止，不能再保存或提交")


def test_allowed_after_the_deadline_when_extended(client, cast):
    cast.round.self_start = timezone.localdate() - datetime.timedelta(days=9)
    cast.round.self_end = timezone.localdate() - datetime.timedelta(days=1)
    cast.round.save()
    cast.assessment.self_deadline = timezone.localdate() + datetime.timedelta(days=2)
    cast.assessment.save()
    assert post(client, cast.carol, cast, {"score": "1"}).status_code == 200


@pytest.mark.parametrize("phase", [Phase.PREPARATION, Phase.ONSITE, Phase.NOTICE])
def test_refused_outside_the_self_phase(client, cast, phase):
    cast.round.phase = phase
    cast.round.save()
    assert_refused(post(client, cast.carol, cast, {"score": "1"}), cast, "不在自评阶段")


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_refused_to_township_staff(client, cast, who):
    assert_refused(post(client, getattr(cast, who), cast, {"score": "1"}), cast, "只有本支部书记可以填写和提交自评")


@pytest.mark.parametrize("who", ["dave", "eve", "frank"])
def test_checks_ownership(client, cast, who):
    assert post(client, getattr(cast, who), cast, {"score": "1"}).status_code == 404
    assert row(cast, first(cast)).self_score is None


def test_item_of_another_standard_is_404(client, cast):
    from tests.conftest import make_standard

    other = make_standard(name="别的标准").items.first()
    assert post(client, cast.carol, cast, {"score": "1"}, item=other).status_code == 404


def test_rejects_get(client, cast):
    client.force_login(cast.carol)
    assert client.get(url(cast.assessment, first(cast))).status_code == 405


def test_needs_csrf(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.carol)
    assert client.post(url(cast.assessment, first(cast)), {"score": "1"}).status_code == 403
    assert row(cast, first(cast)).self_score is None
