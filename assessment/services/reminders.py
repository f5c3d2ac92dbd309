"""Reminders: the township admin reminds branch secretaries to finish their self-evaluation.

Each secretary gets an in-app message (站内消息) and, if they have an e-mail address,
an e-mail through Django's mail settings, sent after the messages are committed.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from assessment.models import Assessment, Message, Phase, Role, Status, User
from assessment.permissions import is_township_admin

from .base import ServiceError, audit

log = logging.getLogger(__name__)

REMINDABLE = (Status.NOT_STARTED, Status.SELF)


@dataclass
class ReminderResult:
    branches: int           # branches whose secretaries were reminded
    messages: int           # in-app messages created
    emails: int             # e-mails handed to the mail backend after commit
    skipped_submitted: int  # selected branches already submitted: not reminded
    without_secretary: int  # selected branches with no active secretary account


def self_reminders_send(*, round, actor, branch_ids, base_url=""):
    """Remind the secretaries of the branches `branch_ids` of `round` to finish their
    self-evaluation. Ids that are not branches of this round are ignored; branches that
    have already submitted are skipped. `base_url` (e.g. "https://huayu.example/")
    makes the link in the e-mail absolute."""
    if not is_township_admin(actor) or not (actor.is_superuser or actor.township_id == round.township_id):
        raise ServiceError(_("只有本镇党委管理员可以发送提醒。"))
    if round.phase != Phase.SELF:
        raise ServiceError(_("“%(round)s”不在自评阶段，不能发送自评提醒。") % {"round": round.name})
    ids = set()
    for value in branch_ids:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    if not ids:
        raise ServiceError(_("请至少选择一个党支部。"))

    with transaction.atomic():
        selected = list(
            Assessment.objects.filter(round=round, branch_id__in=ids)
            .select_related("branch")
            .annotate(
                total_items=Count("scores"),
                scored_items=Count("scores", filter=Q(scores__self_score__isnull=False)),
            )
            .order_by("branch__order", "branch__name")
        )
        if not selected:
            raise ServiceError(_("所选党支部不在本考核批次中。"))
        assessments = [a for a in selected if a.status in REMINDABLE]
        secretaries = {}
        for user in User.objects.filter(
            role=Role.SECRETARY, is_active=True, branch_id__in=[a.branch_id for a in assessments]
        ).order_by("pk"):
            secretaries.setdefault(user.branch_id, []).append(user)

        messages, emails, reminded = [], [], 0
        for assessment in assessments:
            recipients = secretaries.get(assessment.branch_id, [])
            if not recipients:
                continue
            reminded += 1
            deadline = assessment.self_deadline or round.self_end
            link = reverse("selfeval-checklist", kwargs={"pk": assessment.pk})
            text = _(
                "【%(round)s】请于%(deadline)s前完成“%(branch)s”的支部对照自评并提交。"
                "目前已评 %(scored)s/%(total)s 项。"
            ) % {
                "round": round.name,
                "deadline": formats.date_format(deadline, "DATE_FORMAT") if deadline else _("截止日期"),
                "branch": assessment.branch.name,
                "scored": assessment.scored_items,
                "total": assessment.total_items,
            }
            for user in recipients:
                messages.append(Message(user=user, text=text, link=link))
                if user.email:
                    url = base_url.rstrip("/") + link if base_url else link
                    emails.append((user.email, text + "\n\n" + _("打开自评清单：%(url)s") % {"url": url}))
            audit(actor=actor, action="reminder", assessment=assessment,
                  note=_("提醒 %(n)s 人") % {"n": len(recipients)})
        Message.objects.bulk_create(messages)
        subject = _("自评提醒：%(round)s") % {"round": round.name}
        transaction.on_commit(lambda: send_emails(subject, emails))

    return ReminderResult(
        branches=reminded,
        messages=len(messages),
        emails=len(emails),
        skipped_submitted=len(selected) - len(assessments),
        without_secretary=len(assessments) - reminded,
    )


def send_emails(subject, emails):
    """After commit: one e-mail per (address, body); a failing mail server is logged, not
    raised (the in-app messages are already there)."""
    if not emails:
        return
    try:
        with get_connection() as connection:
            for address, body in emails:
                try:
                    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection)
                except Exception:
                    log.exception("reminder e-mail to %s could not be sent", address)
    except Exception:
        log.exception("reminder e-mails could not be sent")


def messages_mark_read(*, user, message_ids):
    """Mark the user's messages `message_ids` read (someone else's are left alone)."""
    if not message_ids:
        return 0
    return Message.objects.filter(user_id=user.pk, pk__in=message_ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )
