"""python manage.py import_roster FILE [--dry-run] [--township 化峪镇] [--county 稷山县]

Reads the office's roster (党组织花名册, .xlsx or .xls): townships, branches, one secretary per
branch. Prints what is new, changed and missing (never deleted), then writes it in one
transaction; new accounts get a one-time password, handed out with the township's account sheet
(in the admin: 党支部 → 账号表)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.importers import StandardImportError
from assessment.importers.roster import read_roster
from assessment.services.base import ServiceError
from assessment.services.roster import roster_import, roster_plan


class Command(BaseCommand):
    help = _("从党组织花名册（.xlsx、.xls）导入乡镇、党支部和支部书记；再次导入时更新有变化的，不删除。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("花名册文件（.xlsx或.xls）"))
        parser.add_argument("--dry-run", action="store_true", help=_("只读取并列出变化，不写入数据库"))
        parser.add_argument("--township", default="", help=_("花名册没有“乡镇”列时，各党支部所属的乡镇"))
        parser.add_argument("--county", default="", help=_("花名册中的乡镇所属的县（市、区）：新建的乡镇归入该县，尚无所属县的乡镇也归入该县"))

    def handle(self, *args, file, dry_run, township, county, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(file)s") % {"file": file})
        try:
            parsed = read_roster(path, township=township.strip())
            plan = roster_plan(parsed=parsed) if dry_run else roster_import(parsed=parsed, county=county)
        except StandardImportError as error:
            raise CommandError(error.message)
        except ServiceError as error:
            raise CommandError(error.message)
        for change in plan.changed:
            details = "；".join(f"{label}：{old} → {new}" for label, old, new in change.fields)
            self.stdout.write(_("变更：%(township)s %(branch)s（%(details)s）") % {
                "township": change.township, "branch": change.branch, "details": details})
        for branch in plan.missing:
            self.stdout.write(self.style.WARNING(_("花名册中没有（未删除，请在管理后台处理）：%(township)s %(branch)s") % {
                "township": branch.township.name, "branch": branch.name}))
        if dry_run:
            self.stdout.write(_("试运行，未写入：") + plan.summary())
        else:
            self.stdout.write(self.style.SUCCESS(plan.summary()))
