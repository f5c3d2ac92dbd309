"""The data of an assessment: township, branches, users, the standard, rounds,
assessments with one score record per item, evidence, rectifications and the audit log.

Models hold data and invariants; every change of state goes through services.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")


class County(models.Model):
    """A county (县、市、区) whose organisation department (县委组织部) oversees its townships:
    issues a standard for all of them, opens a round in every one at once, watches and compares."""

    name = models.CharField(_("名称"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("县（市、区）")
        verbose_name_plural = _("县（市、区）")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Township(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, null=True, blank=True, related_name="townships",
        verbose_name=_("所属县（市、区）"),
    )

    class Meta:
        verbose_name = _("乡镇")
        verbose_name_plural = _("乡镇")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BranchKind(models.TextChoices):
    RURAL = "rural", _("农村")
    COMMUNITY = "community", _("社区")
    ORGAN = "organ", _("机关")
    SCHOOL = "school", _("学校")
    ENTERPRISE = "enterprise", _("企业")
    OTHER = "other", _("其他")


class Branch(models.Model):
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, related_name="branches", verbose_name=_("乡镇")
    )
    name = models.CharField(_("党支部"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=BranchKind.choices, default=BranchKind.RURAL)
    is_demonstration = models.BooleanField(_("示范点"), default=False)
    members = models.PositiveIntegerField(_("党员人数"), default=0)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("党支部")
        verbose_name_plural = _("党支部")
        ordering = ["township", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="branch_unique_name"),
        ]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("镇党委管理员")
    ASSESSOR = "assessor", _("考评人员")
    SECRETARY = "secretary", _("支部书记")
    COUNTY = "county", _("县委组织部")


class User(AbstractUser):
    """A person who logs in: a township admin or assessor (township set),
    a branch secretary (branch set; the township follows from it),
    or the county's organisation department (county set; no township, no branch)."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, blank=True)
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, null=True, blank=True, related_name="users",
        verbose_name=_("乡镇"),
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="secretaries",
        verbose_name=_("党支部"),
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, null=True, blank=True, related_name="users",
        verbose_name=_("县（市、区）"), help_text=_("仅县委组织部用户填写"),
    )
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    must_change_password = models.BooleanField(
        _("须修改密码"), default=False,
        help_text=_("持一次性密码登录，须先设置自己的密码才能使用系统"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="secretary") | Q(branch__isnull=False),
                name="user_secretary_has_branch",
            ),
            models.CheckConstraint(
                condition=(~Q(role="county") & Q(county__isnull=True))
                | Q(role="county", county__isnull=False, township__isnull=True, branch__isnull=True),
                name="user_county_role_has_county_only",
            ),
        ]

    def __str__(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        if self.role == Role.COUNTY:
            errors = {}
            if not self.county_id:
                errors["county"] = _("县委组织部用户须选择所属县（市、区）。")
            if self.township_id:
                errors["township"] = _("县委组织部用户不属于某个乡镇，请留空。")
            if self.branch_id:
                errors["branch"] = _("县委组织部用户不属于某个党支部，请留空。")
            if errors:
                raise ValidationError(errors)
        elif self.county_id:
            raise ValidationError({"county": _("只有县委组织部用户填写所属县（市、区）。")})

    def save(self, *args, **kwargs):
        if self.branch_id and not self.township_id:
            self.township_id = self.branch.township_id
        super().save(*args, **kwargs)

    @property
    def is_township_admin(self):
        return self.role == Role.ADMIN

    @property
    def is_assessor(self):
        return self.role == Role.ASSESSOR

    @property
    def is_secretary(self):
        return self.role == Role.SECRETARY

    @property
    def is_county_staff(self):
        return self.role == Role.COUNTY


# --- The standard -----------------------------------------------------------


class Standard(models.Model):
    """A versioned standard. A round keeps the version it started with;
    editing a standard in use, or importing it again, makes a new version."""

    name = models.CharField(_("名称"), max_length=200)
    version = models.PositiveIntegerField(_("版本"), default=1)
    township = models.ForeignKey(
        Township, on_delete=models.PROTECT, null=True, blank=True, related_name="standards",
        verbose_name=_("乡镇"), help_text=_("留空表示各乡镇通用"),
    )
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, null=True, blank=True, related_name="standards",
        verbose_name=_("发布县（市、区）"), help_text=_("县委组织部发布，全县各乡镇的考核批次均可使用"),
    )
    description = models.TextField(_("说明"), blank=True)
    bonus_cap = models.DecimalField(_("加分上限"), max_digits=6, decimal_places=1, default=ZERO)
    source_name = models.CharField(_("来源文件"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考核标准")
        verbose_name_plural = _("考核标准")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="standard_unique_version"),
            models.CheckConstraint(condition=Q(bonus_cap__gte=0), name="standard_bonus_cap_nonnegative"),
            models.CheckConstraint(condition=Q(township__isnull=True) | Q(county__isnull=True),
                                   name="standard_township_or_county"),
        ]

    def __str__(self):
        return f"{self.name}（第{self.version}版）"

    def clean(self):
        super().clean()
        if self.township_id and self.county_id:
            raise ValidationError(_("考核标准或属于一个乡镇，或由县（市、区）发布，不能两者都填。"))


