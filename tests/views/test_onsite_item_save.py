"""Save of one item on site: POST /assessments/<pk>/onsite/items/<item_id>/ answers JSON;
409 with the other person's values when the version moved on."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import AuditLog, Bonus, BonusClaim, GradeBand, Phase, Round, Status
from tests.test_services_onsite import items, onsite_ready, record, row


def url(assessment, item):
    return reverse("onsite-item-save", args=[assessment.pk, item.pk])


def post(client, user, cast, data, item=None):
    client.force_login(user)
    return client.post(url(cast.assessment, item or items(cast)[0]), data)


def data(score="2", reason="", rect="", requirement="", version="0"):
    return {"score": score, "reason": reason, "needs_rectification": rect, "requirement": requirement,
            "version": version}


def test_works(client, cast):
    onsite_ready(cast)
    response = post(client, cast.bob, cast, data("1.5", "缺签到表", "1", "补齐签到表"))
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["conflict"] is False and body["version"] == 1
    assert body["total"] == "1.5" and body["progress"] == "1/12" and body["area_subtotal"] == "1.5"
    assert body["area_progress"] == "1/4" and body["status"] == "考评中"
    assert body["grand_total"] == "1.5" and body["grade"] == "不合格"  # 1.5 of 24 points so far
    saved = row(cast.assessment, items(cast)[0])
    assert (saved.onsite_score, saved.deduction_reason, saved.needs_rectification, saved.requirement) == (
        Decimal("1.5"), "缺签到表", True, "补齐签到表")
    assert AuditLog.objects.filter(action="onsite_score", actor=cast.bob, new_value="1.5").exists()


def test_full_width_digits_are_read(client, cast):
    onsite_ready(cast)
    assert post(client, cast.bob, cast, data("２")).json()["ok"]
    assert row(cast.assessment, items(cast)[0]).onsite_score == Decimal("2")


def assert_unchanged(cast):
    saved = row(cast.assessment, items(cast)[0])
    assert saved.onsite_score is None and saved.version == 0
    assert not AuditLog.objects.filter(assessment=cast.assessment).exists()
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SUBMITTED


@pytest.mark.parametrize("values, message", [
    (data("2.5"), "得分应在 0 到 2 分之间。"),
    (data("1.3", "原因"), "得分须为 0.5 的整数倍。"),
    (data("一分"), "请输入数字，例如 1.5。"),
    (data("1", "  "), "考评得分低于分值（2 分）时，必须填写扣分原因。"),
    (data("2", version="abc"), "缺少版本信息"),
])
def test_rejects_a_wrong_value_with_400(client, cast, values, message):
    onsite_ready(cast)
    response = post(client, cast.bob, cast, values)
    assert response.status_code == 400
    assert response.json()["ok"] is False and message in response.json()["error"]
    assert_unchanged(cast)


@pytest.mark.parametrize("status, message", [
    (Status.SELF, "尚未提交自评"),
    (Status.FINALISED, "已考评完成，评分已锁定"),
])
def test_refused_by_status_with_403(client, cast, status, message):
    onsite_ready(cast)
    cast.assessment.status = status
    cast.assessment.save()
    response = post(client, cast.bob, cast, data("2"))
    assert response.status_code == 403 and message in response.json()["error"]
    saved = row(cast.assessment, items(cast)[0])
    assert saved.onsite_score is None and not AuditLog.objects.filter(assessment=cast.assessment).exists()


def test_refused_in_the_wrong_phase_with_403(client, cast):
    onsite_ready(cast)
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE)
    response = post(client, cast.bob, cast, data("2"))
    assert response.status_code == 403 and "不在现场考评阶段" in response.json()["error"]
    assert_unchanged(cast)


def test_secretary_is_refused_with_403(client, cast):
    onsite_ready(cast)
    response = post(client, cast.carol, cast, data("2"))
    assert response.status_code == 403 and "现场考评由镇党委考评人员进行" in response.json()["error"]
    assert_unchanged(cast)


@pytest.mark.parametrize("who", ["dave", "eve", "frank"])
def test_checks_ownership(client, cast, who):
    onsite_ready(cast)
    assert post(client, getattr(cast, who), cast, data("2")).status_code == 404
    assert_unchanged(cast)


def test_rejects_get(client, cast):
    onsite_ready(cast)
    client.force_login(cast.bob)
    assert client.get(url(cast.assessment, items(cast)[0])).status_code == 405


def test_conflict_answers_409_with_the_other_value_and_nothing_changes(client, cast):
    onsite_ready(cast)
    record(cast, who=cast.alice, score="1", reason="alice 发现缺记录")
    response = post(client, cast.bob, cast, data("2", version="0"))
    assert response.status_code == 409
    body = response.json()
    hhmm = timezone.localtime().strftime("%H:%M")
    assert body["conflict"] is True and body["ok"] is False
    assert body["error"] == f"该项目已被 alice 于 {hhmm} 修改为 1 分，请确认后再保存"
    assert body["current"] == {"score": "1", "reason": "alice 发现缺记录", "needs_rectification": False,
                               "requirement": "", "version": 1, "by": "alice", "at": hhmm}
    saved = row(cast.assessment, items(cast)[0])
    assert (saved.onsite_score, saved.version) == (Decimal("1"), 1)
    assert AuditLog.objects.filter(action="onsite_score").count() == 1
    # The user saw it and overwrites consciously, with the new version.
    again = post(client, cast.bob, cast, data("2", version=str(body["current"]["version"])))
    assert again.status_code == 200 and again.json()["version"] == 2
    assert row(cast.assessment, items(cast)[0]).onsite_score == Decimal("2")


def test_the_answer_carries_the_grand_total_and_grade_with_the_approved_bonus(client, cast):
    onsite_ready(cast)
    GradeBand.objects.filter(standard=cast.standard, grade="excellent").update(min_score=3)
    BonusClaim.objects.create(assessment=cast.assessment, bonus=Bonus.objects.get(standard=cast.standard),
                              note="县级先进", decision=BonusClaim.Decision.APPROVED)
    body = post(client, cast.bob, cast, data("1.5", "缺签到表")).json()
    assert body["total"] == "1.5" and body["grand_total"] == "3.5" and body["grade"] == "优秀"
