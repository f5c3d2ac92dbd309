from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .models import (
    Area, Assessment, AuditLog, Bonus, BonusClaim, Branch, Evidence, GradeBand, Item, Message,
    Rectification, Role, Round, Score, Standard, Township, User, Veto, VetoFinding,
)
from .services.base import ServiceError
from .services.rounds import round_prepare
from .services.standards import standard_copy, standard_in_use

admin.site.site_header = _("化峪 · 党支部规范化建设考核验收")
admin.site.site_title = _("化峪考核管理")
admin.site.index_title = _("管理")


def is_admin_of_township(user):
    return user.is_active and user.is_staff and user.role == Role.ADMIN and user.township_id is not None


class TownshipScopedAdmin(admin.ModelAdmin):
    """The superuser sees everything; a township admin (镇党委管理员, staff) sees and
    manages only what belongs to their township; nobody else uses the admin."""

    township_path = "township"  # the lookup from this model to its township
    shared_when_null = False  # rows whose township is null are shared by every township (read-only)

    def allowed(self, request):
        return request.user.is_superuser or is_admin_of_township(request.user)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return qs
        if not is_admin_of_township(user):
            return qs.none()
        mine = Q(**{self.township_path: user.township_id})
        if self.shared_when_null:
            mine |= Q(**{f"{self.township_path}__isnull": True})
        return qs.filter(mine)

    def owns(self, request, obj):
        if request.user.is_superuser or obj is None:
            return True
        township_id = obj
        for part in self.township_path.split("__"):
            township_id = getattr(township_id, part, None)
        township_id = getattr(township_id, "pk", township_id)
        return township_id == request.user.township_id

    def has_module_permission(self, request):
        return self.allowed(request)

    def has_view_permission(self, request, obj=None):
        return self.allowed(request)

    def has_add_permission(self, request):
        return self.allowed(request)

    def has_change_permission(self, request, obj=None):
        return self.allowed(request) and self.owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.allowed(request) and self.owns(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if not user.is_superuser:
            related = db_field.related_model
            if related is Township:
                kwargs["queryset"] = Township.objects.filter(pk=user.township_id)
            elif related is Branch:
                kwargs["queryset"] = Branch.objects.filter(township_id=user.township_id)
            elif related is Standard:
                kwargs["queryset"] = Standard.objects.filter(Q(township_id=user.township_id) | Q(township__isnull=True))
            elif related is Round:
                kwargs["queryset"] = Round.objects.filter(township_id=user.township_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0
    fields = ["name", "kind", "is_demonstration", "members", "order"]


@admin.register(Township)
class TownshipAdmin(TownshipScopedAdmin):
    township_path = "pk"
    list_display = ["name", "county", "branch_count"]
    search_fields = ["name", "county"]
    inlines = [BranchInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(branch_count=Count("branches"))

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("党支部数"), ordering="branch_count")
    def branch_count(self, obj):
        return obj.branch_count


class SecretaryInline(admin.TabularInline):
    model = User
    fk_name = "branch"
    extra = 0
    fields = ["username", "display_name", "phone", "is_active"]
    readonly_fields = ["username"]
    verbose_name = _("支部书记")
    verbose_name_plural = _("支部书记")
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Branch)
class BranchAdmin(TownshipScopedAdmin):
    list_display = ["name", "township", "kind", "is_demonstration", "members", "secretary_names", "order"]
    list_filter = ["township", "kind", "is_demonstration"]
    list_editable = ["is_demonstration", "order"]
    search_fields = ["name", "township__name", "secretaries__display_name", "secretaries__username"]
    list_select_related = ["township"]
    inlines = [SecretaryInline]
    change_list_template = "admin/assessment/branch/change_list.html"  # adds 从花名册导入, 账号表

    def get_urls(self):
        from .admin_roster import roster_urls

        return roster_urls(self.admin_site) + super().get_urls()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("secretaries")

    @admin.display(description=_("支部书记"))
    def secretary_names(self, obj):
        return "、".join(str(user) for user in obj.secretaries.all()) or "—"


@admin.register(User)
class UserAdmin(TownshipScopedAdmin, BaseUserAdmin):
    list_display = ["username", "display_name", "role", "township", "branch", "phone", "is_active", "last_login"]
    list_filter = ["role", "township", "is_active", "is_superuser"]
    search_fields = ["username", "display_name", "phone", "branch__name", "township__name"]
    list_select_related = ["township", "branch"]
    autocomplete_fields = ["township", "branch"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("考核角色"), {"fields": ("display_name", "role", "township", "branch", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("考核角色"), {"fields": ("display_name", "role", "township", "branch", "phone")}),
    )
    township_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("考核角色"), {"fields": ("display_name", "role", "township", "branch", "phone", "email", "is_active")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(is_superuser=False)

    def get_fieldsets(self, request, obj=None):
        # A township admin cannot hand out superuser rights or Django permissions.
        if obj is not None and not request.user.is_superuser:
            return self.township_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.township_id = obj.branch.township_id if obj.branch_id else request.user.township_id
        if obj.role == Role.ADMIN:
            obj.is_staff = True  # township admins manage their township in this admin
        elif not obj.is_superuser:
            obj.is_staff = False
        super().save_model(request, obj, form, change)


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0
    fields = ["number", "name", "points"]


class ItemInline(admin.StackedInline):
    model = Item
    extra = 0
    fields = [("number", "area", "points"), "content", "criteria", ("check_method", "evidence")]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area" and request.resolver_match.kwargs.get("object_id"):
            kwargs["queryset"] = Area.objects.filter(standard_id=request.resolver_match.kwargs["object_id"])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class VetoInline(admin.TabularInline):
    model = Veto
    extra = 0


class BonusInline(admin.TabularInline):
    model = Bonus
    extra = 0


class GradeBandInline(admin.TabularInline):
    model = GradeBand
    extra = 0


@admin.register(Standard)
class StandardAdmin(TownshipScopedAdmin):
    shared_when_null = True
    actions = ["copy_as_new_version"]
    list_display = ["name", "version", "township", "area_count", "item_count", "bonus_cap", "created_at"]
    list_filter = ["township"]
    search_fields = ["name"]
    inlines = [AreaInline, ItemInline, VetoInline, BonusInline, GradeBandInline]
    change_list_template = "admin/assessment/standard/change_list.html"  # adds "从Excel导入"

    def get_urls(self):
        from .admin_import import import_urls

        return import_urls(self.admin_site) + super().get_urls()

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            area_count=Count("areas", distinct=True), item_count=Count("items", distinct=True)
        )

    def has_change_permission(self, request, obj=None):
        # A standard a round has started with never changes: copy it as a new version instead.
        if obj is not None and (standard_in_use(obj) or (obj.township_id is None and not request.user.is_superuser)):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.rounds.exists():
            return False
        return self.has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and standard_in_use(obj):
            self.message_user(request, _("此标准已有考核批次在使用，不能修改；如需修改，请在列表中选中它并执行“复制为新版本”。"), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("复制为新版本（以便修改）"))
    def copy_as_new_version(self, request, queryset):
        for standard in queryset:
            try:
                copy = standard_copy(standard=standard, actor=request.user)
            except ServiceError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("已生成 %(copy)s") % {"copy": copy})

    @admin.display(description=_("方面数"), ordering="area_count")
    def area_count(self, obj):
        return obj.area_count

    @admin.display(description=_("项目数"), ordering="item_count")
    def item_count(self, obj):
        return obj.item_count


@admin.register(Item)
class ItemAdmin(ReadOnlyMixin, TownshipScopedAdmin):
    township_path = "standard__township"
    shared_when_null = True
    list_display = ["number", "short_content", "area", "points", "check_method", "standard"]
    list_filter = ["standard", "area"]
    search_fields = ["content", "criteria", "evidence"]
    list_select_related = ["area", "standard"]

    @admin.display(description=_("考核内容"))
    def short_content(self, obj):
        return obj.content[:40]


@admin.register(Round)
class RoundAdmin(TownshipScopedAdmin):
    list_display = ["name", "township", "year", "phase", "standard", "self_end", "onsite_end", "assessment_count"]
    list_filter = ["phase", "year", "township"]
    search_fields = ["name", "township__name"]
    list_select_related = ["township", "standard"]
    actions = ["prepare_assessments"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(assessment_count=Count("assessments"))

    @admin.display(description=_("支部数"), ordering="assessment_count")
    def assessment_count(self, obj):
        return obj.assessment_count

    def get_readonly_fields(self, request, obj=None):
        # A round keeps the standard it started with.
        if obj and obj.phase != "preparation":
            return ["standard", "township"]
        return []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        round_prepare(round=obj, actor=request.user)

    @admin.action(description=_("为所选批次生成各支部考核记录"))
    def prepare_assessments(self, request, queryset):
        for round in queryset:
            try:
                count = round_prepare(round=round, actor=request.user)
            except ServiceError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("%(round)s：%(count)d 个支部") % {"round": round, "count": count})


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    fields = ["item", "points", "self_score", "self_note", "onsite_score", "deduction_reason", "needs_rectification"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item")


@admin.register(Assessment)
class AssessmentAdmin(TownshipScopedAdmin):
    township_path = "round__township"
    list_display = ["branch", "round", "status", "submitted_at", "finalised_at", "updated_at"]
    list_filter = ["round", "status", "branch__kind", "branch__township"]
    search_fields = ["branch__name", "round__name"]
    list_select_related = ["branch", "round"]
    readonly_fields = ["round", "branch", "status", "submitted_at", "finalised_at", "returned_reason"]
    inlines = [ScoreInline]

    def has_add_permission(self, request):
        return False  # assessments come from the round (one per branch)


@admin.register(Score)
class ScoreAdmin(TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["assessment", "item", "points", "self_score", "onsite_score", "updated_at"]
    list_filter = ["assessment__round", "assessment__branch"]
    search_fields = ["assessment__branch__name", "item__content"]
    list_select_related = ["assessment__branch", "assessment__round", "item"]

    # Scores change only through the scoring pages, which write the audit log.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rectification)
class RectificationAdmin(TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["problem", "assessment", "deadline", "status", "responsible", "verified_by"]
    list_filter = ["status", "assessment__round", "assessment__branch"]
    search_fields = ["problem", "requirement", "assessment__branch__name"]
    list_select_related = ["assessment__branch", "assessment__round", "verified_by"]
    date_hierarchy = "deadline"


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyMixin, TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["original_name", "assessment", "item", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type", "assessment__round"]
    search_fields = ["original_name", "assessment__branch__name"]
    list_select_related = ["assessment__branch", "assessment__round", "item", "uploaded_by"]


@admin.register(BonusClaim)
class BonusClaimAdmin(TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["assessment", "bonus", "decision"]
    list_filter = ["decision", "assessment__round"]
    list_select_related = ["assessment__branch", "assessment__round", "bonus"]


@admin.register(VetoFinding)
class VetoFindingAdmin(TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["assessment", "veto", "recorded_by", "recorded_at"]
    list_select_related = ["assessment__branch", "assessment__round", "veto", "recorded_by"]


@admin.register(AuditLog)
class AuditLogAdmin(TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["at", "actor", "action", "target", "field", "old_value", "new_value"]
    list_filter = ["action"]
    search_fields = ["target", "actor__username", "actor__display_name", "note"]
    list_select_related = ["actor"]
    date_hierarchy = "at"

    # Append-only: nobody edits or deletes the record of what happened.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(TownshipScopedAdmin):
    township_path = "user__township"
    list_display = ["user", "text", "created_at", "read_at"]
    list_select_related = ["user"]
    search_fields = ["text", "user__username"]