class Area(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="areas", verbose_name=_("考核标准"))
    number = models.PositiveIntegerField(_("序号"))
    name = models.CharField(_("考核方面"), max_length=100)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("考核方面")
        verbose_name_plural = _("考核方面")
        ordering = ["standard", "number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="area_unique_number"),
        ]

    def __str__(self):
        return self.name


class Item(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="items", verbose_name=_("考核标准"))
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="items", verbose_name=_("考核方面"))
    number = models.PositiveIntegerField(_("编号"))
    content = models.TextField(_("考核内容"))
    criteria = models.TextField(_("评分标准"), blank=True)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    check_method = models.CharField(_("考核方式"), max_length=200, blank=True)
    evidence = models.TextField(_("佐证材料"), blank=True)

    class Meta:
        verbose_name = _("考核项目")
        verbose_name_plural = _("考核项目")
        ordering = ["standard", "number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="item_unique_number"),
            models.CheckConstraint(condition=Q(points__gt=0), name="item_points_positive"),
        ]

    def __str__(self):
        return f"{self.number}. {self.content[:30]}"


class Veto(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="vetoes", verbose_name=_("考核标准"))
    code = models.CharField(_("编号"), max_length=20)
    text = models.TextField(_("否决情形"))
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("一票否决")
        verbose_name_plural = _("一票否决")
        ordering = ["standard", "order"]

    def __str__(self):
        return f"{self.code} {self.text[:30]}"


class Bonus(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="bonuses", verbose_name=_("考核标准"))
    code = models.CharField(_("编号"), max_length=20)
    text = models.TextField(_("加分情形"))
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("加分项")
        verbose_name_plural = _("加分项")
        ordering = ["standard", "order"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="bonus_points_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.text[:30]}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class GradeBand(models.Model):
    """A total at or above min_score earns the grade; below every band is 不合格."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="grade_bands", verbose_name=_("考核标准"))
    grade = models.CharField(_("等次"), max_length=20, choices=Grade.choices)
    min_score = models.DecimalField(_("最低分"), max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = _("等次标准")
        verbose_name_plural = _("等次标准")
        ordering = ["standard", "-min_score"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "grade"], name="gradeband_unique_grade"),
        ]

    def __str__(self):
        return f"{self.get_grade_display()} ≥{self.min_score}"


# --- Rounds and assessments -------------------------------------------------


class Phase(models.TextChoices):
    PREPARATION = "preparation", _("准备")
    SELF = "self", _("自评阶段")
    ONSITE = "onsite", _("现场考评阶段")
    NOTICE = "notice", _("通报整改阶段")
    ARCHIVED = "archived", _("已归档")


class CountyRound(models.Model):
    """The same round opened in every township of a county at once, with the county's standard
    and one self-evaluation deadline; each township then runs its own round's phases."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="county_rounds",
                               verbose_name=_("县（市、区）"))
    standard = models.ForeignKey("Standard", on_delete=models.PROTECT, related_name="county_rounds",
                                 verbose_name=_("考核标准"))
    name = models.CharField(_("考核批次"), max_length=200)
    year = models.PositiveIntegerField(_("年度"))
    self_end = models.DateField(_("自评截止"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("创建人"))

    class Meta:
        verbose_name = _("全县考核批次")
        verbose_name_plural = _("全县考核批次")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="countyround_unique_name"),
        ]

    def __str__(self):
        return self.name


