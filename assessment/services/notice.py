"""通报: the township prepares the notice (proposed rectification items, drafts it
may add by hand, edit or remove) and publishes it, which opens the rectification phase.
"""

import datetime
import re

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessment.models import (
    Assessment, Message, Phase, Rectification, RectificationStatus, Role, Round, Score, Status, User,
)
from assessment.permissions import is_township_admin

from .base import ServiceError, audit

TEXT_MAX = 2000
DEFAULT_REQUIREMENT = gettext_lazy("对照评分标准逐项整改到位。")
# Refusals the view also gives for an id that names no branch or item at all.
NOT_A_BRANCH_OF_ROUND = gettext_lazy("请选择本批次考核的党支部。")
NOT_AN_ITEM_OF_STANDARD = gettext_lazy("请选择本批次考核标准中的考核项目，或选“不对应具体考核项目”。")


def _check_admin(actor, round):
    if not (actor.is_superuser or (is_township_admin(actor) and actor.township_id == round.township_id)):
        raise ServiceError(_("只有本镇党委管理员可以办理通报。"))


def _check_preparing(round):
    if round.published_at is not None:
        raise ServiceError(_("通报已于 %(at)s 发布，不能再修改拟整改事项。") % {
            "at": formats.date_format(timezone.localtime(round.published_at), "DATETIME_FORMAT")})
    if round.phase not in (Phase.ONSITE, Phase.NOTICE):
        raise ServiceError(_("现场考评开始后才能准备通报（当前为“%(phase)s”）。") % {"phase": round.get_phase_display()})


def _locked_round(round):
    return Round.objects.select_for_update().get(pk=round.pk)


def default_deadline(round, today=None):
    """整改时限 of a new item: today + the round's 整改天数."""
    return (today or timezone.localdate()) + datetime.timedelta(days=round.rectification_days)


def _secretaries(round, **filters):
    """Branch id → the name of its active secretary: the default 责任人 of a new item."""
    names = {}
    for user in User.objects.filter(role=Role.SECRETARY, branch__township=round.township_id, is_active=True,
                                    **filters):
        names.setdefault(user.branch_id, str(user))
    return names


def _cleaned(problem, requirement, deadline, responsible):
    """The draft's texts stripped and checked (responsible cut to 100), or a ServiceError."""
    problem, requirement, responsible = problem.strip(), requirement.strip(), responsible.strip()
    if not problem or not requirement:
        raise ServiceError(_("存在问题和整改要求都不能为空。"))
    if len(problem) > TEXT_MAX or len(requirement) > TEXT_MAX:
        raise ServiceError(_("存在问题和整改要求不能超过 %(n)s 字。") % {"n": TEXT_MAX})
    if deadline is None or deadline < timezone.localdate():
        raise ServiceError(_("整改时限不能早于今天。"))
    return problem, requirement, deadline, responsible[:100]


@transaction.atomic
def rectifications_propose(*, round, actor, include_deductions=False, today=None):
    """Make a draft rectification for every item marked on site (and, by the switch,
    every item with a deduction) of the finalised branches. Existing drafts are kept."""
    round = _locked_round(round)
    _check_admin(actor, round)
    _check_preparing(round)
    scores = Score.objects.filter(assessment__round=round, assessment__status=Status.FINALISED)
    if include_deductions:
        scores = scores.filter(needs_rectification=True) | scores.filter(onsite_score__lt=F("points"))
    else:
        scores = scores.filter(needs_rectification=True)
    have = set(Rectification.objects.filter(assessment__round=round).values_list("assessment_id", "item_id"))
    secretaries = _secretaries(round)
    deadline = default_deadline(round, today)
    created = []
    for score in scores.select_related("item", "assessment").order_by("assessment_id", "item__number"):
        if (score.assessment_id, score.item_id) in have:
            continue
        lost = score.points - (score.onsite_score if score.onsite_score is not None else score.points)
        problem = score.deduction_reason.strip() or (_("%(content)s（扣%(lost)s分）") % {
            "content": score.item.content[:60], "lost": f"{lost.normalize():f}"} if lost else score.item.content[:60])
        created.append(Rectification(
            assessment_id=score.assessment_id, item_id=score.item_id, problem=problem,
            requirement=score.requirement.strip() or str(DEFAULT_REQUIREMENT),
            deadline=deadline, responsible=secretaries.get(score.assessment.branch_id, ""),
            status=RectificationStatus.DRAFT,
        ))
    Rectification.objects.bulk_create(created)
    audit(actor=actor, action="rectification_propose", target=str(round), note=str(len(created)))
    return len(created)


