"""The scenario of the permission table (tests/test_permissions.py): the cast's township runs
five rounds of one standard side by side, one per state a page can be in, so that every page
can answer 200 for the right user.

    self        自评阶段; 化峪村 自评中 (every item scored, a photo on item 1, bonus 加1 claimed)
    submitted   自评阶段; 化峪村 已提交
    onsite      现场考评阶段; 化峪村 考评中 (every item scored on site, the bonus claim undecided);
                西段村 已提交, with a veto finding (for the admin's pages)
    finalised   现场考评阶段; both branches 考评完成, 拟整改 drafts proposed (not published)
    published   通报整改阶段; the notice published; 化峪村 has one 待整改 item and one 已报告整改 item

The cast's own round (cast.round) is the `self` round. Every URL the table tests is about
化峪村, carol's branch: dave (西段村) is the other branch of the same township; eve and frank
are of another township.
"""

import datetime
from decimal import Decimal

from django.db.models import F

from assessment.models import (
    Item, Phase, Rectification, RectificationStatus, Round, Score, Status, VetoFinding,
)
from assessment.services.evidence import bonus_claim_save, evidence_add
from assessment.services.notice import notice_publish, rectifications_propose
from assessment.services.rectifications import rectification_report
from assessment.services.rounds import round_prepare
from tests.test_uploads import png_bytes, upload


class State:
    """One round and the objects of 化峪村 in it that the URLs point at."""

    def __init__(self, round, cast):
        self.round = round
        self.assessment = round.assessments.get(branch=cast.branch)
        self.assessment2 = round.assessments.get(branch=cast.branch2)
        self.item = Item.objects.get(standard=round.standard, number=1)
        self.veto = round.standard.vetoes.first()
        self.bonus = round.standard.bonuses.first()
        self.evidence = None
        self.claim = None
        self.draft = None
        self.rect_pending = None
        self.rect_reported = None


class Scenario:
    def __init__(self, cast):
        self.cast = cast
        self.states = {}

    def __getitem__(self, name):
        return self.states[name]


def _round(cast, name, phase):
    today = datetime.date.today()
    round = Round.objects.create(
        township=cast.township, standard=cast.standard, name=name, year=2026, phase=phase,
        self_start=today - datetime.timedelta(days=5), self_end=today + datetime.timedelta(days=10),
    )
    round_prepare(round=round)
    return round


def _self_scored(assessment, status):
    """Every item self-scored at full points; the assessment moved to `status`."""
    Score.objects.filter(assessment=assessment).update(self_score=F("points"), self_note="对照检查")
    assessment.status = status
    if status == Status.SUBMITTED:
        assessment.submitted_at = datetime.datetime.now(datetime.timezone.utc)
    assessment.save()


def _onsite_scored(assessment, status, deducted=(1,)):
    """Every item scored on site at full points, except the items numbered `deducted`
    (half a point off, with a reason, marked for rectification); moved to `status`."""
    Score.objects.filter(assessment=assessment).update(onsite_score=F("points"))
    Score.objects.filter(assessment=assessment, item__number__in=deducted).update(
        onsite_score=F("points") - Decimal("0.5"), deduction_reason="会议记录不全",
        needs_rectification=True, requirement="补齐会议记录",
    )
    assessment.status = status
    if status == Status.FINALISED:
        assessment.finalised_at = datetime.datetime.now(datetime.timezone.utc)
        assessment.onsite_date = datetime.date.today()
        assessment.assessors_present = "bob"
    assessment.save()


def build(cast):
    c = cast
    s = Scenario(c)

    # 自评阶段, 化峪村 自评中: the cast's own round.
    self_ = s.states["self"] = State(c.round, c)
    _self_scored(self_.assessment, Status.SELF)
    self_.evidence = evidence_add(assessment=self_.assessment, actor=c.carol,
                                  upload=upload("支部活动.png", png_bytes()), item=self_.item)
    assert self_.evidence.thumbnail, "the photo has a stored thumbnail"
    self_.claim = bonus_claim_save(assessment=self_.assessment, bonus=self_.bonus, actor=c.carol,
                                   note="获评县级先进基层党组织")

    # 自评阶段, 化峪村 已提交.
    submitted = s.states["submitted"] = State(_round(c, "2026年度补充考核（已提交）", Phase.SELF), c)
    _self_scored(submitted.assessment, Status.SUBMITTED)

    # 现场考评阶段, 化峪村 考评中 with an undecided bonus claim; 西段村 已提交.
    onsite = s.states["onsite"] = State(_round(c, "2026年度补充考核（考评中）", Phase.SELF), c)
    onsite.claim = bonus_claim_save(assessment=onsite.assessment, bonus=onsite.bonus, actor=c.carol,
                                    note="获评县级先进基层党组织")
    for a in (onsite.assessment, onsite.assessment2):
        _self_scored(a, Status.SUBMITTED)
    _to_phase(onsite.round, Phase.ONSITE)
    _onsite_scored(onsite.assessment, Status.ONSITE)
    VetoFinding.objects.create(assessment=onsite.assessment2, veto=onsite.veto, note="材料存疑", recorded_by=c.bob)

    # 现场考评阶段, both 考评完成; the notice prepared with 拟整改 drafts.
    finalised = s.states["finalised"] = State(_round(c, "2026年度补充考核（考评完成）", Phase.SELF), c)
    for a in (finalised.assessment, finalised.assessment2):
        _self_scored(a, Status.SUBMITTED)
    _to_phase(finalised.round, Phase.ONSITE)
    for a in (finalised.assessment, finalised.assessment2):
        _onsite_scored(a, Status.FINALISED)
    assert rectifications_propose(round=finalised.round, actor=c.alice) == 2
    finalised.draft = Rectification.objects.get(assessment=finalised.assessment)
    assert finalised.draft.status == RectificationStatus.DRAFT

    # 通报整改阶段: published; 化峪村 has a 待整改 item (1) and an 已报告整改 item (2).
    published = s.states["published"] = State(_round(c, "2025年度规范化建设考核验收", Phase.SELF), c)
    for a in (published.assessment, published.assessment2):
        _self_scored(a, Status.SUBMITTED)
    _to_phase(published.round, Phase.ONSITE)
    _onsite_scored(published.assessment, Status.FINALISED, deducted=(1, 2))
    _onsite_scored(published.assessment2, Status.FINALISED)
    rectifications_propose(round=published.round, actor=c.alice)
    notice_publish(round=published.round, actor=c.alice, text="现将考核结果通报如下。", number="化党发〔2026〕3号")
    published.round.refresh_from_db()
    mine = Rectification.objects.filter(assessment=published.assessment).order_by("item__number")
    published.rect_pending, published.rect_reported = mine
    published.rect_reported = rectification_report(rectification=published.rect_reported, actor=c.carol,
                                                   measures="已补齐会议记录")
    published.rect_pending.refresh_from_db()
    assert published.rect_pending.status == RectificationStatus.PENDING
    assert published.rect_reported.status == RectificationStatus.REPORTED
    for state in s.states.values():
        state.assessment.refresh_from_db()
        state.round.refresh_from_db()
    return s


def _to_phase(round, phase):
    round.phase = phase
    round.save(update_fields=["phase"])

