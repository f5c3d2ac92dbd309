"""抽查复核 (county spot checks): the county's organisation department draws a sample of branches
from its townships' finished rounds of a year, re-scores each sampled branch item by item on
site, and compares its scores with the township's.

The county's scores are its own rows (SpotScore), never the township's Score rows: the
township's result stands as it was published; the difference is shown beside it. Until the
county publishes a spot check, nobody outside the county's department sees its scores.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SpotMethod(models.TextChoices):
    RANDOM = "random", _("随机抽取")
    CHOSEN = "chosen", _("指定抽取")


class SpotReason(models.TextChoices):
    """Why a branch is in the sample."""
    RANDOM = "random", _("随机抽中")
    DEMONSTRATION = "demonstration", _("示范点")
    LOWEST = "lowest", _("排名靠后")
    TICKED = "ticked", _("指定")


class SpotCheck(models.Model):
    county = models.ForeignKey("assessment.County", on_delete=models.PROTECT, related_name="spot_checks",
                               verbose_name=_("县（市、区）"))
    year = models.PositiveIntegerField(_("年度"))
    # The county round of that year the townships' rounds belong to, when there is one (the sample is
    # drawn from every finished branch of the year's rounds of the county's townships either way).
    county_round = models.ForeignKey("assessment.CountyRound", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="spot_checks", verbose_name=_("全县考核批次"))
    name = models.CharField(_("名称"), max_length=200)
    method = models.CharField(_("抽取方式"), max_length=20, choices=SpotMethod.choices)
    # What the draw was asked: the random sample's size and seed (the same seed over the same
    # branches draws the same sample again), or what was chosen (示范点, the N lowest of each township).
    sample_size = models.PositiveIntegerField(_("抽取数量"), default=0)
    seed = models.BigIntegerField(_("随机种子"), null=True, blank=True)
    demonstration = models.BooleanField(_("抽取全部示范点"), default=False)
    lowest = models.PositiveIntegerField(_("各乡镇排名最后的支部数"), default=0)
    threshold = models.DecimalField(
        _("差异阈值"), max_digits=5, decimal_places=1, default=Decimal("5"),
        help_text=_("乡镇被抽查支部的复核总分与考评得分平均相差超过此分数时，标记为“评分差异大”"),
    )
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("抽取人"))
    drawn_at = models.DateTimeField(_("抽取时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("发布人"))

    class Meta:
        verbose_name = _("抽查复核")
        verbose_name_plural = _("抽查复核")
        ordering = ["-year", "-drawn_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="spotcheck_unique_name"),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="spotcheck_threshold_nonnegative"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_published(self):
        return self.published_at is not None


class SpotSample(models.Model):
    """One branch drawn: its township's assessment (finished or published) that the county re-scores."""

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="samples",
                                   verbose_name=_("抽查复核"))
    assessment = models.ForeignKey("assessment.Assessment", on_delete=models.PROTECT, related_name="spot_samples",
                                   verbose_name=_("考核记录"))
    reason = models.CharField(_("抽取原因"), max_length=20, choices=SpotReason.choices)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("抽查支部")
        verbose_name_plural = _("抽查支部")
        ordering = ["spot_check", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "assessment"], name="spotsample_unique_assessment"),
        ]

    def __str__(self):
        return f"{self.spot_check} · {self.assessment.branch}"


class SpotScore(models.Model):
    """The county's re-score of one item of a sampled branch. `points` is the item's points
    copied in, so that the database itself refuses a score outside 0..points."""

    sample = models.ForeignKey(SpotSample, on_delete=models.CASCADE, related_name="scores",
                               verbose_name=_("抽查支部"))
    item = models.ForeignKey("assessment.Item", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("考核项目"))
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    score = models.DecimalField(_("复核得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    reason = models.TextField(_("扣分原因"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    edit_id = models.CharField(_("修改编号"), max_length=40, blank=True, default="")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("修改人"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("复核得分")
        verbose_name_plural = _("复核得分")
        ordering = ["sample", "item__number"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "item"], name="spotscore_unique_item"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=F("points")),
                name="spotscore_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.sample} · {self.item.number}"
