"""The audit chain: every AuditLog carries the hash of the one before it, so that a record
changed or deleted directly in the database is detected (manage.py verify_audit)."""

import datetime
import hashlib
import json

FIELDS = ("at", "actor_id", "action", "assessment_id", "item_id", "target", "field", "old_value", "new_value", "note")


def _value(record, name):
    value = getattr(record, name)
    if name == "at":
        return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def record_hash(record, prev_hash):
    """SHA-256 over the record's content and the previous record's hash."""
    content = {name: _value(record, name) for name in FIELDS}
    content["prev"] = prev_hash
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def chain_problems(records, head_hash, head_count):
    """Walk records (in id order) and yield (record id or None, problem) for every break."""
    prev, count = "", 0
    for record in records:
        count += 1
        if record.prev_hash != prev:
            yield record.pk, "上一条校验值不符（前面的记录被删除或修改）"
        if record.hash != record_hash(record, record.prev_hash):
            yield record.pk, "内容与校验值不符（本条记录被修改）"
        prev = record.hash
    if prev != head_hash or count != head_count:
        yield None, f"链尾不符：记录 {count} 条、应为 {head_count} 条（最新的记录被删除或伪造）"
