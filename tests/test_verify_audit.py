"""The audit records are a hash chain: a change made directly in the database is detected."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessment.models import AuditHead, AuditLog
from assessment.services.base import audit


@pytest.fixture
def chain(cast):
    for n in range(5):
        audit(actor=cast.carol, action="self_score", assessment=cast.assessment, field="self_score", old=None, new=n)
    return cast


def test_an_untouched_chain_verifies(chain, capsys):
    call_command("verify_audit")
    assert "操作记录完整" in capsys.readouterr().out
    records = list(AuditLog.objects.order_by("id"))
    assert all(b.prev_hash == a.hash for a, b in zip(records, records[1:]))
    assert AuditHead.objects.get().hash == records[-1].hash


def test_a_changed_value_is_detected(chain, capsys):
    record = AuditLog.objects.filter(action="self_score").order_by("id")[2]
    AuditLog.objects.filter(pk=record.pk).update(new_value="100")  # behind the app's back
    with pytest.raises(CommandError, match="校验失败"):
        call_command("verify_audit")
    assert f"#{record.pk}" in capsys.readouterr().err


def test_a_deleted_record_is_detected(chain, capsys):
    record = AuditLog.objects.filter(action="self_score").order_by("id")[1]
    AuditLog.objects.filter(pk=record.pk).delete()
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "上一条校验值不符" in capsys.readouterr().err


def test_deleting_the_newest_record_is_detected(chain, capsys):
    AuditLog.objects.order_by("-id").first().delete()
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "链尾不符" in capsys.readouterr().err


def test_a_forged_record_with_a_recomputed_hash_still_breaks_the_head(chain):
    from assessment.audit import record_hash

    last = AuditLog.objects.order_by("-id").first()
    forged = AuditLog(at=last.at, action="self_score", new_value="伪造", prev_hash=last.hash)
    forged.hash = record_hash(forged, last.hash)
    forged.save()
    with pytest.raises(CommandError):
        call_command("verify_audit")