def _draft_for_change(rectification, actor):
    locked = Rectification.objects.select_for_update().select_related("assessment__round").get(pk=rectification.pk)
    round = locked.assessment.round
    _check_admin(actor, round)
    _check_preparing(round)
    if locked.status != RectificationStatus.DRAFT:
        raise ServiceError(_("只能修改尚未发布的拟整改事项。"))
    return locked


@transaction.atomic
def rectification_draft_update(*, rectification, actor, problem, requirement, deadline, responsible):
    locked = _draft_for_change(rectification, actor)
    problem, requirement, deadline, responsible = _cleaned(problem, requirement, deadline, responsible)
    for field, value in (("problem", problem), ("requirement", requirement), ("deadline", deadline),
                         ("responsible", responsible)):
        old = getattr(locked, field)
        if old != value:
            audit(actor=actor, action="rectification_draft", assessment=locked.assessment, item=locked.item,
                  field=field, old=old, new=value)
            setattr(locked, field, value)
    locked.save()
    return locked


@transaction.atomic
def rectification_draft_add(*, round, actor, assessment, item, problem, requirement, deadline, responsible):
    """A draft added by hand: a problem seen on site, of an item (`item`) or of the branch as a
    whole (`item` None). The branch must be 考评完成; an item already listed is not listed twice."""
    round = _locked_round(round)
    _check_admin(actor, round)
    _check_preparing(round)
    if assessment is None or assessment.round_id != round.pk:
        raise ServiceError(NOT_A_BRANCH_OF_ROUND)
    if item is not None and item.standard_id != round.standard_id:
        raise ServiceError(NOT_AN_ITEM_OF_STANDARD)
    assessment = Assessment.objects.select_for_update(of=("self",)).select_related("branch").get(pk=assessment.pk)
    if assessment.status != Status.FINALISED:
        raise ServiceError(_("%(branch)s尚未完成现场考评（当前为“%(status)s”），考评完成后才能列入整改事项。") % {
            "branch": assessment.branch.name, "status": assessment.get_status_display()})
    if item is not None and Rectification.objects.filter(assessment=assessment, item=item).exists():
        raise ServiceError(_("%(branch)s的第 %(number)s 项已列入整改事项，请在下方列表中修改该项。") % {
            "branch": assessment.branch.name, "number": item.number})
    problem, requirement, deadline, responsible = _cleaned(problem, requirement, deadline, responsible)
    rectification = Rectification.objects.create(
        assessment=assessment, item=item, problem=problem, requirement=requirement, deadline=deadline,
        responsible=responsible or _secretaries(round, branch=assessment.branch_id).get(assessment.branch_id, ""),
        status=RectificationStatus.DRAFT,
    )
    audit(actor=actor, action="rectification_draft_add", assessment=assessment, item=item, new=problem,
          note=_("整改时限 %(deadline)s，责任人 %(who)s") % {
              "deadline": deadline.isoformat(), "who": rectification.responsible or "—"})
    return rectification


@transaction.atomic
def rectification_draft_remove(*, rectification, actor):
    locked = _draft_for_change(rectification, actor)
    audit(actor=actor, action="rectification_draft_remove", assessment=locked.assessment, item=locked.item,
          old=locked.problem)
    locked.delete()


NUMBER_MAX = 50
NUMBER_EXAMPLE = "化党发〔2026〕3号"
# 发文机关代字〔年份〕序号号 (GB/T 9704). Typed by hand it comes with [ ] ［ ］ ( ) （ ） or 【】 for
# 〔〕, full-width digits and stray spaces; all are accepted and written the one way.
NUMBER_SHAPE = re.compile(r"(?P<issuer>[^\d〔〕]{1,20})〔(?P<year>\d{4})〕(?P<serial>\d{1,5})号")
NUMBER_BRACKETS = str.maketrans("[［(（【", "〔〔〔〔〔") | str.maketrans("]］)）】", "〕〕〕〕〕")
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def notice_number_cleaned(value):
    """The 文号 written the one way (化党发〔2026〕3号), or a ServiceError saying what is wrong."""
    number = "".join((value or "").split()).translate(FULL_WIDTH_DIGITS).translate(NUMBER_BRACKETS)
    if not number:
        raise ServiceError(_("请填写文号（例如：%(example)s）后再发布。") % {"example": NUMBER_EXAMPLE})
    if len(number) > NUMBER_MAX:
        raise ServiceError(_("文号不能超过 %(n)s 个字。") % {"n": NUMBER_MAX})
    shape = NUMBER_SHAPE.fullmatch(number)
    if not shape or not 1 <= int(shape["serial"]) or not 2000 <= int(shape["year"]) <= 2099:
        raise ServiceError(_("文号“%(number)s”的写法不对：应为发文机关代字、〔年份〕和序号，例如：%(example)s。") % {
            "number": value.strip(), "example": NUMBER_EXAMPLE})
    return f"{shape['issuer']}〔{shape['year']}〕{int(shape['serial'])}号"


