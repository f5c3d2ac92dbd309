"""An archived round accepts no rectification report, close (销号) or return (issue 11, finding 8):
the service refuses with a Chinese message and changes nothing; the pages show it."""

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Phase, Rectification, RectificationStatus
from assessment.services.base import ServiceError
from assessment.services.rectifications import rectification_report, rectification_return, rectification_verify
from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)

ARCHIVED = "该考核批次已归档，整改事项不能再报告、销号或退回。"


def archive(published):  # noqa: F811
    published.round.phase = Phase.ARCHIVED
    published.round.save(update_fields=["phase"])


def state():
    r = Rectification.objects.get()
    return r.status, r.measures, r.verified_by_id, AuditLog.objects.count()


def test_no_report_in_an_archived_round(published):  # noqa: F811
    archive(published)
    before = state()
    with pytest.raises(ServiceError, match=ARCHIVED):
        rectification_report(rectification=published.rect, actor=published.carol, measures="已补齐")
    assert state() == before


@pytest.mark.parametrize("action", ["verify", "return"])
def test_no_close_or_return_in_an_archived_round(published, action):  # noqa: F811
    rectification_report(rectification=published.rect, actor=published.carol, measures="已补齐")
    archive(published)
    before = state()
    with pytest.raises(ServiceError, match=ARCHIVED):
        if action == "verify":
            rectification_verify(rectification=published.rect, actor=published.alice, note="通过")
        else:
            rectification_return(rectification=published.rect, actor=published.alice, reason="不够")
    assert state() == before == (RectificationStatus.REPORTED, "已补齐", None, before[3])


def test_the_pages_refuse_it_too(client, published):  # noqa: F811
    archive(published)
    client.force_login(published.carol)
    response = client.post(reverse("rectification-report", args=[published.rect.pk]), {"measures": "已补齐"})
    assert response.status_code in (302, 403)
    assert Rectification.objects.get().status == RectificationStatus.PENDING
    html = client.get(reverse("rectification-detail", args=[published.rect.pk]), follow=True).content.decode()
    assert ARCHIVED in html
