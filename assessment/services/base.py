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


def audit_record(*, actor, action, assessment=None, item=None, target="", field="", old=None, new=None, note=""):
    """An audit record not yet written: for `audit_many`."""
    return AuditLog(
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


def audit(*, actor, action, assessment=None, item=None, target="", field="", old=None, new=None, note=""):
    """Append one audit record, chained to the one before it. Call inside the service's
    transaction: the chain's head row stays locked until that transaction ends."""
    record = audit_record(actor=actor, action=action, assessment=assessment, item=item, target=target,
                          field=field, old=old, new=new, note=note)
    audit_many([record])
    return record


def audit_many(records):
    """Append records (from `audit_record`) to the chain in their order, with one lock of its head
    and one INSERT: an import of 1,000 branches writes its 2,000 records at once, a save of one
    item its changed fields' records. Three statements (lock the head, insert, move the head);
    inside the caller's transaction when there is one (no savepoint of its own), else in its own."""
    if not records:
        return
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        prev = head.hash
        for record in records:
            record.prev_hash = prev
            record.hash = prev = record_hash(record, prev)
        if len(records) == 1:
            records[0].save()
        else:
            AuditLog.objects.bulk_create(records, batch_size=500)
        head.hash, head.count = prev, head.count + len(records)
        head.save(update_fields=["hash", "count"])


def status_advance(*, locked, actor, from_status, to_status, action, records=None):
    """The first change of a phase moves the (locked) assessment on, e.g. 未开始 → 自评中 on the
    first self score or file, 已提交 → 考评中 on the first on-site score; audited (the record
    appended to `records` when given, for the caller's audit_many, else written now)."""
    if locked.status == from_status:
        record = audit_record(actor=actor, action=action, assessment=locked, field="status", old=locked.status,
                              new=to_status)
        if records is None:
            audit_many([record])
        else:
            records.append(record)
        locked.status = to_status
        locked.save(update_fields=["status", "updated_at"])
