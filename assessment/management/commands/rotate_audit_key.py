"""python manage.py rotate_audit_key: sign the audit chain again with a new key.

    1. keep the old key:      AUDIT_KEY_OLD=<the key in use until now>
    2. set the new one:       AUDIT_KEY=<the new key>
    3. run this command with both in its environment; it checks the whole chain with the old
       key and, only if it checks out, signs every record again with the new key (one
       transaction). Then restart the app servers with the new AUDIT_KEY only.

`--from-unkeyed` signs a chain written before the chain was keyed (plain SHA-256) for the
first time, after checking it the old way. Run it as a database user that may lift the
guard (the owner of the tables), not as a restricted app user.
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.audit import chain_resign, record_hash, unkeyed_hash


class Command(BaseCommand):
    help = "更换操作记录校验链的密钥：先用旧密钥核对整条链，再用新密钥（AUDIT_KEY）重新签名"

    def add_arguments(self, parser):
        parser.add_argument("--old-key-env", default="AUDIT_KEY_OLD",
                            help="存放旧密钥的环境变量名（默认 AUDIT_KEY_OLD）")
        parser.add_argument("--from-unkeyed", action="store_true",
                            help="旧链尚未使用密钥（升级前写入的记录）：按旧的算法核对后用新密钥签名")

    def handle(self, *args, **options):
        if options["from_unkeyed"]:
            old_hasher = unkeyed_hash
        else:
            old_key = os.environ.get(options["old_key_env"], "")
            if not old_key:
                raise CommandError(_("请在环境变量 %(name)s 中给出旧密钥。") % {"name": options["old_key_env"]})
            if old_key == settings.AUDIT_KEY:
                raise CommandError(_("新密钥（AUDIT_KEY）与旧密钥相同，无需更换。"))

            def old_hasher(record, prev_hash):
                return record_hash(record, prev_hash, key=old_key)

        try:
            count = chain_resign(old_hasher=old_hasher, new_key=settings.AUDIT_KEY)
        except ValueError as error:
            for record_id, text in error.args[0][:20]:
                self.stderr.write(_("操作记录 #%(id)s：%(text)s") % {"id": record_id, "text": text} if record_id else text)
            raise CommandError(_("用旧密钥核对操作记录失败，未作任何更改。")) from None
        self.stdout.write(_("已用新密钥重新签名 %(n)s 条操作记录。请让应用只使用新的 AUDIT_KEY，"
                            "并记下新的链尾（manage.py verify_audit --head）。") % {"n": count})
