"""党委一线考评 services: on-site scores with versions, veto findings, bonus decisions,
考评完成 and reopening; the round's phase. Every refusal leaves the database as it was."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from assessment.models import (
    AuditLog, Bonus, BonusClaim, Phase, Round, Score, Status, Veto, VetoFinding,
)
from assessment.services.base import ServiceError
from assessment.services.onsite import (
    ScoreConflict, bonus_claim_decide, onsite_finalise, onsite_reopen, onsite_score_record, veto_finding_set,
)
from assessment.services.rounds import round_phase_set
from assessment.services.selfeval import InvalidInput


def onsite_ready(cast, assessment=None):
    """The round in the on-site phase; the branch submitted, every item self-scored in full."""
    assessment = assessment or cast.assessment
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    cast.round.phase = Phase.ONSITE
    Score.objects.filter(assessment=assessment).update(self_score=Decimal("2"), self_note="自评说明")
    assessment.status = Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.save()
    assessment.round = cast.round
    return assessment


def items(cast):
    return list(cast.standard.items.order_by("number"))


def row(assessment, item):
    return Score.objects.get(assessment=assessment, item=item)


def record(cast, who=None, item=None, score="2", reason="", rect=False, requirement="", version=0,
           assessment=None):
    return onsite_score_record(
        assessment=assessment or cast.assessment, item=item or items(cast)[0], actor=who or cast.bob,
        score=None if score is None else Decimal(score), reason=reason, needs_rectification=rect,
        requirement=requirement, version=version)


def score_all(cast, who=None, score="2", reason=""):
    for item in items(cast):
        current = row(cast.assessment, item).version
        record(cast, who=who, item=item, score=score, reason=reason, version=current)


def snapshot(assessment):
    return (list(Score.objects.filter(assessment=assessment).order_by("pk").values_list(
        "onsite_score", "deduction_reason", "needs_rectification", "requirement", "version")),
        AuditLog.objects.count(), type(assessment).objects.get(pk=assessment.pk).status)


# --- onsite_score_record ---------------------------------------------------------------


def test_records_a_score_moves_to_onsite_and_bumps_the_version(cast):
    onsite_ready(cast)
    saved = record(cast, score="1.5", reason="会议记录不全", rect=True, requirement="补齐会议记录")
    assert saved.version == 1
    db = row(cast.assessment, items(cast)[0])
    assert (db.onsite_score, db.deduction_reason, db.needs_rectification, db.requirement, db.version) == (
        Decimal("1.5"), "会议记录不全", True, "补齐会议记录", 1)
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.ONSITE
    logs = list(AuditLog.objects.filter(assessment=cast.assessment).order_by("pk")
                .values_list("action", "old_value", "new_value", "actor"))
    assert logs == [
        ("onsite_score", "", "1.5", cast.bob.pk), ("onsite_reason", "", "会议记录不全", cast.bob.pk),
        ("onsite_rectification", "否", "是", cast.bob.pk), ("onsite_requirement", "", "补齐会议记录", cast.bob.pk),
        ("onsite_start", Status.SUBMITTED, Status.ONSITE, cast.bob.pk),
    ]


def test_each_save_bumps_the_version_and_audits_old_to_new(cast):
    onsite_ready(cast)
    record(cast, score="2")
    saved = record(cast, score="1", reason="未公示", version=1)
    assert saved.version == 2
    assert list(AuditLog.objects.filter(action="onsite_score").order_by("pk").values_list("old_value", "new_value")) == [
        ("", "2"), ("2", "1")]


def test_an_unchanged_save_changes_nothing(cast):
    onsite_ready(cast)
    record(cast, score="2")
    before = snapshot(cast.assessment)
    assert record(cast, score="2", version=1).changed == []
    assert snapshot(cast.assessment) == before


def test_the_admin_and_the_superuser_may_score(cast):
    onsite_ready(cast)
    record(cast, who=cast.alice, score="2")
    record(cast, who=cast.root, score="1.5", reason="原因", version=1)
    assert row(cast.assessment, items(cast)[0]).onsite_score == Decimal("1.5")


def assert_refused(cast, message, exception=ServiceError, **kwargs):
    before = snapshot(cast.assessment)
    with pytest.raises(exception) as error:
        record(cast, **kwargs)
    assert message in error.value.message
    assert snapshot(cast.assessment) == before


@pytest.mark.parametrize("score, message", [
    ("2.5", "得分应在 0 到 2 分之间。"),
    ("-0.5", "得分应在 0 到 2 分之间。"),
    ("1.3", "得分须为 0.5 的整数倍。"),
])
def test_refuses_a_score_out_of_range_or_step(cast, score, message):
    onsite_ready(cast)
    assert_refused(cast, message, InvalidInput, score=score, reason="原因")


def test_refuses_a_deduction_without_a_reason(cast):
    onsite_ready(cast)
    assert_refused(cast, "必须填写扣分原因", InvalidInput, score="1.5", reason="   ")


def test_full_points_need_no_reason(cast):
    onsite_ready(cast)
    assert record(cast, score="2", reason="").onsite_score == Decimal("2")


@pytest.mark.parametrize("status", [Status.NOT_STARTED, Status.SELF])
def test_refuses_before_the_self_evaluation_is_submitted(cast, status):
    onsite_ready(cast)
    cast.assessment.status = status
    cast.assessment.save()
    assert_refused(cast, "尚未提交自评")


def test_refuses_after_finalisation(cast):
    onsite_ready(cast)
    cast.assessment.status = Status.FINALISED
    cast.assessment.save()
    assert_refused(cast, "已考评完成，评分已锁定")


@pytest.mark.parametrize("phase", [Phase.PREPARATION, Phase.SELF, Phase.NOTICE, Phase.ARCHIVED])
def test_refuses_outside_the_onsite_phase(cast, phase):
    onsite_ready(cast)
    Round.objects.filter(pk=cast.round.pk).update(phase=phase)
    assert_refused(cast, "不在现场考评阶段")


@pytest.mark.parametrize("who", ["carol", "dave", "eve", "frank"])
def test_refuses_secretaries_and_other_townships(cast, who):
    onsite_ready(cast)
    assert_refused(cast, "只有本镇考评人员和镇党委管理员", who=getattr(cast, who))


def test_refuses_an_item_of_another_standard(cast):
    from tests.conftest import make_standard

    onsite_ready(cast)
    other = make_standard(name="另一标准").items.first()
    assert_refused(cast, "不属于该考核批次", item=other)


# --- two assessors, one branch ------------------------------------------------------------


def test_a_save_based_on_an_old_version_is_a_conflict(cast):
    onsite_ready(cast)
    record(cast, who=cast.bob, score="1", reason="缺签到表", version=0)
    before = snapshot(cast.assessment)
    with pytest.raises(ScoreConflict) as error:
        record(cast, who=cast.alice, score="2", version=0)
    hhmm = timezone.localtime().strftime("%H:%M")
    assert error.value.message == f"该项目已被 bob 于 {hhmm} 修改为 1 分，请确认后再保存"
    assert error.value.current == {"score": "1", "reason": "缺签到表", "needs_rectification": False,
                                   "requirement": "", "version": 1, "by": "bob", "at": hhmm}
    assert snapshot(cast.assessment) == before
    # Seen and overwritten consciously: sent again with the new version.
    saved = record(cast, who=cast.alice, score="2", version=error.value.current["version"])
    assert saved.version == 2 and row(cast.assessment, items(cast)[0]).onsite_score == Decimal("2")


def test_two_assessors_on_different_items_do_not_conflict(cast):
    onsite_ready(cast)
    first, second = items(cast)[:2]
    record(cast, who=cast.bob, item=first, score="2", version=0)
    record(cast, who=cast.alice, item=second, score="1", reason="未公示", version=0)
    assert row(cast.assessment, first).onsite_score == Decimal("2")
    assert row(cast.assessment, second).onsite_score == Decimal("1")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real concurrent test needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_the_same_version_let_exactly_one_through(cast):
    onsite_ready(cast)
    item = items(cast)[0]
    barrier = threading.Barrier(2)
    outcomes = {}

    def save(name, user, score):
        try:
            barrier.wait(timeout=10)
            record(cast, who=user, item=item, score=score, reason="扣分原因" if score != "2" else "", version=0)
            outcomes[name] = "saved"
        except ScoreConflict as conflict:
            outcomes[name] = conflict.current
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=("bob", cast.bob, "1")),
               threading.Thread(target=save, args=("alice", cast.alice, "2"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(v if v == "saved" else "conflict" for v in outcomes.values()) == ["conflict", "saved"]
    winner = next(name for name, v in outcomes.items() if v == "saved")
    loser = next(v for v in outcomes.values() if v != "saved")
    db = row(cast.assessment, item)
    assert db.version == 1 and db.onsite_score == Decimal("1" if winner == "bob" else "2")
    assert loser["by"] == winner and loser["version"] == 1
    assert AuditLog.objects.filter(action="onsite_score", item=item).count() == 1
    assert AuditLog.objects.filter(action="onsite_start").count() == 1


# --- veto findings and bonus claims -------------------------------------------------------


def test_veto_finding_added_and_removed_with_audit(cast):
    onsite_ready(cast)
    veto = Veto.objects.get(standard=cast.standard)
    finding = veto_finding_set(assessment=cast.assessment, veto=veto, actor=cast.bob, found=True, note="台账造假")
    assert finding.note == "台账造假" and finding.recorded_by == cast.bob
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.ONSITE
    veto_finding_set(assessment=cast.assessment, veto=veto, actor=cast.bob, found=False)
    assert not VetoFinding.objects.exists()
    assert list(AuditLog.objects.filter(action__startswith="onsite_veto").order_by("pk").values_list(
        "action", "old_value", "new_value")) == [("onsite_veto_add", "", "台账造假"),
                                                 ("onsite_veto_remove", "台账造假", "")]


def test_veto_finding_needs_a_note_and_the_onsite_phase(cast):
    onsite_ready(cast)
    veto = Veto.objects.get(standard=cast.standard)
    before = snapshot(cast.assessment)
    with pytest.raises(InvalidInput, match="情况说明"):
        veto_finding_set(assessment=cast.assessment, veto=veto, actor=cast.bob, found=True, note=" ")
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.SELF)
    with pytest.raises(ServiceError, match="不在现场考评阶段"):
        veto_finding_set(assessment=cast.assessment, veto=veto, actor=cast.bob, found=True, note="有")
    assert snapshot(cast.assessment) == before and not VetoFinding.objects.exists()


def make_claim(cast, note="获评市级先进基层党组织"):
    return BonusClaim.objects.create(assessment=cast.assessment, bonus=Bonus.objects.get(standard=cast.standard),
                                     note=note)


def test_bonus_claim_approved_then_rejected_with_audit(cast):
    onsite_ready(cast)
    claim = make_claim(cast)
    bonus_claim_decide(assessment=cast.assessment, claim=claim, actor=cast.bob, decision="approved", note="")
    claim.refresh_from_db()
    assert claim.decision == BonusClaim.Decision.APPROVED
    bonus_claim_decide(assessment=cast.assessment, claim=claim, actor=cast.bob, decision="rejected", note="证书过期")
    claim.refresh_from_db()
    assert (claim.decision, claim.decision_note) == (BonusClaim.Decision.REJECTED, "证书过期")
    assert list(AuditLog.objects.filter(action="onsite_bonus").order_by("pk").values_list("old_value", "new_value")) == [
        ("已申报", "认定"), ("认定", "不认定")]


def test_bonus_rejection_needs_a_note(cast):
    onsite_ready(cast)
    claim = make_claim(cast)
    before = snapshot(cast.assessment)
    with pytest.raises(InvalidInput, match="请填写认定意见"):
        bonus_claim_decide(assessment=cast.assessment, claim=claim, actor=cast.bob, decision="rejected", note="")
    with pytest.raises(InvalidInput):
        bonus_claim_decide(assessment=cast.assessment, claim=claim, actor=cast.bob, decision="maybe", note="")
    assert snapshot(cast.assessment) == before
    claim.refresh_from_db()
    assert claim.decision == BonusClaim.Decision.CLAIMED


# --- 考评完成 and reopening ---------------------------------------------------------------


def finalise(cast, who=None, present="张三、李四", date=None):
    return onsite_finalise(assessment=cast.assessment, actor=who or cast.bob, assessors_present=present,
                           date=date or timezone.localdate())


def test_finalise_records_who_and_when_and_locks(cast):
    onsite_ready(cast)
    score_all(cast)
    finalise(cast)
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.FINALISED
    assert cast.assessment.assessors_present == "张三、李四"
    assert cast.assessment.onsite_date == timezone.localdate() and cast.assessment.finalised_at
    assert AuditLog.objects.filter(action="onsite_finalise", new_value=Status.FINALISED).exists()
    with pytest.raises(ServiceError, match="已考评完成"):
        record(cast, score="1", reason="再改", version=1)


def test_finalise_refused_while_items_are_unscored(cast):
    onsite_ready(cast)
    record(cast, score="2")
    before = snapshot(cast.assessment)
    with pytest.raises(ServiceError, match="还有 11 项未进行现场评分"):
        finalise(cast)
    assert snapshot(cast.assessment) == before


def test_finalise_refused_when_a_deduction_has_no_reason(cast):
    onsite_ready(cast)
    score_all(cast)
    Score.objects.filter(assessment=cast.assessment, item=items(cast)[2]).update(onsite_score=Decimal("1"))
    before = snapshot(cast.assessment)
    with pytest.raises(ServiceError, match="第 3 项有扣分但未填写扣分原因"):
        finalise(cast)
    assert snapshot(cast.assessment) == before


@pytest.mark.parametrize("present, date, message", [
    ("  ", None, "请填写参加考评的人员"),
    ("张三", datetime.date.today() + datetime.timedelta(days=3), "不能晚于今天"),
])
def test_finalise_needs_people_and_a_date(cast, present, date, message):
    onsite_ready(cast)
    score_all(cast)
    before = snapshot(cast.assessment)
    with pytest.raises(InvalidInput, match=message):
        finalise(cast, present=present, date=date)
    assert snapshot(cast.assessment) == before


def test_admin_reopens_with_a_reason(cast):
    onsite_ready(cast)
    score_all(cast)
    finalise(cast)
    with pytest.raises(ServiceError, match="只有镇党委管理员"):
        onsite_reopen(assessment=cast.assessment, actor=cast.bob, reason="复核")
    with pytest.raises(InvalidInput, match="请填写重新打开的原因"):
        onsite_reopen(assessment=cast.assessment, actor=cast.alice, reason="")
    onsite_reopen(assessment=cast.assessment, actor=cast.alice, reason="第5项需复核")
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.ONSITE and cast.assessment.finalised_at is None
    log = AuditLog.objects.get(action="onsite_reopen")
    assert (log.actor, log.old_value, log.new_value, log.note) == (cast.alice, Status.FINALISED, Status.ONSITE,
                                                                   "第5项需复核")
    record(cast, score="1.5", reason="复核后扣分", version=1)


def test_reopen_refused_unless_finalised(cast):
    onsite_ready(cast)
    with pytest.raises(ServiceError, match="只有考评完成的支部才能重新打开"):
        onsite_reopen(assessment=cast.assessment, actor=cast.alice, reason="复核")
    assert not AuditLog.objects.filter(action="onsite_reopen").exists()


# --- the round's phase ----------------------------------------------------------------------


def test_phase_moves_forward_one_step(cast):
    cast.round.phase = Phase.PREPARATION
    cast.round.save()
    round_phase_set(round=cast.round, actor=cast.alice, phase=Phase.SELF)
    round_phase_set(round=cast.round, actor=cast.alice, phase=Phase.ONSITE,
                    arrangements={cast.assessment.pk: "skip", cast.assessment2.pk: "skip"})
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.ONSITE
    assert list(AuditLog.objects.filter(action="round_phase").order_by("pk").values_list("old_value", "new_value")) == [
        (Phase.PREPARATION, Phase.SELF), (Phase.SELF, Phase.ONSITE)]


@pytest.mark.parametrize("start, target, message", [
    (Phase.SELF, Phase.NOTICE, "发布通报后自动进入"),
    (Phase.ONSITE, Phase.SELF, "只能依次向前推进"),
    (Phase.PREPARATION, Phase.ONSITE, "只能依次向前推进"),
    (Phase.ONSITE, Phase.ARCHIVED, "只能依次向前推进"),
    (Phase.SELF, "bogus", "未知的阶段"),
])
def test_phase_refusals(cast, start, target, message):
    Round.objects.filter(pk=cast.round.pk).update(phase=start)
    with pytest.raises(ServiceError, match=message):
        round_phase_set(round=cast.round, actor=cast.alice, phase=target)
    cast.round.refresh_from_db()
    assert cast.round.phase == start and not AuditLog.objects.filter(action="round_phase").exists()


@pytest.mark.parametrize("who", ["bob", "carol", "eve"])
def test_phase_is_for_the_township_admin(cast, who):
    with pytest.raises(ServiceError, match="只有本镇党委管理员"):
        round_phase_set(round=cast.round, actor=getattr(cast, who), phase=Phase.ONSITE)
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.SELF


def test_archive_after_the_notice(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE)
    round_phase_set(round=cast.round, actor=cast.root, phase=Phase.ARCHIVED)
    cast.round.refresh_from_db()
    assert cast.round.phase == Phase.ARCHIVED
