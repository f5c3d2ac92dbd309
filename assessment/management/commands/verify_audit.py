"""python manage.py verify_audit: check that no audit record was changed or deleted behind
the application's back. Exits 1 and names the first broken records if the chain is broken."""

from django.core.management.base import BaseCommand, CommandError

from assessment.audit import chain_problems
from assessment.models import AuditHead, AuditLog


class Command(BaseCommand):
    help = "核对操作记录的校验链，发现直接在数据库中修改或删除的记录"

    def handle(self, *args, **options):
        head = AuditHead.objects.filter(pk=1).first()
        head_hash, head_count = (head.hash, head.count) if head else ("", 0)
        records = AuditLog.objects.order_by("id").iterator(chunk_size=5000)
        problems = []
        for problem in chain_problems(records, head_hash, head_count):
            problems.append(problem)
            if len(problems) >= 20:
                break
        if problems:
            for record_id, text in problems:
                self.stderr.write(f"操作记录 #{record_id}：{text}" if record_id else text)
            raise CommandError(f"操作记录校验失败：发现 {len(problems)} 处问题。")
        self.stdout.write(f"操作记录完整：共 {head_count} 条，链尾校验值 {head_hash[:16]}…")
