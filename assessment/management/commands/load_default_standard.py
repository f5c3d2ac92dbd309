"""python manage.py load_default_standard: the township's standard shipped with the app.

Imports assessment/data/huayu-standard-2026.xlsx unless a standard of that name
already exists, so it is safe to run on every deployment."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.importers import StandardImportError, read_standard
from assessment.models import Standard
from assessment.services.standards import standard_import

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "huayu-standard-2026.xlsx"


class Command(BaseCommand):
    help = _("导入随系统提供的化峪镇考核标准（已存在同名标准时不重复导入）。")

    def handle(self, *args, **options):
        try:
            parsed = read_standard(DEFAULT_FILE)
        except StandardImportError as error:
            raise CommandError(error.message)
        existing = Standard.objects.filter(name=parsed.name).order_by("-version").first()
        if existing:
            self.stdout.write(_("已有考核标准“%(standard)s”，未重复导入。") % {"standard": existing})
            return
        standard_import(parsed=parsed)
        self.stdout.write(self.style.SUCCESS(_("已导入 ") + parsed.summary()))
