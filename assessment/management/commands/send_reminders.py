"""python manage.py send_reminders [--today YYYY-MM-DD] [--base-url URL]

For cron (twice a day is safe): reminds secretaries of rectification items due within
3 days and of overdue ones, and township admins of overdue ones; each reminder once.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessment.services.rectification_reminders import rectification_reminders_send


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("日期格式应为 YYYY-MM-DD：%(value)s") % {"value": value}) from None


class Command(BaseCommand):
    help = _("发送整改提醒：即将到期（3天内）和已逾期的整改事项；每项每人每类只提醒一次。")

    def add_arguments(self, parser):
        parser.add_argument("--today", help=_("按此日期计算（YYYY-MM-DD，用于测试），默认今天"))
        parser.add_argument("--base-url", default="", help=_("邮件中链接的网址前缀，例如 https://huayu.example/"))

    def handle(self, *args, today=None, base_url="", **options):
        result = rectification_reminders_send(today=_date(today) if today else None, base_url=base_url)
        self.stdout.write(result.summary())
