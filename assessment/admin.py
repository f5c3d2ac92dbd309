"""Django admin: the superuser sees everything, a township admin (镇党委管理员, staff) only
their township. Every choice list is limited to the user's township (a foreign id posted is
not a valid choice: a form error, nothing written). Records whose changes the services own
(scores, veto findings, bonus decisions, rectifications, assessments, evidence, the audit log,
a round once its self-evaluation has started, a round's phase and notice) are read-only here:
they change on the app's pages, through the services. Every add, change and delete made here,
by anyone, writes an audit record (AuditedAdmin)."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.utils.translation import gettext_lazy as _

from .models import (
    Area, Assessment, AuditLog, Bonus, BonusClaim, Branch, County, Evidence, GradeBand, Item, Message,
    Phase, Rectification, Role, Round, Score, Standard, Township, User, Veto, VetoFinding,
)
from .services.base import ServiceError, audit
from .services.rounds import round_prepare
from .services.standards import standard_copy, standard_in_use

admin.site.site_header = _("化峪 · 党支部规范化建设考核验收")
admin.site.site_title = _("化峪考核管理")
admin.site.index_title = _("管理")


def is_admin_of_township(user):
    return user.is_active and user.is_staff and user.role == Role.ADMIN and user.township_id is not None


def is_county_admin(user):
    """The county's organisation department (县委组织部) as staff: manages its county's standards."""
    return user.is_active and user.is_staff and user.role == Role.COUNTY and user.county_id is not None


# The lookup from each model to its township, and whether rows with no township (a standard
# shared by every township, and its items) are everyone's.
TOWNSHIP_PATHS = {
    Township: ("pk", False),
    Branch: ("township", False),
    User: ("township", False),
    Standard: ("township", True),
    Area: ("standard__township", True),
    Item: ("standard__township", True),
    Veto: ("standard__township", True),
    Bonus: ("standard__township", True),
    Round: ("township", False),
    Assessment: ("round__township", False),
    Score: ("assessment__round__township", False),
    Rectification: ("assessment__round__township", False),
    BonusClaim: ("assessment__round__township", False),
    VetoFinding: ("assessment__round__township", False),
    Evidence: ("assessment__round__township", False),
}


def shared_rows(path, user):
    """The rows with no township (`path` ends in "township") a township admin may read: those
    shared by every township, and those issued by the county of the admin's township."""
    county_path = path[: -len("township")] + "county"
    of_my_county = Q(**{f"{county_path}__in": Township.objects.filter(pk=user.township_id).values("county_id")})
    return Q(**{f"{path}__isnull": True}) & (Q(**{f"{county_path}__isnull": True}) | of_my_county)


def choices_for(model, user):
    """The rows of `model` that `user` may pick in a form: all for the superuser, their
    township's (and the shared ones) for a township admin, none for a model not mapped."""
    qs = model._default_manager.all()
    if user.is_superuser:
        return qs
    if model not in TOWNSHIP_PATHS or not is_admin_of_township(user):
        return qs.none()
    path, shared = TOWNSHIP_PATHS[model]
    mine = Q(**{path: user.township_id})
    if shared:
        mine |= shared_rows(path, user)
    if model is User:
        mine &= Q(is_superuser=False)
    return qs.filter(mine)


def _shown(value):
    if isinstance(value, (list, tuple, QuerySet)):  # a many-to-many's rows
        return "、".join(map(str, value))
    return "" if value is None else str(value)


def _initial(form, name):
    """A field's value before the change, as a person reads it (a row rather than its id)."""
    value, field = form.initial.get(name), form.fields.get(name)
    if isinstance(field, ModelChoiceField) and not isinstance(field, ModelMultipleChoiceField) and value is not None:
        row = field.queryset.model._default_manager.filter(pk=getattr(value, "pk", value)).first()
        return row if row is not None else value
    return value


def _changes(form, change):
    """The fields a form changed, as two texts "字段：值" (before, after); passwords left out."""
    names = [n for n in form.changed_data if "password" not in n]

    def label(name):
        return str(form.fields[name].label or name)

    old = "；".join(f"{label(n)}：{_shown(_initial(form, n))}" for n in names) if change else ""
    new = "；".join(f"{label(n)}：{_shown(form.cleaned_data.get(n))}" for n in names)
    return ", ".join(names), old, new


