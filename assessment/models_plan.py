"""清单式推进: the duties of a year read from the standard (年度任务), the records a branch logs
as it does them (记录), their files, the closed years and the monthly reminders.

Imported at the end of assessment/models.py, so these are models of the assessment app.
A duty belongs to an item of one version of the standard: a round keeps its version, and a
year's duties are those of the standard the township's round of that year uses.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .plan_rules import MONTHS_PER, Period, RuleKind


class DutyPeriod(models.TextChoices):
    MONTH = Period.MONTH, _("每月")
    QUARTER = Period.QUARTER, _("每季度")
    HALF = Period.HALF, _("每半年")
    YEAR = Period.YEAR, _("每年")


class DutyUnit(models.TextChoices):
    TIMES = "次", _("次")
    PIECES = "件", _("件")
    HOURS = "学时", _("学时")


class DutyRule(models.TextChoices):
    PER_MISSING = RuleKind.PER_MISSING, _("每少1次扣分，扣完为止")
    IF_NONE = RuleKind.IF_NONE, _("未开展则扣分")
    IF_SHORT = RuleKind.IF_SHORT, _("未完成则扣分")
    MANUAL = RuleKind.MANUAL, _("不按次数计分")


class Duty(models.Model):
    """年度任务: what an item asks to be done in a year, and how a shortfall is scored."""

    item = models.OneToOneField("assessment.Item", on_delete=models.CASCADE, related_name="duty",
                                verbose_name=_("考核项目"))
    name = models.CharField(_("任务名称"), max_length=50)
    period = models.CharField(_("周期"), max_length=10, choices=DutyPeriod.choices)
    per_period = models.PositiveSmallIntegerField(_("每周期应完成"))
    unit = models.CharField(_("单位"), max_length=4, choices=DutyUnit.choices, default=DutyUnit.TIMES)
    rule = models.CharField(_("计分规则"), max_length=20, choices=DutyRule.choices)
    deduction = models.DecimalField(_("扣分"), max_digits=5, decimal_places=2, default=Decimal("0"),
                                    help_text=_("按次扣分时为每少1次（件、学时）扣的分，否则为扣的分"))
    rule_text = models.CharField(_("评分标准原文"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("设置人"))
    updated_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("年度任务")
        verbose_name_plural = _("年度任务")
        ordering = ["item__number"]
        constraints = [
            models.CheckConstraint(condition=Q(per_period__gte=1), name="duty_per_period_positive"),
            models.CheckConstraint(condition=Q(deduction__gte=0), name="duty_deduction_nonnegative"),
        ]

    def __str__(self):
        return self.name

    @property
    def per_year(self):
        return self.per_period * (12 // MONTHS_PER[self.period])


class PlanYear(models.Model):
    """A township's year of records; once closed (锁定) its records can no longer change."""

    township = models.ForeignKey("assessment.Township", on_delete=models.CASCADE, related_name="plan_years",
                                 verbose_name=_("乡镇"))
    year = models.PositiveIntegerField(_("年度"))
    closed_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("锁定人"))

    class Meta:
        verbose_name = _("年度台账")
        verbose_name_plural = _("年度台账")
        constraints = [models.UniqueConstraint(fields=["township", "year"], name="planyear_unique")]

    def __str__(self):
        return f"{self.township} {self.year}"


class Record(models.Model):
    """记录: one meeting or activity a branch held for a duty."""

    branch = models.ForeignKey("assessment.Branch", on_delete=models.PROTECT, related_name="records",
                               verbose_name=_("党支部"))
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="records", verbose_name=_("年度任务"))
    date = models.DateField(_("日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    topic = models.CharField(_("主题"), max_length=200)
    attended = models.PositiveIntegerField(_("实到人数"), null=True, blank=True)
    expected = models.PositiveIntegerField(_("应到人数"), null=True, blank=True)
    quantity = models.PositiveSmallIntegerField(_("计数"), default=1,
                                                help_text=_("一般为1；学时类任务填学时数"))
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("记录人"))
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("活动记录")
        verbose_name_plural = _("活动记录")
        ordering = ["-date", "-id"]
        indexes = [
            # The grid's one aggregate reads this index alone (PostgreSQL: index-only scan).
            models.Index(fields=["duty", "year", "branch", "month"], include=["quantity"],
                         name="record_duty_year_branch"),
            models.Index(fields=["branch", "year"], name="record_branch_year"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="record_month_valid"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="record_quantity_positive"),
            models.CheckConstraint(
                condition=Q(attended__isnull=True) | Q(expected__isnull=True) | Q(attended__lte=F("expected")),
                name="record_attended_not_above_expected",
            ),
        ]

    def __str__(self):
        return f"{self.branch} · {self.duty} · {self.date:%Y-%m-%d}"


class RecordFile(models.Model):
    """A file of a record (minutes, photos), checked as evidence is (assessment.uploads)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="files", verbose_name=_("活动记录"))
    file = models.FileField(_("文件"), upload_to="records/%Y/%m/", max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    thumbnail = models.FileField(_("缩略图"), upload_to="thumbs/%Y/%m/", max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("记录附件")
        verbose_name_plural = _("记录附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class PlanReminder(models.Model):
    """A reminder to a branch behind on a duty: at most one per branch, duty and month."""

    branch = models.ForeignKey("assessment.Branch", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("党支部"))
    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="+", verbose_name=_("年度任务"))
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("发送人"))

    class Meta:
        verbose_name = _("任务提醒")
        verbose_name_plural = _("任务提醒")
        constraints = [
            models.UniqueConstraint(fields=["branch", "duty", "year", "month"], name="planreminder_once_a_month"),
        ]
