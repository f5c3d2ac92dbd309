"""python manage.py import_standard FILE [--dry-run] [--name NAME] [--map 考核内容=C,分值=E]

Reads .xlsx, .xls and Word (.docx) tables; prints what was assumed (the same warnings
as the admin preview), then the summary."""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.importers import StandardImportError, field_for, read_standard
from assessment.services.base import ServiceError
from assessment.services.standards import standard_import


def parse_mapping(text):
    """{field: column letter} from '考核内容=C,分值=E' (a field's name, a header word or its key)."""
    mapping = {}
    for part in re.split(r"[,，;；]", text or ""):
        if not part.strip():
            continue
        name, sep, letter = part.partition("=")
        key = field_for(name)
        if not sep or key is None:
            raise CommandError(_("--map 中的“%(part)s”无法识别，应写作“考核内容=C,分值=E”。") % {"part": part.strip()})
        if letter.strip() and not re.fullmatch(r"[A-Za-z]{1,2}", letter.strip()):
            raise CommandError(_("--map 中的“%(part)s”：列应写作字母，如C。") % {"part": part.strip()})
        mapping[key] = letter.strip().upper()
    return mapping


class Command(BaseCommand):
    help = _("从Excel（.xlsx、.xls）或Word（.docx）表格导入考核标准；同名标准已存在时导入为新版本。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("考核标准文件（.xlsx、.xls或.docx）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只读取并检查，不写入数据库"))
        parser.add_argument("--name", help=_("考核标准名称（默认取表格标题）"))
        parser.add_argument("--map", dest="mapping", default="",
                            help=_("指定各列对应的内容，如“考核内容=C,分值=E”；列留空表示不导入该项"))

    def handle(self, *args, file, dry_run, name, mapping, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(file)s") % {"file": file})
        try:
            parsed = read_standard(path, mapping=parse_mapping(mapping))
        except StandardImportError as error:
            raise CommandError(error.message)
        if name:
            parsed.name = name.strip()[:200]
        for warning in parsed.warnings:
            self.stdout.write(self.style.WARNING(_("提示：") + warning))
        if dry_run:
            self.stdout.write(_("试运行，未写入：") + parsed.summary())
            return
        try:
            standard_import(parsed=parsed)
        except ServiceError as error:
            raise CommandError(error.message)
        self.stdout.write(self.style.SUCCESS(parsed.summary()))
