"""python manage.py restore DIR [--yes]

Checks every checksum of the backup in DIR, then loads its rows in one transaction and moves
its files into MEDIA_ROOT. Refuses a database that holds data unless --yes (which empties it
first). See assessment/backups.py.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from assessment.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = _("从 backup 生成的备份目录恢复数据库和上传的文件。")

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help=_("备份目录"))
        parser.add_argument("--yes", action="store_true", help=_("目标数据库已有数据时，清空后恢复"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, directory, yes, database, **options):
        try:
            result = backup_restore(directory, replace=yes, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("已从 %(path)s 恢复：%(rows)s 行数据，%(files)s 个文件%(flushed)s") % {
            "path": result.path, "rows": result.rows, "files": result.files,
            "flushed": _("（原有数据已清空）") if result.flushed else ""})