@transaction.atomic
def notice_publish(*, round, actor, text="", number=""):
    """Publish the notice under its 文号 (e.g. 化党发〔2026〕3号, required; written the one way and
    not used by another notice of the township): every branch sees its result and its
    rectification items."""
    round = _locked_round(round)
    _check_admin(actor, round)
    _check_preparing(round)
    if len(text) > 20000:
        raise ServiceError(_("通报正文过长。"))
    assessments = Assessment.objects.select_for_update().filter(round=round)
    unfinished = [a for a in assessments.select_related("branch") if a.status != Status.FINALISED]
    if unfinished:
        names = "、".join(a.branch.name for a in unfinished[:5])
        raise ServiceError(_("还有 %(n)s 个支部未完成现场考评（%(names)s%(more)s），不能发布通报。") % {
            "n": len(unfinished), "names": names, "more": _("等") if len(unfinished) > 5 else ""})
    number = notice_number_cleaned(number)
    taken = Round.objects.filter(township_id=round.township_id, notice_number=number).exclude(pk=round.pk).first()
    if taken is not None:
        raise ServiceError(_("文号 %(number)s 已用于“%(round)s”的通报，请换一个序号。") % {
            "number": number, "round": taken.name})
    now = timezone.now()
    round.phase = Phase.NOTICE
    round.published_at = now
    round.published_by = actor
    round.notice_text = text.strip()
    round.notice_date = timezone.localdate()
    round.notice_number = number
    round.save(update_fields=["phase", "published_at", "published_by", "notice_text", "notice_date",
                              "notice_number"])
    assessments.update(status=Status.PUBLISHED)
    pending = Rectification.objects.filter(assessment__round=round, status=RectificationStatus.DRAFT)
    count = pending.update(status=RectificationStatus.PENDING)
    link = reverse("notice-detail", args=[round.pk])
    Message.objects.bulk_create([
        Message(user=user, text=_("%(round)s 考核结果已通报，请查看本支部的得分、等次和整改事项。") % {"round": round.name},
                link=link)
        for user in User.objects.filter(role=Role.SECRETARY, branch__township=round.township_id, is_active=True)
    ])
    audit(actor=actor, action="notice_publish", target=str(round), old=Phase.ONSITE, new=Phase.NOTICE,
          note=_("文号 %(number)s，整改事项 %(n)s 项") % {"number": number, "n": count})
    return round


DAYS_MAX = 365


@transaction.atomic
def round_rectification_days_set(*, round, actor, days):
    """The default number of days a branch has to rectify (整改天数), used for new proposals."""
    round = _locked_round(round)
    _check_admin(actor, round)
    _check_preparing(round)
    if days is None or not 1 <= days <= DAYS_MAX:
        raise ServiceError(_("整改天数应在 1 到 %(n)s 天之间。") % {"n": DAYS_MAX})
    if round.rectification_days != days:
        audit(actor=actor, action="round_rectification_days", target=str(round), field="rectification_days",
              old=round.rectification_days, new=days)
        round.rectification_days = days
        round.save(update_fields=["rectification_days"])
    return round


@transaction.atomic
def notice_text_save(*, round, actor, text):
    """Keep the draft of the notice text, so that the preview shows it before publication."""
    round = _locked_round(round)
    _check_admin(actor, round)
    _check_preparing(round)
    text = text.strip()
    if len(text) > 20000:
        raise ServiceError(_("通报正文过长。"))
    if round.notice_text != text:
        audit(actor=actor, action="notice_text", target=str(round), field="notice_text",
              old=round.notice_text, new=text)
        round.notice_text = text
        round.save(update_fields=["notice_text"])
    return round
