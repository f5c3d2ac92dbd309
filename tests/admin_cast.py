"""Rows of every kind the admin shows, in both townships of the cast, for the admin tests.

Everything of the other township (其他镇) carries 外镇 or 其他镇 in its text, and the other
county 外县, so that a page showing it is caught by a plain search of its HTML.
"""

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.utils import timezone

from assessment.models import AuditLog, BonusClaim, Message, Rectification, Standard, VetoFinding
from assessment.models_spot import SpotCheck, SpotSample, SpotScore
from assessment.services.base import audit
from assessment.services.evidence import bonus_claim_save, evidence_add
from tests.conftest import make_standard
from tests.test_uploads import png_bytes, upload

FOREIGN_MARKERS = ("外镇", "其他镇", "外县")


class Foreign:
    """One row of every model, of the other township."""


def build(cast):
    c = cast
    for user, name in ((c.eve, "外镇管理员"), (c.frank, "外镇书记")):
        user.display_name = name
        user.is_staff = user.role == "admin"
        user.save()
    c.alice.is_staff = True
    c.alice.save()
    f = Foreign()
    f.township, f.branch, f.round, f.assessment = c.other_township, c.other_branch, c.other_round, c.other_assessment
    f.user = c.frank
    f.county = c.other_county
    f.standard = make_standard(name="外镇考核标准")
    Standard.objects.filter(pk=f.standard.pk).update(township=c.other_township)
    f.standard.refresh_from_db()
    f.item = f.standard.items.order_by("number").first()
    item = c.standard.items.order_by("number").first()
    f.score = f.assessment.scores.get(item=item)
    f.evidence = evidence_add(assessment=f.assessment, actor=c.frank, upload=upload("外镇合影.png", png_bytes()),
                              item=item)
    f.bonusclaim = bonus_claim_save(assessment=f.assessment, bonus=c.standard.bonuses.first(), actor=c.frank,
                                    note="外镇申报")
    f.vetofinding = VetoFinding.objects.create(assessment=f.assessment, veto=c.standard.vetoes.first(),
                                               note="外镇否决", recorded_by=c.eve)
    f.rectification = Rectification.objects.create(
        assessment=f.assessment, item=item, problem="外镇问题", requirement="外镇要求",
        deadline=datetime.date.today(), status="reported", measures="外镇措施", reported_at=timezone.now())
    f.message = Message.objects.create(user=c.frank, text="外镇消息")
    f.auditlog = audit(actor=c.eve, action="onsite_veto_add", assessment=f.assessment, target="外镇否决")
    f.group = Group.objects.create(name="外镇考评组")
    # 抽查复核 of 外县 (the superuser's alone in the admin)
    f.spotcheck = SpotCheck.objects.create(county=c.other_county, year=2026, name="外县抽查复核", method="chosen",
                                           drawn_by=c.waixian)
    f.spotsample = SpotSample.objects.create(spot_check=f.spotcheck, assessment=f.assessment, reason="ticked")
    f.spotscore = SpotScore.objects.create(sample=f.spotsample, item=item, points=item.points, reason="外县复核")
    common = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "frank", "http_accept": "*/*",
              "path_info": "/accounts/login/"}
    f.accessattempt = AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=1)
    f.accesslog = AccessLog.objects.create(**common)
    f.accessfailurelog = AccessFailureLog.objects.create(**common)
    # and of the cast's own township, for the pages that list them
    BonusClaim.objects.get_or_create(assessment=c.assessment, bonus=c.standard.bonuses.first())
    Message.objects.create(user=c.carol, text="提醒")
    assert AuditLog.objects.filter(pk=f.auditlog.pk).exists()
    return f


def of_model(foreign, model):
    """The other township's row of `model`, or None (a model the test does not cover)."""
    return getattr(foreign, model._meta.model_name, None)
