"""The self-evaluation services: state, actor and value checks, the audit trail."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessment.models import AuditLog, Message, Phase, Score, Status
from assessment.services.base import ServiceError
from assessment.services.selfeval import (
    InvalidInput, self_deadline_extend, self_evaluation_return, self_evaluation_submit, self_score_record,
)


def first_item(cast):
    return cast.standard.items.order_by("number").first()


def score_of(assessment, item):
    return Score.objects.get(assessment=assessment, item=item)


def fill(assessment, value=Decimal("1.5")):
    Score.objects.filter(assessment=assessment).update(self_score=value)


def test_record_saves_score_and_note_and_audits_old_and_new(cast):
    item = first_item(cast)
    self_score_record(assessment=cast.assessment, item=item, actor=cast.carol, score=Decimal("1.5"), note="有记录")
    row = score_of(cast.assessment, item)
    assert row.self_score == Decimal("1.5") and row.self_note == "有记录" and row.version == 1
    logs = {log.action: log for log in AuditLog.objects.filter(assessment=cast.assessment, item=item)}
    assert (logs["self_score"].old_value, logs["self_score"].new_value) == ("", "1.5")
    assert (logs["self_note"].old_value, logs["self_note"].new_value) == ("", "有记录")
    assert logs["self_score"].actor == cast.carol and logs["self_score"].field == "self_score"

    self_score_record(assessment=cast.assessment, item=item, actor=cast.carol, score=Decimal("2"), note="有记录")
    log = AuditLog.objects.filter(action="self_score", item=item).first()  # newest first
    assert (log.old_value, log.new_value) == ("1.5", "2")
    assert AuditLog.objects.filter(action="self_note", item=item).count() == 1  # the note did not change


def test_first_save_moves_status_to_self_and_nothing_changed_writes_nothing(cast):
    item = first_item(cast)
    self_score_record(assessment=cast.assessment, item=item, actor=cast.carol, score=None, note="")
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED
    assert not AuditLog.objects.filter(assessment=cast.assessment).exists()
    self_score_record(assessment=cast.assessment, item=item, actor=cast.carol, score=Decimal("0"), note="")
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SELF
    log = AuditLog.objects.get(action="self_start")
    assert (log.old_value, log.new_value) == ("not_started", "self")


@pytest.mark.parametrize("value, message", [
    (Decimal("2.5"), "得分应在 0 到 2 分之间。"),
    (Decimal("-0.5"), "得分应在 0 到 2 分之间。"),
    (Decimal("1.3"), "得分须为 0.5 的整数倍。"),
    ("abc", "请输入数字，例如 1.5。"),
    (Decimal("NaN"), "请输入数字，例如 1.5。"),
])
def test_record_refuses_wrong_values(cast, value, message):
    item = first_item(cast)
    with pytest.raises(InvalidInput) as error:
        self_score_record(assessment=cast.assessment, item=item, actor=cast.carol, score=value, note="x")
    assert error.value.message == message
    row = score_of(cast.assessment, item)
    assert row.self_score is None and row.self_note == "" and row.version == 0
    assert not AuditLog.objects.filter(assessment=cast.assessment).exists()


def test_record_refuses_a_too_long_note(cast):
    with pytest.raises(InvalidInput, match="自评说明不能超过 2000 字"):
        self_score_record(assessment=cast.assessment, item=first_item(cast), actor=cast.carol,
                          score=Decimal("1"), note="字" * 2001)
    assert score_of(cast.assessment, first_item(cast)).self_score is None


@pytest.mark.parametrize("who", ["dave", "alice", "bob", "root"])
def test_only_the_branch_secretary_records(cast, who):
    with pytest.raises(ServiceError, match="只有本支部书记可以填写和提交自评"):
        self_score_record(assessment=cast.assessment, item=first_item(cast), actor=getattr(cast, who),
                          score=Decimal("1"), note="")
    assert score_of(cast.assessment, first_item(cast)).self_score is None


def test_record_refused_after_deadline_unless_extended(cast):
    cast.round.self_end = timezone.localdate() - datetime.timedelta(days=1)
    cast.round.self_start = cast.round.self_end - datetime.timedelta(days=10)
    cast.round.save()
    item = first_item(cast)
    with pytest.raises(ServiceError, match="自评已于 .* 截止"):
        self_score_record(assessment=cast.assessment, item=item, actor=cast.carol, score=Decimal("1"), note="")
    assert score_of(cast.assessment, item).self_score is None

    self_deadline_extend(assessment=cast.assessment, actor=cast.alice, until=timezone.localdate())
    self_score_record(assessment=cast.assessment, item=item, actor=cast.carol, score=Decimal("1"), note="")
    assert score_of(cast.assessment, item).self_score == Decimal("1")


def test_record_refused_outside_the_self_phase(cast):
    cast.round.phase = Phase.ONSITE
    cast.round.save()
    with pytest.raises(ServiceError, match="不在自评阶段"):
        self_score_record(assessment=cast.assessment, item=first_item(cast), actor=cast.carol,
                          score=Decimal("1"), note="")


def test_record_refuses_an_item_of_another_standard(cast):
    from tests.conftest import make_standard

    other = make_standard(name="别的标准").items.first()
    with pytest.raises(ServiceError, match="不属于该考核批次"):
        self_score_record(assessment=cast.assessment, item=other, actor=cast.carol, score=Decimal("1"), note="")


def test_submit_needs_every_item_scored(cast):
    fill(cast.assessment)
    Score.objects.filter(assessment=cast.assessment, item=first_item(cast)).update(self_score=None)
    with pytest.raises(ServiceError) as error:
        self_evaluation_submit(assessment=cast.assessment, actor=cast.carol)
    assert error.value.message == "还有 1 项未评分，请全部评分后再提交。"
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED and cast.assessment.submitted_at is None


def test_submit_locks_and_audits_then_return_reopens(cast):
    fill(cast.assessment)
    self_evaluation_submit(assessment=cast.assessment, actor=cast.carol)
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SUBMITTED and cast.assessment.submitted_at
    log = AuditLog.objects.get(action="self_submit")
    assert (log.old_value, log.new_value, log.actor) == ("not_started", "submitted", cast.carol)

    with pytest.raises(ServiceError, match="自评已提交，不能再修改"):
        self_score_record(assessment=cast.assessment, item=first_item(cast), actor=cast.carol,
                          score=Decimal("0"), note="")
    with pytest.raises(ServiceError, match="自评已提交，请勿重复提交"):
        self_evaluation_submit(assessment=cast.assessment, actor=cast.carol)

    self_evaluation_return(assessment=cast.assessment, actor=cast.alice, reason="第3项佐证不全")
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SELF
    assert cast.assessment.returned_reason == "第3项佐证不全" and cast.assessment.submitted_at is None
    log = AuditLog.objects.get(action="self_return")
    assert (log.old_value, log.new_value, log.note) == ("submitted", "self", "第3项佐证不全")
    assert Message.objects.filter(user=cast.carol, text__contains="第3项佐证不全").exists()

    self_score_record(assessment=cast.assessment, item=first_item(cast), actor=cast.carol,
                      score=Decimal("0"), note="")
    self_evaluation_submit(assessment=cast.assessment, actor=cast.carol)
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SUBMITTED and cast.assessment.returned_reason == ""


@pytest.mark.parametrize("who", ["carol", "bob", "eve"])
def test_return_only_by_the_township_admin(cast, who):
    fill(cast.assessment)
    self_evaluation_submit(assessment=cast.assessment, actor=cast.carol)
    with pytest.raises(ServiceError, match="只有镇党委管理员可以退回自评"):
        self_evaluation_return(assessment=cast.assessment, actor=getattr(cast, who), reason="不行")
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SUBMITTED


def test_return_needs_a_reason_and_a_submitted_assessment(cast):
    with pytest.raises(ServiceError, match="只有已提交的自评才能退回"):
        self_evaluation_return(assessment=cast.assessment, actor=cast.alice, reason="x")
    fill(cast.assessment)
    self_evaluation_submit(assessment=cast.assessment, actor=cast.carol)
    with pytest.raises(InvalidInput, match="请填写退回原因"):
        self_evaluation_return(assessment=cast.assessment, actor=cast.alice, reason="   ")
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SUBMITTED


def test_extend_sets_the_branch_deadline_and_audits(cast):
    until = timezone.localdate() + datetime.timedelta(days=20)
    self_deadline_extend(assessment=cast.assessment, actor=cast.alice, until=until)
    cast.assessment.refresh_from_db()
    assert cast.assessment.self_deadline == until
    log = AuditLog.objects.get(action="self_extend")
    assert (log.old_value, log.new_value) == ("", until.isoformat())


def test_extend_refusals(cast):
    with pytest.raises(ServiceError, match="只有镇党委管理员可以延长自评截止日期"):
        self_deadline_extend(assessment=cast.assessment, actor=cast.carol, until=timezone.localdate())
    with pytest.raises(InvalidInput, match="不能早于今天"):
        self_deadline_extend(assessment=cast.assessment, actor=cast.alice,
                             until=timezone.localdate() - datetime.timedelta(days=1))
    cast.round.phase = Phase.ONSITE
    cast.round.save()
    with pytest.raises(ServiceError, match="不能延期"):
        self_deadline_extend(assessment=cast.assessment, actor=cast.alice, until=timezone.localdate())
    cast.assessment.refresh_from_db()
    assert cast.assessment.self_deadline is None
    assert not AuditLog.objects.filter(action="self_extend").exists()
