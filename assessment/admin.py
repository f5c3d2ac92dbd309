from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import (
    Area, Assessment, AuditLog, Bonus, BonusClaim, Branch, Evidence, GradeBand, Item, Message,
    Rectification, Round, Score, Standard, Township, User, Veto, VetoFinding,
)
from .services.base import ServiceError
from .services.rounds import round_prepare

admin.site.site_header = _("化峪 · 党支部规范化建设考核验收")
admin.site.site_title = _("化峪考核管理")
admin.site.index_title = _("管理")


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0
    fields = ["name", "kind", "is_demonstration", "members", "order"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "county", "branch_count"]
    search_fields = ["name", "county"]
    inlines = [BranchInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(branch_count=Count("branches"))

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
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "township", "kind", "is_demonstration", "members", "secretary_names", "order"]
    list_filter = ["township", "kind", "is_demonstration"]
    list_editable = ["is_demonstration", "order"]
    search_fields = ["name", "township__name", "secretaries__display_name", "secretaries__username"]
    list_select_related = ["township"]
    inlines = [SecretaryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("secretaries")

    @admin.display(description=_("支部书记"))
    def secretary_names(self, obj):
        return "、".join(str(user) for user in obj.secretaries.all()) or "—"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
class StandardAdmin(admin.ModelAdmin):
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

    @admin.display(description=_("方面数"), ordering="area_count")
    def area_count(self, obj):
        return obj.area_count

    @admin.display(description=_("项目数"), ordering="item_count")
    def item_count(self, obj):
        return obj.item_count


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["number", "short_content", "area", "points", "check_method", "standard"]
    list_filter = ["standard", "area"]
    search_fields = ["content", "criteria", "evidence"]
    list_select_related = ["area", "standard"]

    @admin.display(description=_("考核内容"))
    def short_content(self, obj):
        return obj.content[:40]


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
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
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["branch", "round", "status", "submitted_at", "finalised_at", "updated_at"]
    list_filter = ["round", "status", "branch__kind", "branch__township"]
    search_fields = ["branch__name", "round__name"]
    list_select_related = ["branch", "round"]
    readonly_fields = ["round", "branch", "status", "submitted_at", "finalised_at", "returned_reason"]
    inlines = [ScoreInline]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["assessment", "item", "points", "self_score", "onsite_score", "updated_at"]
    list_filter = ["assessment__round", "assessment__branch"]
    search_fields = ["assessment__branch__name", "item__content"]
    list_select_related = ["assessment__branch", "assessment__round", "item"]

    def has_change_permission(self, request, obj=None):
        return False  # scores change only through the scoring pages, which write the audit log


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    list_display = ["problem", "assessment", "deadline", "status", "responsible", "verified_by"]
    list_filter = ["status", "assessment__round", "assessment__branch"]
    search_fields = ["problem", "requirement", "assessment__branch__name"]
    list_select_related = ["assessment__branch", "assessment__round", "verified_by"]
    date_hierarchy = "deadline"


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "assessment", "item", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type", "assessment__round"]
    search_fields = ["original_name", "assessment__branch__name"]
    list_select_related = ["assessment__branch", "assessment__round", "item", "uploaded_by"]


@admin.register(BonusClaim)
class BonusClaimAdmin(admin.ModelAdmin):
    list_display = ["assessment", "bonus", "decision"]
    list_filter = ["decision", "assessment__round"]
    list_select_related = ["assessment__branch", "assessment__round", "bonus"]


@admin.register(VetoFinding)
class VetoFindingAdmin(admin.ModelAdmin):
    list_display = ["assessment", "veto", "recorded_by", "recorded_at"]
    list_select_related = ["assessment__branch", "assessment__round", "veto", "recorded_by"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
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
class MessageAdmin(admin.ModelAdmin):
    list_display = ["user", "text", "created_at", "read_at"]
    list_select_related = ["user"]
    search_fields = ["text", "user__username"]