def _row_text(obj):
    """What a deleted row held, as "字段：值" (passwords left out)."""
    return "；".join(f"{field.verbose_name}：{_shown(getattr(obj, field.name))}" for field in obj._meta.concrete_fields
                    if "password" not in field.name)


def _assessment_of(obj):
    return obj if isinstance(obj, Assessment) else getattr(obj, "assessment", None)


def admin_audit(request, action, obj, field="", old="", new=""):
    """One audit record of an edit made in the admin, by whoever made it."""
    assessment = _assessment_of(obj)
    audit(actor=request.user, action=action, assessment=assessment,
          target=f"{obj._meta.verbose_name} #{obj.pk} {obj}"[:200], field=field[:50], old=old, new=new)


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete in the admin writes an audit record in the same
    transaction (the admin's views run in one)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        field, old, new = _changes(form, change)
        if change and not field:
            return  # saved unchanged
        admin_audit(request, "admin_change" if change else "admin_add", obj, field, old, new)

    def save_formset(self, request, form, formset, change):
        # A row of an inline (a branch of a township…): audited like a form of its own.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            admin_audit(request, "admin_delete", obj, old=_row_text(obj))
            obj.delete()
        changed = {id(f.instance): f for f in formset.forms if f.has_changed()}
        for obj in instances:
            is_new = obj.pk is None
            obj.save()
            inline_form = changed.get(id(obj))
            field, old, new = _changes(inline_form, not is_new) if inline_form else ("", "", "")
            admin_audit(request, "admin_add" if is_new else "admin_change", obj, field, old, new)
        formset.save_m2m()

    def delete_model(self, request, obj):
        admin_audit(request, "admin_delete", obj, old=_row_text(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                admin_audit(request, "admin_delete", obj, old=_row_text(obj))
            super().delete_queryset(request, queryset)


class TownshipScopedAdmin(AuditedAdmin):
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
            mine |= shared_rows(self.township_path, user)
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
        # A posted id outside these is not a valid choice: the form says so, nothing is written.
        if not request.user.is_superuser:
            kwargs["queryset"] = choices_for(db_field.related_model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            kwargs["queryset"] = choices_for(db_field.related_model, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def mine(path):
    """A list filter on a related row offering only the rows the user's list holds (not every
    township's)."""
    return (path, admin.RelatedOnlyFieldListFilter)


class ReadOnlyMixin:
    """Seen in the admin, changed only on the app's pages, through the services."""

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


class TownshipInline(admin.TabularInline):
    model = Township
    extra = 0
    fields = ["name"]
    show_change_link = True


@admin.register(County)
class CountyAdmin(AuditedAdmin):
    """Counties (县、市、区) and their townships: only the superuser manages them."""

    list_display = ["name", "township_count"]
    search_fields = ["name"]
    inlines = [TownshipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(township_count=Count("townships"))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    @admin.display(description=_("乡镇数"), ordering="township_count")
    def township_count(self, obj):
        return obj.township_count


@admin.register(Township)
class TownshipAdmin(TownshipScopedAdmin):
    township_path = "pk"
    list_display = ["name", "county", "branch_count"]
    list_select_related = ["county"]
    search_fields = ["name", "county__name"]
    inlines = [BranchInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(branch_count=Count("branches"))

    def get_readonly_fields(self, request, obj=None):
        # Which county a township belongs to is the superuser's to set.
        return [] if request.user.is_superuser else ["county"]

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
    list_filter = [mine("township"), "kind", "is_demonstration"]
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
    list_filter = ["role", mine("township"), "is_active", "is_superuser"]
    search_fields = ["username", "display_name", "phone", "branch__name", "township__name"]
    list_select_related = ["township", "branch"]
    autocomplete_fields = ["township", "branch"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("考核角色"), {"fields": ("display_name", "role", "township", "branch", "county", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("考核角色"), {"fields": ("display_name", "role", "township", "branch", "county", "phone")}),
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

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                admin_audit(request, "admin_change", self.get_object(request, id), "password", new="******")
        return response

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.township_id = obj.branch.township_id if obj.branch_id else request.user.township_id
        if obj.role in (Role.ADMIN, Role.COUNTY):
            obj.is_staff = True  # township admins manage their township here, the county its standards
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
        # An item's area is one of its own standard's (none yet while the standard is added).
        if db_field.name == "area":
            standard_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Area.objects.filter(standard_id=standard_id) if standard_id else Area.objects.none()
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
    """A township admin: the township's standards (and reads the shared ones and the county's).
    The county's organisation department (县委组织部, staff): the standards its county issued,
    imported here for every township of the county."""

    shared_when_null = True

    def allowed(self, request):
        return super().allowed(request) or is_county_admin(request.user)

    def get_queryset(self, request):
        if is_county_admin(request.user):
            return self._annotated(AuditedAdmin.get_queryset(self, request).filter(county_id=request.user.county_id))
        return self._annotated(super().get_queryset(request))

    def owns(self, request, obj):
        if obj is not None and is_county_admin(request.user):
            return obj.county_id == request.user.county_id
        return super().owns(request, obj)

    def save_model(self, request, obj, form, change):
        if is_county_admin(request.user):  # the county's standard, whatever was posted
            obj.county_id, obj.township_id = request.user.county_id, None
        super().save_model(request, obj, form, change)

    actions = ["copy_as_new_version"]
    list_display = ["name", "version", "township", "county", "area_count", "item_count", "bonus_cap", "created_at"]
    list_filter = [mine("township")]
    search_fields = ["name"]
    inlines = [AreaInline, ItemInline, VetoInline, BonusInline, GradeBandInline]
    change_list_template = "admin/assessment/standard/change_list.html"  # adds "从Excel导入"

    def get_urls(self):
        from .admin_import import import_urls

        return import_urls(self.admin_site) + super().get_urls()

    @staticmethod
    def _annotated(qs):
        return qs.annotate(area_count=Count("areas", distinct=True), item_count=Count("items", distinct=True))

    def get_readonly_fields(self, request, obj=None):
        # A standard issued by a county is the county's (or the superuser's) to manage.
        return [] if request.user.is_superuser else ["county"]

    def has_change_permission(self, request, obj=None):
        # A standard a round has started with never changes: copy it as a new version instead.
        # A standard with no township is the superuser's, or its county's.
        county_may = obj is not None and is_county_admin(request.user) and obj.county_id == request.user.county_id
        if obj is not None and (standard_in_use(obj) or (obj.township_id is None and not request.user.is_superuser
                                                          and not county_may)):
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
    list_filter = [mine("standard"), mine("area")]
    search_fields = ["content", "criteria", "evidence"]
    list_select_related = ["area", "standard"]

    @admin.display(description=_("考核内容"))
    def short_content(self, obj):
        return obj.content[:40]


@admin.register(Round)
class RoundAdmin(TownshipScopedAdmin):
    list_display = ["name", "township", "year", "phase", "standard", "self_end", "onsite_end", "assessment_count"]
    list_filter = ["phase", "year", mine("township")]
    search_fields = ["name", "township__name"]
    list_select_related = ["township", "standard"]
    actions = ["prepare_assessments"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(assessment_count=Count("assessments"))

    @admin.display(description=_("支部数"), ordering="assessment_count")
    def assessment_count(self, obj):
        return obj.assessment_count

    # The phase moves on the round's pages (round_phase_set), the notice is written and
    # published on the notice page (notice_text_save, notice_publish); a round of a county
    # round is opened by the county (services.county).
    service_fields = ["phase", "notice_text", "published_at", "published_by", "county_round"]

    def get_readonly_fields(self, request, obj=None):
        return self.service_fields

    def has_change_permission(self, request, obj=None):
        # Once its self-evaluation has started, a round changes only through the services.
        if obj is not None and obj.phase != Phase.PREPARATION:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.phase != Phase.PREPARATION:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        round_prepare(round=obj, actor=request.user)

    @admin.action(description=_("为所选批次生成各支部考核记录"))
    def prepare_assessments(self, request, queryset):
        for round in queryset:
            if round.phase in (Phase.NOTICE, Phase.ARCHIVED):  # its results are published
                self.message_user(request, _("%(round)s：通报已发布，不能再生成考核记录。") % {"round": round},
                                  messages.ERROR)
                continue
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
class AssessmentAdmin(ReadOnlyMixin, TownshipScopedAdmin):
    township_path = "round__township"
    list_display = ["branch", "round", "status", "submitted_at", "finalised_at", "updated_at"]
    list_filter = [mine("round"), "status", "branch__kind", mine("branch__township")]
    search_fields = ["branch__name", "round__name"]
    list_select_related = ["branch", "round"]
    inlines = [ScoreInline]  # assessments come from the round (one per branch); returns,
    # extensions and the on-site record are made on the app's pages


@admin.register(Score)
class ScoreAdmin(ReadOnlyMixin, TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["assessment", "item", "points", "self_score", "onsite_score", "updated_at"]
    list_filter = [mine("assessment__round"), mine("assessment__branch")]
    search_fields = ["assessment__branch__name", "item__content"]
    list_select_related = ["assessment__branch", "assessment__round", "item"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyMixin, TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["problem", "assessment", "deadline", "status", "responsible", "verified_by"]
    list_filter = ["status", mine("assessment__round"), mine("assessment__branch")]
    search_fields = ["problem", "requirement", "assessment__branch__name"]
    list_select_related = ["assessment__branch", "assessment__round", "verified_by"]
    date_hierarchy = "deadline"


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyMixin, TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["original_name", "assessment", "item", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type", mine("assessment__round")]
    search_fields = ["original_name", "assessment__branch__name"]
    list_select_related = ["assessment__branch", "assessment__round", "item", "uploaded_by"]


@admin.register(BonusClaim)
class BonusClaimAdmin(ReadOnlyMixin, TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["assessment", "bonus", "decision"]
    list_filter = ["decision", mine("assessment__round")]
    list_select_related = ["assessment__branch", "assessment__round", "bonus"]


@admin.register(VetoFinding)
class VetoFindingAdmin(ReadOnlyMixin, TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["assessment", "veto", "recorded_by", "recorded_at"]
    list_select_related = ["assessment__branch", "assessment__round", "veto", "recorded_by"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyMixin, TownshipScopedAdmin):
    township_path = "assessment__round__township"
    list_display = ["at", "actor", "action", "target", "field", "change"]
    list_filter = ["action"]
    search_fields = ["target", "actor__username", "actor__display_name", "note"]
    list_select_related = ["actor"]
    date_hierarchy = "at"  # append-only: nobody edits or deletes the record of what happened


@admin.register(Message)
class MessageAdmin(TownshipScopedAdmin):
    """Messages are sent by the services (reminders, returns, the notice); one may be deleted."""

    township_path = "user__township"
    list_display = ["user", "text", "created_at", "read_at"]
    list_select_related = ["user"]
    search_fields = ["text", "user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The other models the admin shows (Django's groups, the login attempts axes keeps) are the
# superuser's; their changes are audited as well.
for _model in (Group, AccessAttempt, AccessLog, AccessFailureLog):
    _base = type(admin.site.get_model_admin(_model))
    admin.site.unregister(_model)
    admin.site.register(_model, type(_base.__name__, (AuditedAdmin, _base), {}))


# 抽查复核 (county spot checks): the county's, changed only on its pages through the services; shown
# here to the superuser alone (a township admin sees nothing of the county's scores in the admin).
from .models_spot import SpotCheck, SpotSample, SpotScore  # noqa: E402


class SuperuserReadOnlyAdmin(ReadOnlyMixin, AuditedAdmin):
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(SpotCheck)
class SpotCheckAdmin(SuperuserReadOnlyAdmin):
    list_display = ["name", "county", "year", "method", "seed", "threshold", "drawn_by", "drawn_at", "published_at"]
    list_filter = ["county", "year", "method"]
    search_fields = ["name"]
    list_select_related = ["county", "drawn_by"]


@admin.register(SpotSample)
class SpotSampleAdmin(SuperuserReadOnlyAdmin):
    list_display = ["spot_check", "assessment", "reason", "order"]
    list_filter = ["reason"]
    search_fields = ["spot_check__name", "assessment__branch__name"]
    list_select_related = ["spot_check", "assessment__branch", "assessment__round"]


@admin.register(SpotScore)
class SpotScoreAdmin(SuperuserReadOnlyAdmin):
    list_display = ["sample", "item", "points", "score", "updated_by", "updated_at"]
    search_fields = ["sample__spot_check__name", "sample__assessment__branch__name"]
    list_select_related = ["sample__spot_check", "sample__assessment__branch", "sample__assessment__round", "item",
                           "updated_by"]
