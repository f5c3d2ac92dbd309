"""python manage.py backup DIR

Writes the database (as Django JSON, gzip) and every file under MEDIA_ROOT into the new
folder DIR, with a manifest of row counts and SHA-256 checksums. See assessment/backups.py.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from assessment.backups import BackupError, backup_create


class Command(BaseCommand):
    help = _("备份数据库和上传的文件到一个新目录 DIR（可用 restore 恢复）。")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help=_("新的备份目录（不存在或为空）"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, directory, database, **options):
        try:
            result = backup_create(directory, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if result.external_media:
            self.stderr.write(_("注意：上传文件存放在 %(backend)s，未包含在本备份中，请用存储自己的工具备份。") % {
                "backend": result.external_media})
        for name in result.missing[:10]:
            self.stderr.write(_("注意：数据库引用的文件不在 MEDIA_ROOT 中：%(name)s") % {"name": name})
        if len(result.missing) > 10:
            self.stderr.write(_("……另有 %(n)s 个文件缺失，见 manifest.json 的 missing_media") % {
                "n": len(result.missing) - 10})
        self.stdout.write(_("已备份到 %(path)s：%(rows)s 行数据，%(files)s 个文件，共 %(size)s") % {
            "path": result.path, "rows": result.rows, "files": result.files, "size": filesizeformat(result.size)})
