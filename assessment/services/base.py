from django.db import transaction
from django.utils import timezone

from assessment.audit import record_hash
from assessment.models import AuditHead, AuditLog


class ServiceError(Exception):
    """A refusal a person can read: shown as a message, nothing changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


class InvalidInput(ServiceError):
    """The value itself is wrong (HTTP 400), as opposed to a refusal (HTTP 403)."""


def _text(value):
    return "" if value is None else str(value)


def audit(*, actor, action, assessment=None, item=None, target="", field="", old=None, new=None, note=""):
    """Append one audit record, chained to the one before it. Call inside the service's
    transaction: the chain's head row stays locked until that transaction ends."""
    record = AuditLog(
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        assessment=assessment,
        item=item,
        target=target or (str(assessment) if assessment else ""),
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        note=note,
    )
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        record.prev_hash = head.hash
        record.hash = record_hash(record, head.hash)
        record.save()
        head.hash, head.count = record.hash, head.count + 1
        head.save(update_fields=["hash", "count"])
    return record


def status_advance(*, locked, actor, from_status, to_status, action):
    """The first change of a phase moves the (locked) assessment on, e.g. 未开始 → 自评中 on the
    first self score or file, 已提交 → 考评中 on the first on-site score; audited."""
    if locked.status == from_status:
        audit(actor=actor, action=action, assessment=locked, field="status", old=locked.status, new=to_status)
        locked.status = to_status
        locked.save(update_fields=["status", "updated_at"])
