"""Admin pages to import a standard from Excel (.xlsx, .xls) or a Word table (.docx): upload → preview (with a column
mapping the user may correct) → confirm.

The uploaded bytes stay in the session (base64, at most STANDARD_MAX_BYTES)
between the steps, so that "重新识别" can read them again with another mapping;
the parsed standard the user saw is what "确认导入" writes.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessment.importers import (
    FIELDS, REQUIRED_FIELDS, ParsedStandard, StandardImportError, decode_bytes, encode_bytes,
    field_labels, max_upload_bytes, read_standard, size_text,
)
from assessment.models import Grade, Role, Standard
from assessment.services.base import ServiceError
from assessment.services.standards import standard_import

SESSION_KEY = "standard_import"
KINDS = {"xlsx": gettext_lazy("Excel工作簿（.xlsx）"), "xls": gettext_lazy("旧版Excel工作簿（.xls）"),
         "docx": gettext_lazy("Word文档中的表格（.docx）")}


def can_import(user):
    """The superuser, a township admin (the township's standard) or the county's organisation
    department (县委组织部: the county's standard, for every township of the county)."""
    return user.is_authenticated and user.is_active and (
        user.is_superuser or user.role == Role.ADMIN or (user.role == Role.COUNTY and user.county_id is not None))


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("考核标准文件（.xlsx、.xls、.docx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(_("文件超过%(limit)s，不能导入。") % {"limit": size_text(limit)})
        return upload


class MappingForm(forms.Form):
    """One select per field: which column of the sheet holds it."""

    def __init__(self, *args, headers, labels=None, required=REQUIRED_FIELDS, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("（无）"))] + [
            (letter, _("%(column)s列：%(header)s") % {"column": letter, "header": text})
            for letter, text in sorted(headers.items(), key=lambda pair: (len(pair[0]), pair[0]))
        ]
        for name, label in (labels or field_labels()).items():
            self.fields[name] = forms.ChoiceField(label=label, choices=choices, required=name in required)


class ConfirmForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("考核标准名称"), max_length=200)


# --- the views -------------------------------------------------------------------


def take_upload(request, *, read, remember, preview):
    """The POST of an upload page: (the form, a redirect to `preview` once the file is read — or
    once its header is found but its columns are unclear, for the user to say which is which)."""
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        file = form.cleaned_data["file"]
        data = file.read()
        try:
            parsed = read(data, file.name)
        except StandardImportError as error:
            messages.error(request, error.message)
            if error.headers:
                remember(request, data=data, filename=file.name, parsed=None, error=error)
                return form, redirect(preview)
        else:
            remember(request, data=data, filename=file.name, parsed=parsed)
            return form, redirect(preview)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return form, None


def upload(request, admin_site):
    form = UploadForm()
    if request.method == "POST":
        form, done = take_upload(request, read=lambda data, name: read_standard(data, filename=name),
                                 remember=_remember, preview="admin:assessment_standard_import_preview")
        if done:
            return done
    context = {
        **_context(request, admin_site, _("从Excel导入考核标准")),
        "form": form,
        "limit": size_text(max_upload_bytes()),
    }
    return render(request, "admin/assessment/standard/import_upload.html", context)


def preview(request, admin_site):
    state = request.session.get(SESSION_KEY)
    if not state:
        messages.error(request, _("请先上传考核标准文件。"))
        return redirect("admin:assessment_standard_import")
    if request.method == "POST":
        form = MappingForm(request.POST, headers=state["headers"])
        if form.is_valid():
            mapping = {name: form.cleaned_data[name] for name in FIELDS}
            try:
                parsed = read_standard(decode_bytes(state["data"]), filename=state["filename"], mapping=mapping)
            except StandardImportError as error:
                messages.error(request, error.message)
                _remember(request, data=None, filename=state["filename"], parsed=None, error=error, mapping=mapping)
            else:
                _remember(request, data=None, filename=state["filename"], parsed=parsed)
                messages.info(request, _("已按所选的列重新识别。"))
            return redirect("admin:assessment_standard_import_preview")
    else:
        form = MappingForm(initial=state["columns"], headers=state["headers"])
    parsed = ParsedStandard.from_json(state["parsed"]) if state.get("parsed") else None
    context = {
        **_context(request, admin_site, _("预览导入的考核标准")),
        "state": state,
        "mapping_form": form,
        "parsed": parsed,
    }
    if parsed:
        counts = parsed.area_item_counts()
        area_names = {area.number: area.name for area in parsed.areas}
        context.update(
            confirm_form=ConfirmForm(initial={"name": parsed.name}),
            areas=[(area, counts[area.number]) for area in parsed.areas],
            items=[(item, area_names[item.area_number]) for item in parsed.items],
            kind=KINDS.get(parsed.file_kind, ""),
            bands=[(Grade(grade).label, minimum) for grade, minimum in parsed.grade_bands],
        )
    return render(request, "admin/assessment/standard/import_preview.html", context)


@require_POST
def confirm(request, admin_site):
    state = request.session.get(SESSION_KEY)
    if not state or not state.get("parsed"):
        messages.error(request, _("没有可导入的内容，请重新上传文件。"))
        return redirect("admin:assessment_standard_import")
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写考核标准名称。"))
        return redirect("admin:assessment_standard_import_preview")
    parsed = ParsedStandard.from_json(state["parsed"])
    try:
        standard = standard_import(
            parsed=parsed, actor=request.user, name=form.cleaned_data["name"], township=request.user.township,
            county=request.user.county if request.user.role == Role.COUNTY else None,
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("admin:assessment_standard_import_preview")
    del request.session[SESSION_KEY]
    parsed.name = standard.name
    messages.success(request, _("已导入考核标准“%(standard)s”。%(summary)s") % {
        "standard": standard, "summary": parsed.summary(),
    })
    return redirect("admin:assessment_standard_change", standard.pk)


# --- helpers ---------------------------------------------------------------------


def remember(request, key, *, data, filename, parsed, error=None, mapping=None):
    """Keep the upload and what was read from it (a standard or a roster) in the session under `key`."""
    state = request.session.get(key, {}) if data is None else {}
    if data is not None:
        state["data"] = encode_bytes(data)
    state["filename"] = filename
    if parsed is not None:
        state.update(
            parsed=parsed.to_json(), sheet=parsed.sheet, header_row=parsed.header_row,
            header_last=parsed.header_row + getattr(parsed, "header_rows", 1) - 1, headers=parsed.headers,
            columns=parsed.columns,
        )
    else:
        state.update(
            parsed=None, sheet=error.sheet, header_row=error.header_row, header_last=error.header_row,
            headers=error.headers,
            columns=mapping if mapping is not None else error.columns,
        )
    request.session[key] = state


def _remember(request, **kwargs):
    remember(request, SESSION_KEY, **kwargs)


def page_context(request, admin_site, title, model):
    """What an admin page beside a model's list needs: the site's context, its title, the model."""
    meta = model._meta
    return {
        **admin_site.each_context(request),
        "title": title,
        "opts": meta,
        "changelist_url": reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
    }


def _context(request, admin_site, title):
    return page_context(request, admin_site, title, Standard)


def guard_for(admin_site, allowed=can_import):
    """Wraps a view(request, admin_site, …) as an admin page for those `allowed`."""

    def guard(view):
        def inner(request, *args, **kwargs):
            return view(request, admin_site, *args, **kwargs)

        protected = admin_site.admin_view(inner)

        def checked(request, *args, **kwargs):
            # Like every admin page, the login for those who are not staff; 403 for staff who may not import.
            if request.user.is_authenticated and request.user.is_staff and not allowed(request.user):
                raise PermissionDenied
            return protected(request, *args, **kwargs)

        return checked

    return guard


def import_urls(admin_site):
    """URL patterns for StandardAdmin.get_urls(): only superusers and township admins."""
    guard = guard_for(admin_site)
    return [
        path("import/", guard(upload), name="assessment_standard_import"),
        path("import/preview/", guard(preview), name="assessment_standard_import_preview"),
        path("import/confirm/", guard(confirm), name="assessment_standard_import_confirm"),
    ]
