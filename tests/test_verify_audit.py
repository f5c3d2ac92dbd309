"""The audit records are a keyed hash chain: a change made directly in the database is
detected, also when the hashes were recomputed without the key; the database refuses to
change or delete them at all unless its guard is lifted (as the owner of the tables could)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from assessment.audit import guard_install, guard_installed, guard_uninstall, record_hash, unkeyed_hash
from assessment.models import AuditHead, AuditLog
from assessment.services.base import audit


@pytest.fixture
def chain(cast):
    for n in range(5):
        audit(actor=cast.carol, action="self_score", assessment=cast.assessment, field="self_score", old=None, new=n)
    return cast


@pytest.fixture
def unguarded(chain):
    """The guard lifted, as whoever owns the tables could (rolled back with the test)."""
    guard_uninstall(connection)
    return chain


def test_an_untouched_chain_verifies(chain, capsys):
    call_command("verify_audit")
    assert "操作记录完整" in capsys.readouterr().out
    records = list(AuditLog.objects.order_by("id"))
    assert all(b.prev_hash == a.hash for a, b in zip(records, records[1:]))
    assert AuditHead.objects.get().hash == records[-1].hash


def test_a_changed_value_is_detected(unguarded, capsys):
    record = AuditLog.objects.filter(action="self_score").order_by("id")[2]
    AuditLog.objects.filter(pk=record.pk).update(new_value="100")  # behind the app's back
    with pytest.raises(CommandError, match="校验失败"):
        call_command("verify_audit")
    assert f"#{record.pk}" in capsys.readouterr().err


def test_a_deleted_record_is_detected(unguarded, capsys):
    record = AuditLog.objects.filter(action="self_score").order_by("id")[1]
    AuditLog.objects.filter(pk=record.pk).delete()
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "上一条校验值不符" in capsys.readouterr().err


def test_deleting_the_newest_record_is_detected(unguarded, capsys):
    AuditLog.objects.order_by("-id").first().delete()
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert "链尾不符" in capsys.readouterr().err


def test_a_forged_record_with_a_recomputed_hash_still_breaks_the_head(chain):
    last = AuditLog.objects.order_by("-id").first()
    forged = AuditLog(at=last.at, action="self_score", new_value="伪造", prev_hash=last.hash)
    forged.hash = record_hash(forged, last.hash)
    forged.save()
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_the_database_refuses_to_change_or_delete_an_audit_record(chain):
    assert guard_installed(connection)
    record = AuditLog.objects.filter(action="self_score").order_by("id").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLog.objects.filter(pk=record.pk).update(new_value="100")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLog.objects.filter(pk=record.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        record.assessment.delete()  # would take its audit records with it
    assert AuditLog.objects.get(pk=record.pk).new_value == record.new_value
    call_command("verify_audit")


def _rewrite(hasher):
    """Every hash and the head recomputed with `hasher`, as someone who can write the database would."""
    prev = ""
    for record in AuditLog.objects.order_by("id"):
        record.prev_hash = prev
        record.hash = prev = hasher(record, prev)
        record.save(update_fields=["prev_hash", "hash"])
    AuditHead.objects.filter(pk=1).update(hash=prev)


@pytest.mark.parametrize("hasher", [unkeyed_hash, lambda r, p: record_hash(r, p, key="a-guessed-key")],
                         ids=["sha256", "guessed-key"])
def test_hashes_recomputed_without_the_key_are_detected(unguarded, hasher, capsys):
    record = AuditLog.objects.filter(action="self_score").order_by("id")[2]
    AuditLog.objects.filter(pk=record.pk).update(new_value="100")
    _rewrite(hasher)
    with pytest.raises(CommandError, match="校验失败"):
        call_command("verify_audit")
    assert "校验值不是用本系统的密钥算出的" in capsys.readouterr().err


def test_head_is_printed_in_full_and_checked_later(chain, capsys):
    call_command("verify_audit", "--head")
    head = AuditHead.objects.get().hash
    assert head in capsys.readouterr().out
    audit(actor=chain.carol, action="self_score", assessment=chain.assessment, new=9)
    call_command("verify_audit", "--expect-head", head)  # still in the chain
    with pytest.raises(CommandError):
        call_command("verify_audit", "--expect-head", "0" * 64)
    assert "已不在链中" in capsys.readouterr().err


def test_rotating_the_key_signs_the_chain_again(chain, settings, monkeypatch, capsys):
    old_key, kept = settings.AUDIT_KEY, AuditHead.objects.get().hash
    settings.AUDIT_KEY = "a-new-audit-key-" + "n" * 40
    with pytest.raises(CommandError):
        call_command("verify_audit")  # the new key does not check the old signatures
    with pytest.raises(CommandError, match="AUDIT_KEY_OLD"):
        call_command("rotate_audit_key")
    monkeypatch.setenv("AUDIT_KEY_OLD", old_key)
    call_command("rotate_audit_key")
    assert "重新签名 7 条" in capsys.readouterr().out  # the two rounds prepared and five scores
    call_command("verify_audit")
    assert guard_installed(connection)  # the guard is back
    with pytest.raises(CommandError):
        call_command("verify_audit", "--expect-head", kept)  # a kept head is gone after a rotation
    audit(actor=chain.carol, action="self_score", assessment=chain.assessment, new=9)
    call_command("verify_audit")
    settings.AUDIT_KEY = old_key
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_rotating_refuses_a_chain_the_old_key_does_not_check(unguarded, settings, monkeypatch):
    old_key = settings.AUDIT_KEY
    AuditLog.objects.filter(pk=AuditLog.objects.order_by("id")[1].pk).update(new_value="100")
    guard_install(connection)
    before = list(AuditLog.objects.order_by("id").values_list("hash", flat=True))
    settings.AUDIT_KEY = "a-new-audit-key-" + "n" * 40
    monkeypatch.setenv("AUDIT_KEY_OLD", old_key)
    with pytest.raises(CommandError, match="未作任何更改"):
        call_command("rotate_audit_key")
    assert list(AuditLog.objects.order_by("id").values_list("hash", flat=True)) == before


def test_a_chain_from_before_the_key_is_signed_once(unguarded, capsys):
    _rewrite(unkeyed_hash)  # as the version before wrote it
    guard_install(connection)
    with pytest.raises(CommandError):
        call_command("verify_audit")
    call_command("rotate_audit_key", "--from-unkeyed")
    call_command("verify_audit")
    assert "操作记录完整：共 7 条" in capsys.readouterr().out


def test_flush_empties_the_audit_records_and_keeps_the_guard(transactional_db):
    # committed, as between the tests that need a live server (PostgreSQL refuses to TRUNCATE
    # tables written earlier in the same transaction)
    audit(actor=None, action="round_prepare", target="2026年度")
    call_command("flush", interactive=False, verbosity=0)
    assert AuditLog.objects.count() == 0
    assert guard_installed(connection)
