"""整改提醒: run by cron (python manage.py send_reminders), safe to run twice a day.

Each branch secretary is told about their items due within DUE_SOON_DAYS days
(stage 整改即将到期) and their overdue items (stage 整改已逾期); the township admin is
told about every overdue item of the township (stage 整改已逾期). Each reminder goes
once per item, person and stage: the Reminder rows are written in the same transaction
as the in-app messages; e-mails go after commit, only to users with an address.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from assessment.models import (
    Message, Phase, Rectification, RectificationStatus, Reminder, ReminderStage, Role, User,
)

from .base import audit
from .reminders import send_emails


DUE_SOON_DAYS = 3
OPEN = (RectificationStatus.PENDING, RectificationStatus.REPORTED)


@dataclass
class RectificationReminderResult:
    due_soon: int = 0   # reminders of items due soon (to secretaries)
    overdue: int = 0    # reminders of overdue items (to secretaries and admins)
    messages: int = 0   # in-app messages created
    emails: int = 0     # e-mails handed to the mail backend after commit (one per person)

    def summary(self):
        return _("整改提醒：即将到期 %(soon)s 条，逾期 %(overdue)s 条，站内消息 %(messages)s 条，邮件 %(emails)s 封。") % {
            "soon": self.due_soon, "overdue": self.overdue, "messages": self.messages, "emails": self.emails}


def _text(stage, r, for_admin):
    values = {"round": r.assessment.round.name, "branch": r.assessment.branch.name, "problem": r.problem[:40],
              "deadline": formats.date_format(r.deadline, "DATE_FORMAT")}
    if for_admin:
        return _("【%(round)s】%(branch)s的整改事项“%(problem)s”已逾期（整改时限 %(deadline)s），请督促整改。") % values
    if stage == ReminderStage.DUE_SOON:
        return _("【%(round)s】整改事项“%(problem)s”将于 %(deadline)s 到期，请按时整改并报告整改情况。") % values
    return _("【%(round)s】整改事项“%(problem)s”已于 %(deadline)s 逾期，请尽快整改并报告整改情况。") % values


def rectification_reminders_send(*, today=None, base_url=""):
    """Send the reminders due on `today` (default: today) that have not been sent yet.
    `base_url` (e.g. "https://huayu.example/") makes the links in e-mails absolute."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    result = RectificationReminderResult()
    with transaction.atomic():
        # Lock the items concerned: a second run at the same moment waits, then sees these reminders.
        items = list(
            Rectification.objects.select_for_update(of=("self",))
            .filter(status__in=OPEN, deadline__lte=soon, assessment__round__phase=Phase.NOTICE,
                    assessment__round__published_at__isnull=False)
            .filter(Q(status=RectificationStatus.PENDING) | Q(deadline__lt=today))
            .select_related("assessment__round", "assessment__branch")
            .order_by("deadline", "pk")
        )
        if not items:
            return result
        branch_ids = {r.assessment.branch_id for r in items}
        township_ids = {r.assessment.round.township_id for r in items}
        secretaries, admins = defaultdict(list), defaultdict(list)
        for user in User.objects.filter(is_active=True).filter(
            Q(role=Role.SECRETARY, branch_id__in=branch_ids) | Q(role=Role.ADMIN, township_id__in=township_ids)
        ).order_by("pk"):
            if user.role == Role.SECRETARY:
                secretaries[user.branch_id].append(user)
            else:
                admins[user.township_id].append(user)
        sent = set(Reminder.objects.filter(rectification__in=items).values_list("rectification_id", "user_id", "stage"))

        reminders, messages, mails = [], [], defaultdict(list)
        for r in items:
            overdue = r.deadline < today
            stage = ReminderStage.OVERDUE if overdue else ReminderStage.DUE_SOON
            recipients = []
            if r.status == RectificationStatus.PENDING:
                recipients += [(user, False) for user in secretaries[r.assessment.branch_id]]
            if overdue:
                recipients += [(user, True) for user in admins[r.assessment.round.township_id]]
            link = reverse("rectification-detail", args=[r.pk])
            for user, for_admin in recipients:
                if (r.pk, user.pk, stage) in sent:
                    continue
                sent.add((r.pk, user.pk, stage))
                text = _text(stage, r, for_admin)
                reminders.append(Reminder(user=user, rectification=r, stage=stage))
                messages.append(Message(user=user, text=text, link=link))
                if overdue:
                    result.overdue += 1
                else:
                    result.due_soon += 1
                if user.email:
                    url = base_url.rstrip("/") + link if base_url else link
                    mails[user.email].append(f"{text}\n{url}")
        if not reminders:
            return result
        Reminder.objects.bulk_create(reminders)
        Message.objects.bulk_create(messages)
        audit(actor=None, action="rectification_reminders", target=today.isoformat(),
              note=_("即将到期 %(soon)s 条，逾期 %(overdue)s 条") % {"soon": result.due_soon, "overdue": result.overdue})
        result.messages = len(messages)
        result.emails = len(mails)
        subject = _("整改提醒")
        emails = [(address, "\n\n".join(lines)) for address, lines in mails.items()]
        transaction.on_commit(lambda: send_emails(subject, emails))
    return result


