"""python manage.py send_reminders: due-soon and overdue rectification reminders, each once."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessment.models import Item, Message, Rectification, RectificationStatus, Reminder, ReminderStage
from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def due(published):  # noqa: F811
    """化峪村: item 1 due in 2 days; item 2 overdue. 西段村: item 3 overdue but reported, item 4 due in 10 days."""
    c = published
    c.carol.email = "carol@example.com"
    c.carol.save()
    c.alice.email = "alice@example.com"
    c.alice.save()
    Rectification.objects.filter(pk=c.rect.pk).update(deadline=TODAY + datetime.timedelta(days=2))
    item = lambda n: Item.objects.get(standard=c.standard, number=n)  # noqa: E731
    c.overdue = Rectification.objects.create(assessment=c.assessment, item=item(2), problem="逾期问题", requirement="r",
                                             deadline=TODAY - datetime.timedelta(days=1))
    c.reported = Rectification.objects.create(assessment=c.assessment2, item=item(3), problem="已报告", requirement="r",
                                              deadline=TODAY - datetime.timedelta(days=1),
                                              status=RectificationStatus.REPORTED)
    Rectification.objects.create(assessment=c.assessment2, item=item(4), problem="不急", requirement="r",
                                 deadline=TODAY + datetime.timedelta(days=10))
    Rectification.objects.create(assessment=c.assessment, item=item(5), problem="已销号", requirement="r",
                                 deadline=TODAY - datetime.timedelta(days=3), status=RectificationStatus.CLOSED)
    Message.objects.all().delete()
    return c


def run(today=TODAY):
    out = StringIO()
    call_command("send_reminders", "--today", today.isoformat(), stdout=out)
    return out.getvalue().strip()


def test_reminders_once_per_item_person_and_stage(due, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = run()
    assert summary == "整改提醒：即将到期 1 条，逾期 3 条，站内消息 4 条，邮件 2 封。"
    got = set(Reminder.objects.values_list("user__username", "rectification__problem", "stage"))
    assert got == {
        ("carol", "换届材料不全", ReminderStage.DUE_SOON),
        ("carol", "逾期问题", ReminderStage.OVERDUE),
        ("alice", "逾期问题", ReminderStage.OVERDUE),
        ("alice", "已报告", ReminderStage.OVERDUE),
    }
    soon = Message.objects.get(user=due.carol, text__contains="换届材料不全")
    assert "将于 2026年12月3日 到期" in soon.text and soon.link == f"/rectifications/{due.rect.pk}/"
    assert "已于 2026年11月30日 逾期" in Message.objects.get(user=due.carol, text__contains="逾期问题").text
    assert Message.objects.filter(user=due.alice, text__contains="化峪村的整改事项“逾期问题”已逾期").exists()
    assert not Message.objects.filter(user__in=[due.dave, due.bob, due.eve, due.frank]).exists()
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.com", "carol@example.com"]
    carol_mail = next(m for m in mailoutbox if m.to == ["carol@example.com"])
    assert "换届材料不全" in carol_mail.body and "逾期问题" in carol_mail.body

    # Twice a day: nothing new the second time.
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == "整改提醒：即将到期 0 条，逾期 0 条，站内消息 0 条，邮件 0 封。"
    assert Message.objects.count() == 4 and len(mailoutbox) == 2

    # Days later the due-soon item is overdue: a new stage, reminded once more.
    with django_capture_on_commit_callbacks(execute=True):
        assert run(TODAY + datetime.timedelta(days=5)).startswith("整改提醒：即将到期 0 条，逾期 2 条")
    assert Reminder.objects.filter(rectification=due.rect, stage=ReminderStage.OVERDUE).count() == 2


def test_nothing_before_publication(finalised):  # noqa: F811
    from assessment.services.notice import rectifications_propose
    rectifications_propose(round=finalised.round, actor=finalised.alice)
    Rectification.objects.update(deadline=TODAY - datetime.timedelta(days=1))
    assert run().startswith("整改提醒：即将到期 0 条，逾期 0 条")
    assert not Message.objects.exists()


def test_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--today", "明天")
