"""python manage.py export_xlsx {rectifications|summary|sheet} --round R [--branch B] [--paper A3] -o FILE

R: a round's id or exact name; B: a branch's id or exact name (needed for sheet).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.exporters import AcceptanceSheet, RectificationList, Summary
from assessment.models import Assessment, Branch, Round
from assessment.xlsx import PAPERS, write_xlsx

KINDS = ("rectifications", "summary", "sheet")


def _by_id_or_name(queryset, value, what):
    value = value.strip()
    found = None
    if value.isdigit():
        found = queryset.filter(pk=int(value)).first()
    if found is None:
        matches = list(queryset.filter(name=value)[:2])
        if len(matches) > 1:
            raise CommandError(_("%(what)s“%(value)s”不唯一，请用编号。") % {"what": what, "value": value})
        found = matches[0] if matches else None
    if found is None:
        raise CommandError(_("找不到%(what)s：%(value)s") % {"what": what, "value": value})
    return found


class Command(BaseCommand):
    help = _("导出Excel：整改清单（rectifications）、考评汇总表（summary）、考核验收单（sheet）。")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--round", required=True, help=_("考核批次的编号或名称"))
        parser.add_argument("--branch", help=_("党支部的编号或名称（考核验收单必填）"))
        parser.add_argument("-o", "--output", required=True, help=_("输出文件（.xlsx）"))
        parser.add_argument("--paper", default="A4", type=str.upper, choices=list(PAPERS),
                            help=_("纸张：A4（默认）或 A3（列多时字更大）"))

    def handle(self, *args, kind, round, branch, output, paper, **options):
        the_round = _by_id_or_name(Round.objects.select_related("standard", "township"), round, _("考核批次"))
        the_branch = None
        if branch:
            the_branch = _by_id_or_name(Branch.objects.filter(township_id=the_round.township_id), branch, _("党支部"))
        if kind == "summary":
            exporter = Summary(the_round)
        elif kind == "rectifications":
            exporter = RectificationList(the_round, branch=the_branch)
        else:
            if the_branch is None:
                raise CommandError(_("导出考核验收单需要 --branch。"))
            assessment = (Assessment.objects.select_related("round__standard", "round__township", "branch")
                          .filter(round=the_round, branch=the_branch).first())
            if assessment is None:
                raise CommandError(_("%(branch)s不在考核批次“%(round)s”中。") % {
                    "branch": the_branch.name, "round": the_round.name})
            exporter = AcceptanceSheet(assessment)
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(_("找不到输出目录：%(dir)s") % {"dir": path.parent})
        write_xlsx(exporter, path, paper=paper)
        self.stdout.write(_("%(path)s（%(n)s 行）") % {"path": path, "n": exporter.row_count})
