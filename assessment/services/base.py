from assessment.models import AuditLog


class ServiceError(Exception):
    """A refusal a person can read: shown as a message, nothing changed."""

    def __init__(self, message):
        super().__init__(message)
        self.message = str(message)


def _text(value):
    return "" if value is None else str(value)


def audit(*, actor, action, assessment=None, item=None, target="", field="", old=None, new=None, note=""):
    """Append one audit record. Call inside the service's transaction."""
    return AuditLog.objects.create(
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
