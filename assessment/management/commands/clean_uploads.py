"""python manage.py clean_uploads [--dry-run]: remove stored files no record has owned for more
than a day, and temporary upload files a killed worker left (assessment/cleanup.py). Nightly
from cron, on every app server (each has its own temporary folder)."""

import datetime

from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat

from assessment.cleanup import STORED_AGE, TEMP_AGE, clean_uploads


class Command(BaseCommand):
    help = "删除超过一天无记录的上传文件和残留的临时上传文件"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出，不删除")
        parser.add_argument("--hours", type=float, default=STORED_AGE.total_seconds() / 3600,
                            help="无记录的上传文件超过多少小时才删除（默认 24）")
        parser.add_argument("--temp-hours", type=float, default=TEMP_AGE.total_seconds() / 3600,
                            help="临时上传文件超过多少小时才删除（默认 1）")

    def handle(self, *args, dry_run=False, hours=24, temp_hours=1, verbosity=1, **options):
        cleaned = clean_uploads(stored_age=datetime.timedelta(hours=hours),
                                temp_age=datetime.timedelta(hours=temp_hours), dry_run=dry_run)
        if verbosity >= 2 or dry_run:
            for name, _size in cleaned.orphans:
                self.stdout.write(f"  {name}")
            for path, _size in cleaned.temp_files:
                self.stdout.write(f"  {path}")
        verb = "将删除" if dry_run else "已删除"
        self.stdout.write(f"{verb} {len(cleaned.orphans)} 个无记录的上传文件、{len(cleaned.temp_files)} 个残留的临时上传文件，"
                          f"共 {filesizeformat(cleaned.bytes)}。" + ("（试运行，未删除任何文件）" if dry_run else ""))
