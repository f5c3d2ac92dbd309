"""The county's writes (县委组织部): a round opened in every township of the county at once.

A county round (CountyRound) is one Round per township of the county, with the county's
standard and one self-evaluation deadline; each township's admin then runs its own round's
phases as for any round (services.rounds)."""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from assessment.models import CountyRound, Role, Round, Standard, Township, User

from .base import InvalidInput, ServiceError, audit
from .notify import notify
from .rounds import round_prepare

NAME_MAX = 200


def is_county_of(actor, county):
    """The superuser, or a county user (县委组织部) of `county`."""
    return actor.is_superuser or (actor.role == Role.COUNTY and actor.county_id == county.pk)


@transaction.atomic
def county_round_open(*, county, actor, name, year, standard, self_start=None, self_end=None):
    """Open the round `name` in every township of `county` at once: a CountyRound and one Round
    per township (准备阶段, each branch's assessment made), with `standard` (the county's, or one
    shared by every township) and the same self-evaluation dates. Each township's admin is told.
    Audited: one record for the county round, one per township round."""
    if not is_county_of(actor, county):
        raise ServiceError(_("只有本县的县委组织部可以开启全县考核批次。"))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("请填写考核批次名称。"))
    if len(name) > NAME_MAX:
        raise InvalidInput(_("考核批次名称不能超过%(max)d个字。") % {"max": NAME_MAX})
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput(_("年度须在2000至2100之间。"))
    if standard is None or standard.township_id or (standard.county_id and standard.county_id != county.pk):
        raise InvalidInput(_("请选择本县发布的考核标准（或各乡镇通用的考核标准）。"))
    for value in (self_start, self_end):
        if value is not None and not isinstance(value, datetime.date):
            raise InvalidInput(_("日期格式不正确。"))
    if self_start and self_end and self_end < self_start:
        raise InvalidInput(_("自评截止日期不能早于自评开始日期。"))
    if not standard.items.exists():
        raise InvalidInput(_("所选考核标准没有考核项目。"))
    townships = list(Township.objects.select_for_update().filter(county=county).order_by("name"))
    if not townships:
        raise ServiceError(_("本县还没有乡镇，不能开启全县考核批次。"))
    if CountyRound.objects.filter(county=county, name=name).exists():
        raise ServiceError(_("本县已有名为“%(name)s”的考核批次。") % {"name": name})
    taken = list(Round.objects.filter(township__in=townships, name=name).values_list("township__name", flat=True))
    if taken:
        raise ServiceError(_("%(townships)s已有名为“%(name)s”的考核批次，请换一个名称。") % {
            "townships": "、".join(taken), "name": name})
    county_round = CountyRound.objects.create(county=county, standard=standard, name=name, year=year,
                                              self_end=self_end, created_by=actor if actor.pk else None)
    audit(actor=actor, action="county_round_open", target=f"{county.name} {name}",
          note=_("%(n)d个乡镇；考核标准：%(standard)s") % {"n": len(townships), "standard": standard})
    for township in townships:
        round = Round.objects.create(township=township, standard=standard, name=name, year=year,
                                     self_start=self_start, self_end=self_end, county_round=county_round)
        round_prepare(round=round, actor=actor)
        audit(actor=actor, action="county_round_township", target=f"{township.name} {name}")
        admins = User.objects.filter(role=Role.ADMIN, township=township, is_active=True).values_list("pk", flat=True)
        notify(user_ids=admins, link=reverse("round-detail", args=[round.pk]), topic=f"county_round:{county_round.pk}",
               text=_("%(county)s县委组织部开启了“%(name)s”，请安排本镇自评。") % {"county": county.name, "name": name})
    return county_round


def county_standards(county):
    """The standards a county round of `county` may use: the county's, then those shared by
    every township; the newest version first."""
    return (Standard.objects.filter(township__isnull=True).filter(Q(county=county) | Q(county__isnull=True))
            .order_by(F("county_id").desc(nulls_last=True), "name", "-version"))
