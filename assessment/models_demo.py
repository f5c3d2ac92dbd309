"""示范点 as models others copy: the demonstration site's theme (DemoSite), its model practices
per item (ModelPractice, 示范做法, with their files), the visits held there (Visit, 观摩) and the
pairings with the branches it helps (Pairing, 结对帮带).

Imported at the end of assessment/models.py, so these are models of the assessment app.
A model practice belongs to an item of one version of the standard and to one township (a
standard may be shared by townships); carrying it over to a new version makes a new row for the
same item there, sharing the stored files (files of a model are never deleted: a withdrawn model
stays, marked withdrawn, for the audit).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DemoSite(models.Model):
    """The profile of a 示范点: its theme and what it is a model for."""

    branch = models.OneToOneField("assessment.Branch", on_delete=models.CASCADE, related_name="demo_site",
                                  verbose_name=_("党支部"))
    theme = models.CharField(_("示范主题"), max_length=100, help_text=_("例如：党建引领乡村振兴"))
    models_for = models.TextField(_("示范内容"), blank=True, help_text=_("本示范点可供学习借鉴的方面"))

    class Meta:
        verbose_name = _("示范点")
        verbose_name_plural = _("示范点")

    def __str__(self):
        return f"{self.branch} · {self.theme}"


class ModelSource(models.TextChoices):
    EVIDENCE = "evidence", _("佐证材料")
    RECORD = "record", _("年度记录")
    NOTE = "note", _("自评说明")
    UPLOAD = "upload", _("直接上传")


class ModelPractice(models.Model):
    """示范做法: how a 示范点 met an item, marked by the township admin."""

    township = models.ForeignKey("assessment.Township", on_delete=models.CASCADE, related_name="model_practices",
                                 verbose_name=_("乡镇"))
    item = models.ForeignKey("assessment.Item", on_delete=models.CASCADE, related_name="model_practices",
                             verbose_name=_("考核项目"))
    branch = models.ForeignKey("assessment.Branch", on_delete=models.PROTECT, related_name="model_practices",
                               verbose_name=_("来源示范点"))
    year = models.PositiveSmallIntegerField(_("来源年度"))
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("做法说明"))
    source = models.CharField(_("来源"), max_length=20, choices=ModelSource.choices, default=ModelSource.UPLOAD)
    carried_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name=_("沿用自"))
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("标记人"))
    marked_at = models.DateTimeField(_("标记时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("撤回人"))
    withdraw_reason = models.TextField(_("撤回原因"), blank=True)

    class Meta:
        verbose_name = _("示范做法")
        verbose_name_plural = _("示范做法")
        ordering = ["item__number", "-year", "id"]
        indexes = [models.Index(fields=["township", "item"], name="model_township_item",
                                condition=Q(withdrawn_at__isnull=True))]
        constraints = [
            models.UniqueConstraint(fields=["township", "item", "carried_from"], condition=Q(carried_from__isnull=False),
                                    name="model_carried_once"),
        ]

    def __str__(self):
        return self.title


class StoredFile(models.Model):
    """A checked file (assessment.uploads) with its thumbnail: the fields every file row has."""

    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    thumbnail = models.FileField(_("缩略图"), upload_to="thumbs/%Y/%m/", max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


class ModelFile(StoredFile):
    """A file of a model practice: a copy of the branch's file the admin chose, or an upload."""

    practice = models.ForeignKey(ModelPractice, on_delete=models.CASCADE, related_name="files",
                                 verbose_name=_("示范做法"))
    file = models.FileField(_("文件"), upload_to="models/%Y/%m/", max_length=255)

    class Meta:
        verbose_name = _("示范做法附件")
        verbose_name_plural = _("示范做法附件")
        ordering = ["id"]


class Visit(models.Model):
    """观摩: a visit held at a 示范点; it counts for the visiting branches' learning item."""

    site = models.ForeignKey("assessment.Branch", on_delete=models.PROTECT, related_name="visits_hosted",
                             verbose_name=_("示范点"))
    date = models.DateField(_("观摩日期"))
    topic = models.CharField(_("观摩主题"), max_length=200)
    note = models.TextField(_("说明"), blank=True)
    item = models.ForeignKey("assessment.Item", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("计入学习项目"))
    hours = models.PositiveSmallIntegerField(_("计学时"), default=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("观摩")
        verbose_name_plural = _("观摩")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.site} · {self.topic}"


class VisitBranch(models.Model):
    """Who came to a visit from one branch."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visitors", verbose_name=_("观摩"))
    branch = models.ForeignKey("assessment.Branch", on_delete=models.PROTECT, related_name="visits",
                               verbose_name=_("党支部"))
    people = models.CharField(_("参加人员"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("观摩支部")
        verbose_name_plural = _("观摩支部")
        ordering = ["branch__order", "branch__name"]
        constraints = [models.UniqueConstraint(fields=["visit", "branch"], name="visitbranch_unique")]


class VisitPhoto(StoredFile):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("观摩"))
    file = models.FileField(_("文件"), upload_to="visits/%Y/%m/", max_length=255)

    class Meta:
        verbose_name = _("观摩照片")
        verbose_name_plural = _("观摩照片")
        ordering = ["id"]


class Pairing(models.Model):
    """结对帮带: a 示范点 helps a branch; ended pairings stay for the results."""

    site = models.ForeignKey("assessment.Branch", on_delete=models.PROTECT, related_name="pairings_helping",
                             verbose_name=_("示范点"))
    helped = models.ForeignKey("assessment.Branch", on_delete=models.PROTECT, related_name="pairings_helped",
                               verbose_name=_("帮带支部"))
    since = models.DateField(_("结对日期"), default=timezone.localdate)
    note = models.CharField(_("帮带重点"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("结对人"))
    ended_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("结对帮带")
        verbose_name_plural = _("结对帮带")
        ordering = ["site__order", "helped__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "helped"], condition=Q(ended_at__isnull=True),
                                    name="pairing_once_active"),
            models.CheckConstraint(condition=~Q(site=models.F("helped")), name="pairing_not_self"),
        ]

    def __str__(self):
        return f"{self.site} → {self.helped}"
