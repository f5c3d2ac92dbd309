"""The audit chain: every AuditLog carries a keyed hash (HMAC-SHA256) of its content and of
the hash of the one before it, and AuditHead the newest hash and the count. A record changed,
deleted or forged directly in the database is detected (manage.py verify_audit), also when the
hashes were recomputed: that needs the key, which lives in the environment (AUDIT_KEY), not in
the database. `manage.py rotate_audit_key` signs the chain again with a new key after checking
it with the old one.

The database itself refuses UPDATE and DELETE of audit rows (a trigger on SQLite and on
PostgreSQL, the "guard"). Like the subtotals' triggers (assessment/subtotals.py) it lives
outside the migrations: dropped before `migrate` runs and installed again afterwards; `flush`
(tests, `restore`) drops it while it empties the tables and installs it again
(assessment/management/commands/flush.py); rotating the key lifts it inside its transaction.
"""

import datetime
import contextlib
import hashlib
import hmac
import json

from django.conf import settings

FIELDS = ("at", "actor_id", "action", "assessment_id", "item_id", "target", "field", "old_value", "new_value", "note")


def _value(record, name):
    value = getattr(record, name)
    if name == "at":
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def _content(record, prev_hash):
    content = {name: _value(record, name) for name in FIELDS}
    content["prev"] = prev_hash
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def record_hash(record, prev_hash, key=None):
    """HMAC-SHA256, with `key` (the setting AUDIT_KEY by default), over the record's content
    and the previous record's hash."""
    key = settings.AUDIT_KEY if key is None else key
    return hmac.new(key.encode("utf-8"), _content(record, prev_hash), hashlib.sha256).hexdigest()


def unkeyed_hash(record, prev_hash):
    """The plain SHA-256 the chain used before it was keyed (read once, when it is signed
    with a key for the first time: rotate_audit_key --from-unkeyed)."""
    return hashlib.sha256(_content(record, prev_hash)).hexdigest()


def chain_problems(records, head_hash, head_count, hasher=None):
    """Walk records (in id order) and yield (record id or None, problem) for every break.
    `hasher(record, prev_hash)` is record_hash with the current key unless given."""
    hasher = hasher or record_hash
    prev, count = "", 0
    for record in records:
        count += 1
        if record.prev_hash != prev:
            yield record.pk, "上一条校验值不符（前面的记录被删除或修改）"
        if not hmac.compare_digest(record.hash, hasher(record, record.prev_hash)):
            yield record.pk, "内容与校验值不符（本条记录被修改，或校验值不是用本系统的密钥算出的）"
        prev = record.hash
    if prev != head_hash or count != head_count:
        yield None, f"链尾不符：记录 {count} 条、应为 {head_count} 条（最新的记录被删除或伪造）"


# --- The guard: the database refuses UPDATE and DELETE of audit rows ------------------------

TABLE = "assessment_auditlog"
REFUSAL = "audit records are append-only"

SQLITE = [
    f"CREATE TRIGGER auditlog_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    f"CREATE TRIGGER auditlog_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS auditlog_no_update", "DROP TRIGGER IF EXISTS auditlog_no_delete"]

POSTGRESQL = [
    f"""CREATE FUNCTION assessment_auditlog_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{REFUSAL} (%)', TG_OP USING ERRCODE = 'restrict_violation';
END $$""",
    f"CREATE TRIGGER auditlog_append_only BEFORE UPDATE OR DELETE ON {TABLE}"
    " FOR EACH ROW EXECUTE FUNCTION assessment_auditlog_refuse()",
]
POSTGRESQL_DROP = ["DROP FUNCTION IF EXISTS assessment_auditlog_refuse() CASCADE"]


def _statements(connection, install):
    if connection.vendor == "postgresql":
        return POSTGRESQL_DROP + (POSTGRESQL if install else [])
    if connection.vendor == "sqlite":
        return SQLITE_DROP + (SQLITE if install else [])
    raise NotImplementedError(f"{TABLE} has no guard for {connection.vendor}")


def guard_install(connection):
    """(Re)create the guard, if the table exists."""
    if TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=True):
            cursor.execute(statement)


def guard_uninstall(connection):
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)


@contextlib.contextmanager
def guard_lifted(connection):
    """The guard dropped for the block (emptying the database, signing the chain again, a
    benchmark wiping its own data) and installed again afterwards, whatever happens."""
    guard_uninstall(connection)
    try:
        yield
    finally:
        guard_install(connection)


def guard_installed(connection):
    """The names of the guard's triggers the database has."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'auditlog%' AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'auditlog%'")
        return sorted(name for (name,) in cursor.fetchall())


def before_migrate(using, **kwargs):
    from django.db import connections

    guard_uninstall(connections[using])


def after_migrate(using, **kwargs):
    from django.db import connections

    guard_install(connections[using])


# --- Signing the chain again --------------------------------------------------------------------

def chain_resign(*, old_hasher, new_key, batch=2000):
    """Check the whole chain with `old_hasher`, then sign every record again with `new_key`, in
    one transaction (the guard lifted inside it). Returns the number of records; raises
    ValueError with the problems if the chain does not check out with the old key."""
    from django.db import connection, transaction

    from .models import AuditHead, AuditLog

    with transaction.atomic():
        head = AuditHead.objects.select_for_update().get_or_create(pk=1)[0]  # no appends meanwhile
        records = AuditLog.objects.order_by("id")
        problems = list(chain_problems(records.iterator(chunk_size=batch), head.hash, head.count, old_hasher))
        if problems:
            raise ValueError(problems)
        ids, prev = list(records.values_list("id", flat=True)), ""
        with guard_lifted(connection):
            for start in range(0, len(ids), batch):  # in batches of ids: no cursor open while writing
                chunk = list(records.filter(id__in=ids[start:start + batch]))
                for record in chunk:
                    record.prev_hash = prev
                    record.hash = prev = record_hash(record, prev, key=new_key)
                AuditLog.objects.bulk_update(chunk, ["prev_hash", "hash"])
        head.hash = prev
        head.save(update_fields=["hash"])
    return head.count
