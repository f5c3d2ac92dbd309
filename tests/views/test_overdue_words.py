"""逾期 and 待核验: an item reported by its deadline waits for the township (待核验), it is not
overdue; overdue is an item not reported by the deadline, or returned and not reported again.
A returned item keeps no old 完成时间."""

import datetime

from django.urls import reverse
from django.utils import timezone

from assessment.models import Phase, Rectification, RectificationStatus, Round, Status
from assessment.services.rectifications import rectification_report, rectification_return


def published(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE, published_at=timezone.now())
    cast.round.assessments.update(status=Status.PUBLISHED)


def item(cast, days, status=RectificationStatus.PENDING):
    return Rectification.objects.create(assessment=cast.assessment, problem="会议记录不全", requirement="补齐",
                                        deadline=timezone.localdate() + datetime.timedelta(days=days), status=status)


def test_reported_before_the_deadline_is_awaiting_verification_not_overdue(client, cast):
    published(cast)
    item(cast, -3, RectificationStatus.REPORTED)
    item(cast, -3)
    client.force_login(cast.alice)
    html = client.get(reverse("rectification-board", args=[cast.round.pk])).content.decode()
    assert 'id="overdue-count">1<' in html and 'id="reported-count">1<' in html


def test_a_returned_item_keeps_no_old_completion_time_and_is_overdue_again(client, cast):
    published(cast)
    r = item(cast, 2)
    rectification_report(rectification=r, actor=cast.carol, measures="已补齐")
    rectification_return(rectification=r, actor=cast.alice, reason="不够具体")
    r.refresh_from_db()
    assert r.status == RectificationStatus.PENDING and r.reported_at is None
    Rectification.objects.filter(pk=r.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    r.refresh_from_db()
    assert r.is_overdue()
    client.force_login(cast.carol)
    html = client.get(reverse("rectification-detail", args=[r.pk])).content.decode()
    assert "完成时间" not in html and "（逾期）" in html