class Round(models.Model):
    township = models.ForeignKey(Township, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("乡镇"))
    county_round = models.ForeignKey(
        CountyRound, on_delete=models.PROTECT, null=True, blank=True, related_name="rounds",
        verbose_name=_("全县考核批次"),
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("考核标准"))
    name = models.CharField(_("考核批次"), max_length=200)
    year = models.PositiveIntegerField(_("年度"))
    phase = models.CharField(_("阶段"), max_length=20, choices=Phase.choices, default=Phase.PREPARATION)
    self_start = models.DateField(_("自评开始"), null=True, blank=True)
    self_end = models.DateField(_("自评截止"), null=True, blank=True)
    onsite_start = models.DateField(_("现场考评开始"), null=True, blank=True)
    onsite_end = models.DateField(_("现场考评结束"), null=True, blank=True)
    notice_date = models.DateField(_("通报日期"), null=True, blank=True)
    inflation_threshold = models.DecimalField(
        _("自评虚高阈值"), max_digits=5, decimal_places=1, default=Decimal("5"),
        help_text=_("自评总分高出考评总分超过此分数的支部标记为“自评虚高”"),
    )
    rectification_days = models.PositiveIntegerField(_("默认整改天数"), default=30)
    notice_text = models.TextField(_("通报正文"), blank=True)
    notice_number = models.CharField(_("文号"), max_length=50, blank=True, help_text=_("例如：化党发〔2026〕3号"))
    published_at = models.DateTimeField(_("通报发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("通报发布人"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("考核批次")
        verbose_name_plural = _("考核批次")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="round_unique_name"),
            models.CheckConstraint(
                condition=Q(self_start__isnull=True) | Q(self_end__isnull=True) | Q(self_end__gte=F("self_start")),
                name="round_self_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(onsite_start__isnull=True) | Q(onsite_end__isnull=True) | Q(onsite_end__gte=F("onsite_start")),
                name="round_onsite_dates_ordered",
            ),
        ]

    def __str__(self):
        return self.name


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    SELF = "self", _("自评中")
    SUBMITTED = "submitted", _("已提交")
    NO_SELF = "no_self", _("未自评")  # not submitted when on-site began: scored on site without a self-evaluation
    ONSITE = "onsite", _("考评中")
    FINALISED = "finalised", _("考评完成")
    PUBLISHED = "published", _("已通报")


def new_render_version():
    """A random version for a new assessment (assessment/versions.py gives the next ones)."""
    import secrets

    return secrets.randbits(62)


