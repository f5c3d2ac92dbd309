"""No state the pages can reach is a dead end.

The walker starts from a round in 准备 with two branches and tries, in every state it reaches,
every step the pages offer (each a service call, as the view makes it): the admin moves the
round on (choosing more time or 未自评 for the branches not submitted) or back with a reason,
returns a self-evaluation, marks a branch 未自评, reopens a finalised one, publishes the
notice, verifies or returns a rectification; a secretary self-scores, submits, reports a
rectification; an assessor scores on site and finalises. A step the service refuses is not
taken. Every state reached is walked again from, until no new state appears.

From every state, it then follows the next steps the homes show, and must reach a published
notice. Each attempt runs in a savepoint and is rolled back, so every state is tried as reached.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from assessment.models import Assessment, Branch, Phase, Rectification, RectificationStatus, Round, Score, Status
from assessment.services import notice, onsite, rectifications, rounds, selfeval
from assessment.services.base import ServiceError

TODAY = timezone.localdate()
BRANCHES = (0,)  # the walk's round has one branch (化峪村)


# --- the steps the pages offer ---------------------------------------------------------------------

def _round(cast):
    return Round.objects.get(pk=cast.round.pk)


def _assessment(cast, index):
    a = Assessment.objects.select_related("round", "branch").get(pk=(cast.assessment, cast.assessment2)[index].pk)
    return a


def _secretary(cast, index):
    return (cast.carol, cast.dave)[index]


def self_complete(cast, index):
    a = _assessment(cast, index)
    for score in Score.objects.filter(assessment=a, self_score__isnull=True).select_related("item"):
        selfeval.self_score_record(assessment=a, item=score.item, actor=_secretary(cast, index),
                                   score=score.points, note="")


def self_submit(cast, index):
    selfeval.self_evaluation_submit(assessment=_assessment(cast, index), actor=_secretary(cast, index))


def self_return(cast, index):
    selfeval.self_evaluation_return(assessment=_assessment(cast, index), actor=cast.alice, reason="请补充材料")


def self_skip(cast, index):
    rounds.self_evaluation_skip(assessment=_assessment(cast, index), actor=cast.alice)


def onsite_complete(cast, index):
    """An assessor scores every item; the first is deducted and marked for rectification."""
    a = _assessment(cast, index)
    for score in Score.objects.filter(assessment=a, onsite_score__isnull=True).select_related("item"):
        first = score.item.number == 1
        onsite.onsite_score_record(assessment=a, item=score.item, actor=cast.bob,
                                   score=score.points - (1 if first else 0), reason="记录不全" if first else "",
                                   needs_rectification=first, requirement="", version=score.version)


def onsite_finalise(cast, index):
    onsite.onsite_finalise(assessment=_assessment(cast, index), actor=cast.bob, assessors_present="bob",
                           date=TODAY)


def onsite_reopen(cast, index):
    onsite.onsite_reopen(assessment=_assessment(cast, index), actor=cast.alice, reason="复核")


def phase_forward(arrangement):
    def step(cast):
        r = _round(cast)
        target = rounds.phase_next(r)
        if target is None:
            raise ServiceError("no next phase")
        pending = r.assessments.filter(status__in=rounds.UNSUBMITTED).values_list("pk", flat=True)
        rounds.round_phase_set(round=r, actor=cast.alice, phase=target,
                               arrangements={pk: arrangement for pk in pending},
                               until=TODAY + datetime.timedelta(days=5))
    return step


def phase_back(cast):
    rounds.round_phase_back(round=_round(cast), actor=cast.alice, reason="退回重来")


def publish(cast):
    r = _round(cast)
    notice.rectifications_propose(round=r, actor=cast.alice)
    notice.notice_publish(round=r, actor=cast.alice, number="化党发〔2026〕3号")


def _open_item(cast, status):
    item = Rectification.objects.filter(assessment__round=cast.round, status=status).order_by("pk").first()
    if item is None:
        raise ServiceError("no such item")
    return item


def rect_report(cast):
    item = _open_item(cast, RectificationStatus.PENDING)
    index = 0 if item.assessment_id == cast.assessment.pk else 1
    rectifications.rectification_report(rectification=item, actor=_secretary(cast, index), measures="已整改")


def rect_verify(cast):
    rectifications.rectification_verify(rectification=_open_item(cast, RectificationStatus.REPORTED), actor=cast.alice)


def rect_return(cast):
    rectifications.rectification_return(rectification=_open_item(cast, RectificationStatus.REPORTED),
                                        actor=cast.alice, reason="不够具体")


def per_branch(step):
    return [(step.__name__, lambda cast: step(cast, 0))]


STEPS = [
    ("forward(skip)", phase_forward(rounds.SKIP)), ("forward(late)", phase_forward(rounds.LATE)),
    ("back", phase_back), ("publish", publish), ("rect_report", rect_report), ("rect_verify", rect_verify),
    ("rect_return", rect_return),
    *per_branch(self_complete), *per_branch(self_submit), *per_branch(self_return), *per_branch(self_skip),
    *per_branch(onsite_complete), *per_branch(onsite_finalise), *per_branch(onsite_reopen),
]


def state(cast):
    r = _round(cast)
    return (
        r.phase, r.published_at is not None,
        tuple(Assessment.objects.filter(round=r).order_by("pk").values_list("status", "self_late")),
        tuple(Assessment.objects.filter(round=r).order_by("pk").values_list("returned_reason", flat=True)),
        tuple(Score.objects.filter(assessment__round=r).exclude(self_score=None).count() for _ in (0,)),
        tuple(Score.objects.filter(assessment__round=r).exclude(onsite_score=None).count() for _ in (0,)),
        tuple(Rectification.objects.filter(assessment__round=r).order_by("pk").values_list("status", flat=True)),
    )


# --- the next steps the homes show, followed to the notice ---------------------------------------------

def to_the_notice(cast):
    """Follow what each home offers next until the notice is published; the path taken."""
    path = []
    for _ in range(12):
        r = _round(cast)
        if r.published_at is not None:
            return path
        if r.phase == Phase.PREPARATION:
            phase_forward(rounds.SKIP)(cast)
            path.append("admin: 进入自评阶段")
        elif r.phase == Phase.SELF:
            for i in BRANCHES:
                if _assessment(cast, i).status in rounds.UNSUBMITTED:
                    self_complete(cast, i)
                    self_submit(cast, i)
                    path.append(f"secretary {i}: 提交自评")
            phase_forward(rounds.SKIP)(cast)
            path.append("admin: 进入现场考评阶段")
        elif r.phase == Phase.ONSITE:
            for i in BRANCHES:
                a = _assessment(cast, i)
                if a.status in rounds.UNSUBMITTED:  # given more time: submit, or the admin stops waiting
                    self_skip(cast, i)
                    path.append(f"admin: {i} 按未自评考评")
                if _assessment(cast, i).status != Status.FINALISED:
                    onsite_complete(cast, i)
                    onsite_finalise(cast, i)
                    path.append(f"assessor: {i} 考评完成")
            publish(cast)
            path.append("admin: 发布通报")
        else:
            raise AssertionError(f"{r.phase} without a published notice")
    raise AssertionError(f"no notice after {path}")


def walk(cast, seen, trail, problems, depth=0):
    key = state(cast)
    if key in seen or depth > 14:
        return
    seen.add(key)
    with transaction.atomic():
        try:
            to_the_notice(cast)
        except (ServiceError, AssertionError) as error:
            problems.append((trail, key, str(error)))
        transaction.set_rollback(True)
    for name, step in STEPS:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    step(cast)
            except ServiceError:
                transaction.set_rollback(True)
                continue
            walk(cast, seen, trail + [name], problems, depth + 1)
            transaction.set_rollback(True)


@pytest.mark.django_db
def test_every_reachable_state_leads_to_a_published_notice(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.PREPARATION)
    Assessment.objects.filter(round=cast.round).update(status=Status.NOT_STARTED)
    Score.objects.filter(assessment__round=cast.round, item__number__gt=2).delete()  # two items are enough
    # One branch: the states of two are the product of those of one (the choice per branch is
    # tested in tests/views/test_onsite_round_phase.py); the walk stays a few seconds.
    cast.assessment2.delete()
    Branch.objects.filter(pk=cast.branch2.pk).update(township=cast.other_township)
    seen, problems = set(), []
    walk(cast, seen, [], problems)
    phases = {key[0] for key in seen}
    statuses = {status for key in seen for status, _late in key[2]}
    # the walk reached every phase and every status, the states after a step back included
    assert phases == set(Phase.values)
    assert statuses == set(Status.values)
    assert any(late for key in seen for _status, late in key[2])  # more time given
    assert problems == [], problems[:3]
    assert len(seen) > 20


def test_before_the_fix_on_site_without_a_choice_was_a_dead_end(cast):
    """What the walker found: the on-site phase entered while a branch had not submitted left it
    unable to self-evaluate or be scored, and the notice unpublishable. Now the admin must choose."""
    with pytest.raises(ServiceError, match="请为每个支部选择"):
        rounds.round_phase_set(round=cast.round, actor=cast.alice, phase=Phase.ONSITE)
    assert _round(cast).phase == Phase.SELF
