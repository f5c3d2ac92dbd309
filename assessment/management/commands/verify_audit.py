"""python manage.py verify_audit: check that no audit record was changed, deleted or forged
behind the application's back. Exits 1 and names the first broken records if the chain is
broken. `--head` prints the newest hash in full, for the operator to keep elsewhere (the
nightly cron mail); `--expect-head HASH` checks that a head kept earlier is still in the chain
(a chain rewritten with the key would have lost it; after rotate_audit_key keep the new one)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.audit import chain_problems
from assessment.models import AuditHead, AuditLog


class Command(BaseCommand):
    help = "核对操作记录的校验链，发现直接在数据库中修改、删除或伪造的记录"

    def add_arguments(self, parser):
        parser.add_argument("--head", action="store_true", help="输出完整的链尾校验值，供另行保存")
        parser.add_argument("--expect-head", metavar="HASH", help="核对以前保存的链尾校验值仍在链中")

    def handle(self, *args, **options):
        head = AuditHead.objects.filter(pk=1).first()
        head_hash, head_count = (head.hash, head.count) if head else ("", 0)
        records = AuditLog.objects.order_by("id").iterator(chunk_size=5000)
        problems = []
        for problem in chain_problems(records, head_hash, head_count):
            problems.append(problem)
            if len(problems) >= 20:
                break
        kept = options["expect_head"]
        if kept and not AuditLog.objects.filter(hash=kept.strip().lower()).exists():
            problems.append((None, _("以前保存的链尾 %(hash)s… 已不在链中（操作记录被改写）") % {"hash": kept[:16]}))
        if problems:
            for record_id, text in problems:
                self.stderr.write(f"操作记录 #{record_id}：{text}" if record_id else text)
            raise CommandError(f"操作记录校验失败：发现 {len(problems)} 处问题。")
        shown = head_hash if options["head"] else f"{head_hash[:16]}…"
        self.stdout.write(_("操作记录完整：共 %(n)s 条，链尾校验值 %(hash)s") % {"n": head_count, "hash": shown})
