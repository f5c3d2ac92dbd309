"""Admin pages to set a township up from its roster (党组织花名册): upload → preview (column mapping,
what is new, changed, missing) → confirm; and the accounts people are handed: the account sheet
(each one-time password in it once) and a new one-time password for whoever forgot theirs.

Hooked into BranchAdmin.get_urls() (assessment/admin.py); only superusers and township admins,
a township admin only for their own township (another township's person: 404).
"""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import converters  # noqa: F401  (registers <id:>)
from assessment.admin_import import MappingForm, UploadForm, can_import, guard_for, page_context, remember, take_upload
from assessment.exporters_accounts import AccountSheet
from assessment.importers import StandardImportError, decode_bytes, max_upload_bytes, size_text
from assessment.importers.roster import REQUIRED_FIELDS, FIELDS, ParsedRoster, field_labels, read_roster
from assessment.models import Branch, PendingPassword, Role, Township, User
from assessment.services.base import ServiceError
from assessment.services.roster import account_sheet_take, password_reissue, roster_import, roster_plan
from assessment.views.exports import xlsx_response

SESSION_KEY = "roster_import"


def _township_default(request):
    return request.user.township.name if request.user.township_id else ""


def _read(request, data, filename, mapping=None):
    return read_roster(data, filename=filename, mapping=mapping, township=_township_default(request))


def upload(request, admin_site):
    form = UploadForm()
    if request.method == "POST":
        form, done = take_upload(request, read=lambda data, name: _read(request, data, name), remember=_remember,
                                 preview="admin:assessment_branch_roster_preview")
        if done:
            return done
    context = {**_context(request, admin_site, _("从花名册导入党组织")), "form": form,
               "limit": size_text(max_upload_bytes())}
    return render(request, "admin/assessment/branch/roster_upload.html", context)


def preview(request, admin_site):
    state = request.session.get(SESSION_KEY)
    if not state:
        messages.error(request, _("请先上传花名册文件。"))
        return redirect("admin:assessment_branch_roster_import")
    labels = field_labels()
    if request.method == "POST":
        form = MappingForm(request.POST, headers=state["headers"], labels=labels, required=REQUIRED_FIELDS)
        if form.is_valid():
            mapping = {name: form.cleaned_data[name] for name in FIELDS}
            try:
                parsed = _read(request, decode_bytes(state["data"]), state["filename"], mapping)
            except StandardImportError as error:
                messages.error(request, error.message)
                _remember(request, data=None, filename=state["filename"], parsed=None, error=error, mapping=mapping)
            else:
                _remember(request, data=None, filename=state["filename"], parsed=parsed)
                messages.info(request, _("已按所选的列重新识别。"))
            return redirect("admin:assessment_branch_roster_preview")
    else:
        form = MappingForm(initial=state["columns"], headers=state["headers"], labels=labels, required=REQUIRED_FIELDS)
    parsed = ParsedRoster.from_json(state["parsed"]) if state.get("parsed") else None
    plan = None
    if parsed:
        try:
            plan = roster_plan(parsed=parsed, actor=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
    context = {**_context(request, admin_site, _("预览导入的花名册")), "state": state, "mapping_form": form,
               "parsed": parsed, "plan": plan}
    return render(request, "admin/assessment/branch/roster_preview.html", context)


@require_POST
def confirm(request, admin_site):
    state = request.session.get(SESSION_KEY)
    if not state or not state.get("parsed"):
        messages.error(request, _("没有可导入的内容，请重新上传文件。"))
        return redirect("admin:assessment_branch_roster_import")
    try:
        plan = roster_import(parsed=ParsedRoster.from_json(state["parsed"]), actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("admin:assessment_branch_roster_preview")
    del request.session[SESSION_KEY]
    messages.success(request, _("已导入花名册。%(summary)s") % {"summary": plan.summary()})
    if plan.new_accounts:
        messages.info(request, _("新账号的一次性密码在账号表中，请下载后打印发放（只能下载一次）。"))
    return redirect("admin:assessment_branch_accounts")


# --- accounts ---------------------------------------------------------------------


def _township_for(request):
    """The township whose accounts the page shows: the admin's own; for the superuser, ?township=."""
    user = request.user
    if not user.is_superuser:
        return user.township
    chosen = request.GET.get("township") or request.POST.get("township")
    townships = Township.objects.order_by("name")
    if chosen:
        if not str(chosen).isdigit():
            raise Http404
        return get_object_or_404(townships, pk=int(chosen))
    return townships.first()


def accounts(request, admin_site):
    township = _township_for(request)
    people = []
    if township is not None:
        people = list(
            User.objects.filter(township=township, is_superuser=False)
            .select_related("branch").order_by("role", "branch__order", "branch__name", "username")
        )
    pending = set(PendingPassword.objects.filter(township=township).values_list("user_id", flat=True))
    context = {
        **_context(request, admin_site, _("账号与一次性密码")),
        "township": township,
        "townships": Township.objects.order_by("name") if request.user.is_superuser else [],
        "people": [(person, person.pk in pending) for person in people],
        "pending_count": len(pending),
        "roles": dict(Role.choices),
    }
    return render(request, "admin/assessment/branch/accounts.html", context)


@require_POST
def sheet(request, admin_site):
    township = _township_for(request)
    if township is None:
        raise Http404
    try:
        # The one-time passwords leave the database only with a whole file: should writing it
        # fail, they are still there.
        with transaction.atomic():
            rows = account_sheet_take(actor=request.user, township=township)
            return xlsx_response(request, AccountSheet(township, rows, request.build_absolute_uri(reverse("login"))))
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect(_accounts_url(request, township))


@require_POST
def reissue(request, admin_site, id):
    users = User.objects.filter(is_superuser=False, township__isnull=False)
    if not request.user.is_superuser:
        users = users.filter(township_id=request.user.township_id)
    person = get_object_or_404(users, pk=id)
    try:
        password_reissue(user=person, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已为%(person)s生成新的一次性密码，请下载账号表后交给本人。") % {"person": person})
    return redirect(_accounts_url(request, person.township))


# --- helpers ----------------------------------------------------------------------


def _accounts_url(request, township):
    url = reverse("admin:assessment_branch_accounts")
    return f"{url}?township={township.pk}" if request.user.is_superuser else url


def _remember(request, **kwargs):
    remember(request, SESSION_KEY, **kwargs)


def _context(request, admin_site, title):
    return page_context(request, admin_site, title, Branch)


def roster_urls(admin_site):
    """URL patterns for BranchAdmin.get_urls(): only superusers and township admins."""

    guard = guard_for(admin_site, lambda user: can_import(user) and (user.is_superuser or user.township_id))
    return [
        path("roster/", guard(upload), name="assessment_branch_roster_import"),
        path("roster/preview/", guard(preview), name="assessment_branch_roster_preview"),
        path("roster/confirm/", guard(confirm), name="assessment_branch_roster_confirm"),
        path("accounts/", guard(accounts), name="assessment_branch_accounts"),
        path("accounts/sheet/", guard(sheet), name="assessment_branch_account_sheet"),
        path("accounts/<id:id>/reissue/", guard(reissue), name="assessment_branch_account_reissue"),
    ]