class Assessment(models.Model):
    """One branch in one round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("考核批次"))
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("党支部"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    self_deadline = models.DateField(_("自评截止（延期）"), null=True, blank=True,
                                     help_text=_("为本支部单独延长自评截止日期；留空则按批次截止日期"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    returned_reason = models.TextField(_("退回原因"), blank=True)
    finalised_at = models.DateTimeField(_("考评完成时间"), null=True, blank=True)
    onsite_date = models.DateField(_("考评日期"), null=True, blank=True)
    assessors_present = models.CharField(_("考评人员"), max_length=200, blank=True)
    self_late = models.BooleanField(_("现场考评阶段继续自评"), default=False,
                                    help_text=_("进入现场考评阶段时尚未提交、经镇党委同意延长自评的支部"))
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="assigned_assessments",
                                  verbose_name=_("考评组"))
    scheduled_date = models.DateField(_("计划考评日期"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Given anew by the database on every write of anything the assessment's pages show
    # (assessment/versions.py); the key of their kept bodies (assessment/pages.py).
    render_version = models.BigIntegerField(_("页面版本"), default=new_render_version, editable=False)

    class Meta:
        verbose_name = _("考核记录")
        verbose_name_plural = _("考核记录")
        ordering = ["round", "branch__order", "branch__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "branch"], name="assessment_unique_branch"),
        ]
        indexes = [models.Index(fields=["round", "status"], name="assessment_round_status")]

    def __str__(self):
        return f"{self.branch} · {self.round}"


class Score(models.Model):
    """One item of one assessment: the self score and the on-site score.

    `points` is the item's points copied in, so that the database itself can
    refuse a score outside 0..points (items of a standard in use never change).
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("考核记录"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="scores", verbose_name=_("考核项目"))
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    self_score = models.DecimalField(_("自评得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    self_note = models.TextField(_("自评说明"), blank=True)
    onsite_score = models.DecimalField(_("考评得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    deduction_reason = models.TextField(_("扣分原因"), blank=True)
    needs_rectification = models.BooleanField(_("需整改"), default=False)
    requirement = models.TextField(_("整改要求"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=0)
    # The id of the edit (sent by the page with each save) that made this version: a save sent
    # again after its reply was lost is recognised and answered as saved, not as a conflict.
    edit_id = models.CharField(_("修改编号"), max_length=40, blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评分记录")
        verbose_name_plural = _("评分记录")
        ordering = ["assessment", "item__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="score_unique_item"),
            models.CheckConstraint(
                condition=Q(self_score__isnull=True) | Q(self_score__gte=0, self_score__lte=F("points")),
                name="score_self_in_range",
            ),
            models.CheckConstraint(
                condition=Q(onsite_score__isnull=True) | Q(onsite_score__gte=0, onsite_score__lte=F("points")),
                name="score_onsite_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.assessment} · {self.item.number}"


class Subtotal(models.Model):
    """An assessment's scores summed over one area, kept by the database itself: triggers on the
    score table (assessment/subtotals.py, installed after every migrate) add every insert,
    change and delete of a score to its row, in the same statement, whoever writes the score
    (the services, the admin, a bulk update). The ranking reads 7,000 of these at county scale instead of summing 56,000
    scores. An empty score counts 0 in the sums and nothing in the counts."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="subtotals", verbose_name=_("考核记录"))
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="subtotals", verbose_name=_("考核方面"))
    items = models.IntegerField(_("项目数"), default=0)
    self_scored = models.IntegerField(_("已自评项目数"), default=0)
    onsite_scored = models.IntegerField(_("已考评项目数"), default=0)
    self_sum = models.DecimalField(_("自评小计"), max_digits=7, decimal_places=1, default=0)
    onsite_sum = models.DecimalField(_("考评小计"), max_digits=7, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("方面小计")
        verbose_name_plural = _("方面小计")
        constraints = [models.UniqueConstraint(fields=["assessment", "area"], name="subtotal_unique_area")]

    def __str__(self):
        return f"{self.assessment} · {self.area}"


class Total(models.Model):
    """An assessment's figures for the ranking, kept by the database itself (assessment/totals.py):
    the self and on-site sums (triggers on the subtotals, which triggers on the scores keep),
    the points of its approved bonus claims before the cap, and its veto findings (triggers on
    their tables). The ranking sorts 10,000 of these rows, one a branch, instead of summing
    70,000 subtotals and looking up every branch's bonus."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, primary_key=True, related_name="kept_total",
                                      verbose_name=_("考核记录"))
    self_sum = models.DecimalField(_("自评总分"), max_digits=8, decimal_places=1, default=0)
    onsite_sum = models.DecimalField(_("考评得分"), max_digits=8, decimal_places=1, default=0)
    approved_bonus = models.DecimalField(_("认定加分（未封顶）"), max_digits=8, decimal_places=1, default=0)
    vetoes = models.IntegerField(_("否决情形数"), default=0)
    # Every change of a subtotal adds 1: with the count of a round's rows, a version of its
    # scores that the typical problems are cached by (views/results.py).
    changes = models.BigIntegerField(_("变更次数"), default=0)

    class Meta:
        verbose_name = _("考核总分")
        verbose_name_plural = _("考核总分")

    def __str__(self):
        return str(self.assessment)


class BonusClaim(models.Model):
    class Decision(models.TextChoices):
        CLAIMED = "claimed", _("已申报")
        APPROVED = "approved", _("认定")
        REJECTED = "rejected", _("不认定")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="bonus_claims", verbose_name=_("考核记录"))
    bonus = models.ForeignKey(Bonus, on_delete=models.PROTECT, related_name="claims", verbose_name=_("加分项"))
    note = models.TextField(_("申报说明"), blank=True)
    decision = models.CharField(_("认定结果"), max_length=20, choices=Decision.choices, default=Decision.CLAIMED)
    decision_note = models.TextField(_("认定意见"), blank=True)

    class Meta:
        verbose_name = _("加分申报")
        verbose_name_plural = _("加分申报")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "bonus"], name="bonusclaim_unique"),
        ]


class VetoFinding(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="veto_findings", verbose_name=_("考核记录"))
    veto = models.ForeignKey(Veto, on_delete=models.PROTECT, related_name="findings", verbose_name=_("一票否决"))
    note = models.TextField(_("情况说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, verbose_name=_("记录人"))
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("否决情形")
        verbose_name_plural = _("否决情形")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "veto"], name="vetofinding_unique"),
        ]


class RectificationStatus(models.TextChoices):
    DRAFT = "draft", _("拟整改")  # proposed while the notice is prepared; becomes 待整改 on publication
    PENDING = "pending", _("待整改")
    REPORTED = "reported", _("已报告整改")
    CLOSED = "closed", _("已销号")


class Rectification(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="rectifications", verbose_name=_("考核记录"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True, related_name="rectifications", verbose_name=_("考核项目"))
    problem = models.TextField(_("存在问题"))
    requirement = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改时限"))
    responsible = models.CharField(_("责任人"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=RectificationStatus.choices, default=RectificationStatus.PENDING)
    measures = models.TextField(_("整改措施"), blank=True)
    reported_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("核验人"))
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    verify_note = models.TextField(_("核验意见"), blank=True)
    returned_reason = models.TextField(_("退回原因"), blank=True)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["assessment", "item__number", "id"]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_status_deadline")]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "item"], condition=Q(item__isnull=False), name="rectification_unique_item",
            ),
        ]

    def __str__(self):
        return self.problem[:40]

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.status == RectificationStatus.PENDING and self.deadline < today  # 已报告: 待核验, not overdue


class ReminderStage(models.TextChoices):
    SELF_DUE = "self_due", _("自评提醒")
    DUE_SOON = "due_soon", _("整改即将到期")
    OVERDUE = "overdue", _("整改已逾期")


class Reminder(models.Model):
    """One reminder sent: a rectification reminder goes once per item, person and stage."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("收件人"))
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders", verbose_name=_("整改事项"))
    stage = models.CharField(_("提醒类型"), max_length=20, choices=ReminderStage.choices)
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [
            models.UniqueConstraint(
                fields=["rectification", "user", "stage"], condition=Q(rectification__isnull=False),
                name="reminder_once_per_stage",
            ),
        ]


class Evidence(models.Model):
    """A file a branch attached to an item, a bonus claim or a rectification.
    Stored under a name the app chooses; served only through a checked view."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("考核记录"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("考核项目"))
    bonus_claim = models.ForeignKey(BonusClaim, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence", verbose_name=_("加分申报"))
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence", verbose_name=_("整改事项"))
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/", max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    thumbnail = models.FileField(_("缩略图"), upload_to="thumbs/%Y/%m/", max_length=255, blank=True)
    # A photo's mid-size copy (JPEG, assessment.photos.MEDIUM_SIZE px) for phones on site; empty
    # for other files, small photos and files stored before it existed: they show the original.
    medium = models.FileField(_("中等尺寸图片"), upload_to="medium/%Y/%m/", max_length=255, blank=True)
    # The id the page's upload script gave this file: a repeated post of it (the reply was lost) is
    # answered as done instead of being stored twice. Empty for plain form posts.
    upload_key = models.CharField(_("上传标识"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at"]
        indexes = [models.Index(fields=["assessment", "item"], name="evidence_assessment_item")]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "upload_key"], condition=~models.Q(upload_key=""),
                                    name="evidence_upload_key_once"),
        ]

    def __str__(self):
        return self.original_name


def AUDIT_ACTIONS():  # noqa: N802  the audit log's action codes and their labels (audit_labels.py)
    from .audit_labels import ACTIONS

    return ACTIONS


class AuditLog(models.Model):
    """Who changed what, when, from what to what. Written by services only."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作人"))
    action = models.CharField(_("操作"), max_length=50, choices=AUDIT_ACTIONS)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="audit", verbose_name=_("考核记录"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("考核项目"))
    target = models.CharField(_("对象"), max_length=200, blank=True)
    field = models.CharField(_("字段"), max_length=50, blank=True)
    old_value = models.TextField(_("原值"), blank=True)
    new_value = models.TextField(_("新值"), blank=True)
    note = models.TextField(_("说明"), blank=True)
    prev_hash = models.CharField(_("上一条校验值"), max_length=64, blank=True)
    hash = models.CharField(_("校验值"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["assessment", "item", "at"], name="audit_assessment_item")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"

    def change(self):
        """原值 → 新值, a status or a phase by its label."""
        from .audit_labels import value_label

        if not (self.old_value or self.new_value):
            return ""
        return f"{value_label(self.field, self.old_value) or '—'} → {value_label(self.field, self.new_value) or '—'}"

    change.short_description = _("变更")


class AuditHead(models.Model):
    """The hash of the newest audit record: one row, locked while a record is appended, so the
    chain stays a single line, and so that deleting the newest records is detected too."""

    hash = models.CharField(_("链尾校验值"), max_length=64, blank=True)
    count = models.PositiveBigIntegerField(_("记录数"), default=0)

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")


class Message(models.Model):
    """An in-app message (reminders, returns, notices)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox", verbose_name=_("收件人"))
    text = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=255, blank=True)
    topic = models.CharField(_("事由"), max_length=100, blank=True,
                             help_text=_("同一事由一天内只通知同一人一次"))
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="message_user_unread"),
                   models.Index(fields=["user", "topic", "created_at"], name="message_user_topic")]


# 清单式推进 (the year plan): its own module, part of this app.
class PendingPassword(models.Model):
    """A one-time password not yet handed out: kept in clear only until the township's account
    sheet is downloaded once (that download deletes it); the user's own record holds only its hash."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_password", verbose_name=_("用户"),
    )
    township = models.ForeignKey(
        Township, on_delete=models.CASCADE, related_name="pending_passwords", verbose_name=_("乡镇"),
    )
    password = models.CharField(_("一次性密码"), max_length=40)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待发放的一次性密码")
        verbose_name_plural = _("待发放的一次性密码")
        ordering = ["township", "user__branch__order", "user__branch__name", "user__username"]


from .models_plan import Duty, PlanReminder, PlanYear, Record, RecordFile  # noqa: E402,F401

# 示范点: model practices, visits and pairings (issue 17).
from .models_demo import (  # noqa: E402,F401
    DemoSite, ModelFile, ModelPractice, ModelSource, Pairing, Visit, VisitBranch, VisitPhoto,
)

# 抽查复核: the county's spot checks (issue 19).
from .models_spot import SpotCheck, SpotMethod, SpotReason, SpotSample, SpotScore  # noqa: E402,F401
