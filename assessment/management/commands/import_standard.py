"""python manage.py import_standard FILE [--dry-run] [--name NAME]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.importers import StandardImportError, read_standard
from assessment.services.base import ServiceError
from assessment.services.standards import standard_import


class Command(BaseCommand):
    help = _("从Excel（.xlsx）导入考核标准；同名标准已存在时导入为新版本。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("考核标准的Excel文件（.xlsx）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只读取并检查，不写入数据库"))
        parser.add_argument("--name", help=_("考核标准名称（默认取表格标题）"))

    def handle(self, *args, file, dry_run, name, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(file)s") % {"file": file})
        try:
            parsed = read_standard(path)
        except StandardImportError as error:
            raise CommandError(error.message)
        if name:
            parsed.name = name.strip()[:200]
        if dry_run:
            self.stdout.write(_("试运行，未写入：") + parsed.summary())
            return
        try:
            standard_import(parsed=parsed)
        except ServiceError as error:
            raise CommandError(error.message)
        self.stdout.write(self.style.SUCCESS(parsed.summary()))
